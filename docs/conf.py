"""Sphinx configuration of the convdoc site.

Build it with ``nox -s docs`` (from scratch, warnings are errors). Every number, table
and figure is computed during the build: the MyST pages are executed by myst-nb, the
gallery scripts by sphinx-gallery. The build needs no network, and the built site loads
nothing from another host (math is MathML written at build time). Set
``CONVDOC_INTERSPHINX=1`` (as Read the Docs does) to link the gallery's code to the
Python, NumPy and Matplotlib docs.
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).parent.resolve()
sys.path.insert(0, str(DOCS / "_ext"))

import convdoc_dist
import convdoc_site

import convdoc

# -- Project
# ----------------------------------------------------------------------------------
project = "convdoc"
author = "the convdoc developers"
copyright = "the convdoc developers"  # no year: builds of one commit stay identical
version = release = convdoc.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "convdoc_site",  # docs/_ext: API listing, quote roles, page tuning
    "convdoc_math",  # docs/_ext: TeX to MathML at build time (no math script)
    # docs/_ext: one stylesheet, icon subset, WebP figures, late frames
    "convdoc_speed",
    "convdoc_dist",  # docs/_ext: the wheel the site ran, and how readers install it
]

root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_ext",
    "_templates",
    "jupyter_execute",
    # sphinx-gallery writes a notebook next to each generated page, for the download
    # link only: myst-nb must not read it as a second source of the same page.
    "auto_examples/**.ipynb",
    # the autosummary input behind api.rst (see convdoc_site.write_api_listing)
    "api/generated/_*",
    "**.ipynb_checkpoints",
]

# -- MyST and myst-nb: the narrative pages are executed on every build
# ----------------------------
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 2
nb_execution_mode = "force"
# a failing cell fails the build, naming page and cell
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 120
nb_execution_excludepatterns = ["auto_examples/*"]
nb_merge_streams = True
# generated tables (text/markdown) may use pipe tables
nb_render_markdown_format = "myst"
nb_ipywidgets_js = {}  # no widgets here, so no require.js from a CDN

# -- sphinx-gallery: gallery/plot_*.py → auto_examples/, every script executed
# ------------------
sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "api/generated/backreferences",
    "doc_module": ("convdoc",),
    "image_srcset": ["2x"],
    "matplotlib_animations": (True, "jshtml"),  # inline HTML + JS, nothing fetched
    "remove_config_comments": True,
    # A raising example does not stop the others, but the build then ends with an error
    # that names every failing example and its traceback
    # (only_warn_on_example_error=False).
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "show_signature": False,
    # The computation-times page would load its table scripts from a CDN, and run times
    # differ between builds.
    "write_computation_times": False,
    "min_reported_time": float(
        "inf"
    ),  # no "Total running time" line: pages stay identical
    "reset_modules": ("matplotlib", "convdoc_site.reset_matplotlib"),
    # Examples run in as many processes as sphinx-build's -j (nox -s docs passes -j
    # auto); joblib gives each one BLAS thread, so they do not oversubscribe the cores.
    "parallel": True,
    # Every downloaded notebook starts by installing the convdoc this site ran (from the
    # site's own wheel), unless that version is already importable; scripts get the same
    # as a comment.
    "first_notebook_cell": convdoc_dist.notebook_cell(convdoc_dist.base_url()),
}

# -- API reference
# ------------------------------------------------------------------------------
autosummary_generate = convdoc_site.write_api_listing(DOCS)
autodoc_typehints = "none"  # the numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Every numpydoc check on the public API, which -W turns into build errors
# (tests/test_docstrings.py runs the same set), except: ES01, an extended summary
# (a one-line summary is enough for a small function); SA01, "See Also" (the API
# pages and sphinx-gallery's links cross-reference already; one is written where it
# adds something); SS05, a summary starting with a verb (the house style names what
# a function returns: "Batched 2-D convolution", as scikit-image does).
numpydoc_validation_checks = {"all", "ES01", "SA01", "SS05"}
# The checks are for callables: constants (LENET5, SLIDES_SIGMOID_A, ...) and attributes
# (LayerSummary's fields, Sequential's params and grads) are documented in a line.
numpydoc_validation_exclude = {
    r"^convdoc\.[A-Z][A-Z0-9_]*$",
    r"^convdoc\.LayerSummary\.(name|output_shape|params|macs)$",
    r"^convdoc\.Sequential\.(params|grads)$",
}

# -- Math: MathML written at build time (docs/_ext/convdoc_math.py),
# drawn by the browser -----
html_math_renderer = "mathml"

# -- Cross-project links: only online (the offline build must not try the network)
# -----------
if os.environ.get("CONVDOC_INTERSPHINX") == "1":
    extensions.append("sphinx.ext.intersphinx")
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
    }

# -- HTML
# --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "convdoc"
# The public address, when known (CONVDOC_BASEURL, or Read the Docs' canonical URL):
# install commands then name the wheel by absolute URL, and pages get a canonical link.
html_baseurl = convdoc_dist.base_url()
# buildtests' throwaway sites reuse this file without the _static
# folder (and need none of it).
if (DOCS / "_static").is_dir():
    html_static_path = ["_static"]
    # accessible mini-gallery links, code that fits its column
    html_css_files = ["convdoc.css"]
    # without one, every page logs a 404 for /favicon.ico
    html_favicon = "_static/favicon.svg"
    html_logo = "_static/logo.svg"
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
html_show_sourcelink = True
# The narrative pages have no sub-pages: no empty "Section
# Navigation" column beside them.
html_sidebars = {
    page: []
    for page in (
        "index",
        "layer",
        "notes",
        "parameter-count",
        "nonlinearity",
        "pooling",
        "errata",
        "glossary",
        "performance",
        "playground",
    )
}
# Example and API pages give their column to the code (lines of up to ~120 characters
# fit at 1280 px); the gallery index and the API listing link them all, and each has
# previous/next links.
html_sidebars |= {"auto_examples/plot_*": [], "api/generated/*": []}
html_theme_options = {
    # Example pages get their .py/.ipynb download (and launcher) links in
    # the right sidebar. Named one by one: the theme warns when a page
    # matches two wildcard patterns.
    "secondary_sidebar_items": {
        "**": ["page-toc", "sourcelink"],
        **{
            f"auto_examples/{script.stem}": [
                "page-toc",
                "sg_download_links",
                "sg_launcher_links",
            ]
            for script in sorted((DOCS.parent / "gallery").glob("plot_*.py"))
        },
    },
    "logo": {"text": "convdoc", "alt_text": "convdoc: home"},
    # One row at 1024 px and up: the search box becomes its icon,
    # two links before "More".
    "navbar_persistent": ["search-button"],
    "navbar_end": ["theme-switcher"],
    "header_links_before_dropdown": 2,
    "navbar_align": "left",
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
