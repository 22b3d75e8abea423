"""Math rendered at build time as MathML: no script, no web font, no typesetting.

Every ``$...$``, ``$$...$$``, ``:math:`` and ``.. math::`` of the site is converted from
TeX to MathML (``latex2mathml``) when the page is written, and browsers draw MathML
themselves (Chromium 109+, Firefox, Safari). Pages with math therefore load no MathJax
(260 KB of script and a typesetting task of 200-500 ms on a phone) and show their
formulas in the first paint. The TeX source stays in the page as the MathML
``annotation`` (copy-and-paste, screen readers) and in ``alttext``.

A formula ``latex2mathml`` cannot convert stops the build with the page and the TeX,
instead of reaching a reader as raw TeX. Registered as the HTML math renderer
``mathml``; ``conf.py`` selects it with ``html_math_renderer = "mathml"``.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number

_UNKNOWN_MACRO = re.compile(r">[^<]*?(\\[A-Za-z]+)[^<]*<")


def mathml(tex: str, display: bool, where: str) -> str:
    """The ``<math>`` element for ``tex``; an
    ExtensionError naming ``where`` if it fails."""
    try:
        markup = convert(tex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises many kinds of errors for bad TeX
        raise ExtensionError(
            f"{where}: cannot render the math {tex!r} as MathML: {exc}"
        ) from exc
    unknown = _UNKNOWN_MACRO.search(markup)
    # latex2mathml writes a macro it does not know as text: the reader sees TeX
    if unknown:
        raise ExtensionError(
            f"{where}: cannot render the math {tex!r} as MathML: "
            f"unknown macro {unknown.group(1)}"
        )
    annotation = (
        f'<annotation encoding="application/x-tex">{html.escape(tex)}</annotation>'
    )
    head, _sep, rest = markup.partition(">")
    body = rest.rsplit("</math>", 1)[0]
    alt = html.escape(tex, quote=True)
    semantics = f"<semantics><mrow>{body}</mrow>{annotation}</semantics>"
    return f'{head} alttext="{alt}">{semantics}</math>'


def _where(node: nodes.Node) -> str:
    return f"{node.source or '?'}:{node.line or '?'}"


def _display_tex(node: nodes.math_block) -> str:
    """The TeX of a display block; equations separated by blank lines stack as rows."""
    parts = [part.strip() for part in node.astext().split("\n\n") if part.strip()]
    if len(parts) == 1:
        return parts[0]
    return r"\begin{matrix}" + r" \\ ".join(parts) + r"\end{matrix}"


def visit_math(self, node: nodes.math) -> None:
    self.body.append(
        self.starttag(node, "span", "", CLASS="math notranslate nohighlight")
    )
    self.body.append(mathml(node.astext(), False, _where(node)) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(mathml(_display_tex(node), True, _where(node)) + "</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
