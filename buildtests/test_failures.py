"""Issue 7: every way the site can be wrong fails
the build loudly, and no output is ever stale.

Each test breaks a throwaway site (see ``conftest.py``: the real ``docs/conf.py``, built
by the real ``build_docs`` of ``noxfile.py``) in one way, then checks that the build
fails, that its output says where and why, and what became of the broken page. A build
that fails is never published (``nox -s docs`` and Read the Docs stop on it), so where
Sphinx still writes the broken page, the failed build is what keeps it off the site.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Sphinx's end-of-build line when warnings (-W) fail a build that otherwise completed.
WARNINGS_FAIL = "build finished with problems"


def line_of(path, text: str) -> int:
    """The 1-based number of the first line of ``path`` containing ``text``."""
    return next(
        i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line
    )


def text_of(html: str) -> str:
    """An HTML page's text, tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_recipe_deletes_generated_folders_then_builds_strictly(site, noxfile) -> None:
    """``build_docs`` (run dry) empties every generated
    folder, then runs a strict, full build."""
    generated = {
        path.relative_to(noxfile.DOCS).as_posix() for path in noxfile.GENERATED
    }
    # myst-nb executes pages in <outdir>/../jupyter_execute, i.e.
    # _build/jupyter_execute.
    assert {"auto_examples", "api/generated", "_build/jupyter_execute"} <= generated

    build = site.build(execute=False)

    removed = {path.relative_to(site.docs).as_posix() for path in build.removed}
    assert removed >= generated | {
        "_build/html",
        "_build/html-partial",
        "_build/doctrees-html",
    }
    command = build.command
    assert command[0] == "sphinx-build"
    # -W: warnings are errors; --keep-going: report all of them; -n:
    # unresolved references warn; -E: read every source again (no environment
    # pickled by an earlier build).
    assert {"-W", "--keep-going", "-n", "-E"} <= set(command)
    assert command[command.index("-b") + 1] == "html"


def test_raising_gallery_example_fails_and_names_file_line_and_error(site) -> None:
    """A gallery script that raises fails the
    build, naming the script, line and exception.

    ``only_warn_on_example_error`` is False, so the failure is an error at the end of
    the build, not a warning. Sphinx has by then written the example's page, traceback
    included, into the staging folder; ``build_docs`` never turns that folder into the
    site, so nothing is published.
    """
    script = site.example(
        "plot_01_raises",
        '''
        """
        An example that raises
        ======================

        Its last line passes a 1-D array where conv2d wants (N, C, H, W).
        """

        import convdoc as cd

        print(cd.conv_output_shape(4, 4, 2, 2))
        cd.conv2d([1.0, 2.0], [[1.0]])
        ''',
    )
    build = site.build()

    assert build.returncode != 0, build.output
    line = line_of(script, "cd.conv2d(")
    assert f'plot_01_raises.py", line {line}, in <module>' in build.output, build.output
    assert (
        "ValueError: `x` must be 4-D with shape (N, C, H, W); got shape (2,)"
        in build.output
    )
    assert "Unexpected failing examples (1)" in build.output
    assert not build.html.exists()  # no site at all: not this page, nor any other


def test_raising_code_cell_fails_and_names_page_cell_and_error(site) -> None:
    """A MyST page whose code cell raises stops
    the build: no HTML is written for the page.

    The output names the page, shows the failing cell's source and its traceback
    (printed by ``convdoc_site.report_failed_cell``) with the cell's line and the
    exception.
    """
    page = site.page(
        "broken",
        """
        # A page whose second cell raises

        ```{code-cell} ipython3
        import convdoc as cd
        ```

        ```{code-cell} ipython3
        shape = cd.conv_output_shape(4, 4, 2, 2)
        cd.correlate2d(1.0, [[1.0]])
        ```
        """,
    )
    build = site.build()

    assert build.returncode != 0, build.output
    assert f"A code cell of {page} failed" in build.output, build.output
    assert "cd.correlate2d(1.0, [[1.0]])" in build.output  # the cell's source
    assert "Cell In[2], line 2" in build.output  # second cell, second line
    assert (
        "ValueError: `image` must be 2-D with shape (H, W); got shape ()"
        in build.output
    )
    assert build.page("broken") is None


def test_missing_glue_key_fails_and_names_page_line_and_key(site) -> None:
    """Prose that pastes a value no cell glued
    fails the build, naming the page, line and key.

    This is a warning (made an error by -W); the failed build leaves no site behind.
    """
    page = site.page(
        "broken",
        """
        # A page that pastes a key nobody glued

        ```{code-cell} ipython3
        from myst_nb import glue

        glue("params", 456, display=False)
        ```

        The layer has {glue:text}`params` parameters, {glue:text}`nokey` of them shared.
        """,
    )
    build = site.build()

    assert build.returncode != 0, build.output
    line = line_of(page, "{glue:text}`nokey`")
    [warning] = build.warnings()
    assert warning.startswith(
        f"{page}:{line}: WARNING: No key 'nokey' found in glue data"
    ), build.output
    assert WARNINGS_FAIL in build.output
    assert not build.html.exists()


def test_math_that_cannot_be_drawn_fails_and_names_page_and_tex(site) -> None:
    """TeX that MathML cannot express (a typo'd
    macro, a missing superscript) stops the build.

    Without the check, ``\\alpah`` would reach the reader as the text "\\alpah".
    """
    for tex, why in [(r"\alpah + 1", r"unknown macro \alpah"), ("x^", "")]:
        page = site.page(
            "broken",
            f"# Broken math\n\nThe weight ${tex}$ is learnt.\n",
            notebook=False,
        )
        build = site.build()
        assert build.returncode != 0, build.output
        assert (
            f"{page}" in build.output
            and f"cannot render the math {tex!r}" in build.output
        )
        assert why in build.output, build.output


def test_failing_claim_check_fails_and_names_the_assertion(site) -> None:
    """A claim check (an ``assert`` in a hidden cell, as on the errata page) that the
    code contradicts stops the build; the output shows the assertion, and no page is
    written.
    """
    page = site.page(
        "broken",
        """
        # A page whose claim is wrong

        ```{code-cell} ipython3
        :tags: [remove-cell]

        import convdoc as cd

        assert cd.conv_params(3, 6, 5) == 156  # the blog's count; 3 channels: 456
        ```

        Six 5×5 filters on an RGB image have 156 parameters.
        """,
    )
    build = site.build()

    assert build.returncode != 0, build.output
    assert f"A code cell of {page} failed" in build.output, build.output
    assert "----> 3 assert cd.conv_params(3, 6, 5) == 156" in build.output
    assert "AssertionError" in build.output
    assert build.page("broken") is None


def test_broken_cross_references_fail_and_name_page_line_and_target(site) -> None:
    """A reference to a missing API name (-n) or to a missing label fails the build.

    Both are warnings (made errors by -W), both reported (--keep-going); the failed
    build leaves no site behind.
    """
    page = site.page(
        "broken",
        """
        # A page with dangling references

        See {func}`convdoc.does_not_exist` and {ref}`no-such-label`.
        """,
        notebook=False,
    )
    build = site.build()

    assert build.returncode != 0, build.output
    where = f"{page}:{line_of(page, 'does_not_exist')}: WARNING:"
    api, label = build.warnings()
    assert api.startswith(
        f"{where} py:func reference target not found: convdoc.does_not_exist"
    ), build.output
    assert label.startswith(f"{where} undefined label: 'no-such-label'"), build.output
    assert WARNINGS_FAIL in build.output
    assert not build.html.exists()


def test_output_follows_the_code_never_stale(site, tmp_path) -> None:
    """Change a constant of convdoc between two
    builds: the example and the page follow it.

    The builds import a copy of convdoc (first on PYTHONPATH) whose ``SLIDES_SIGMOID_A``
    is edited between them. Both builds go through ``build_docs``; the first is also the
    control that a site with a gallery example, an executed page and glue builds
    cleanly. In between, a plain incremental ``sphinx-build`` (no -E, nothing deleted)
    shows the stale output that the recipe prevents: sphinx-gallery skips an example
    whose source did not change, and Sphinx does not re-read (so myst-nb does not
    re-run) an unchanged page.
    """
    package = tmp_path / "pythonpath"
    shutil.copytree(
        ROOT / "convdoc",
        package / "convdoc",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    # the site ships a wheel of what it ran
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, package / name)
    site.pythonpath = package
    site.example(
        "plot_01_constant",
        '''
        """
        A constant of convdoc
        =====================

        Prints and plots the slope of the slides' sigmoid.
        """

        import matplotlib.pyplot as plt

        import convdoc as cd

        print(f"slope = {cd.SLIDES_SIGMOID_A} from {cd.__file__}")
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.bar([0], [cd.SLIDES_SIGMOID_A])
        ax.set_ylim(0, 0.2)
        ''',
    )
    site.page(
        "constant",
        """
        # A constant of convdoc

        ```{code-cell} ipython3
        :tags: [remove-cell]

        from myst_nb import glue

        import convdoc as cd

        glue("slope", cd.SLIDES_SIGMOID_A, display=False)
        ```

        The slides' sigmoid has slope {glue:text}`slope`.
        """,
    )
    example, figure = (
        "auto_examples/plot_01_constant",
        "_images/sphx_glr_plot_01_constant_001.png",
    )

    def shown(build) -> tuple[str, str, str]:
        """The slope as printed by the example and as
        pasted in the page, and the figure's hash."""
        printed = re.search(r"slope = (\S+) from (\S+)", text_of(build.page(example)))
        assert printed is not None and printed[2] == str(
            package / "convdoc" / "__init__.py"
        )
        pasted = re.search(r"has slope (\S+)", text_of(build.page("constant")))
        digest = hashlib.sha256((build.html / figure).read_bytes()).hexdigest()
        return printed[1], pasted[1].rstrip("."), digest

    first = site.build()
    assert first.returncode == 0, first.output
    printed, pasted, digest = shown(first)
    assert (printed, pasted) == ("0.08", "0.08")

    source = package / "convdoc" / "activations.py"
    assert source.read_text().count("SLIDES_SIGMOID_A = 0.08\n") == 1
    source.write_text(
        source.read_text().replace(
            "SLIDES_SIGMOID_A = 0.08\n", "SLIDES_SIGMOID_A = 0.125\n"
        )
    )

    stale = site.rebuild_without_cleaning(first)
    assert stale.returncode == 0, stale.output
    assert shown(stale) == (printed, pasted, digest), (
        "without the recipe the output should be stale"
    )

    second = site.build()
    assert second.returncode == 0, second.output
    printed, pasted, new_digest = shown(second)
    assert (printed, pasted) == ("0.125", "0.125")
    assert new_digest != digest
