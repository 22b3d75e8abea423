"""The helpers every page imports first: ``from convdoc_page import keep``.

myst-nb runs each page's cells in a kernel whose working folder is ``docs/``, so this
module is importable there (and only there: it is not part of the package, and Sphinx
does not read ``.py`` files as pages). One definition instead of a copy on every page.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

# Pages draw their figures as SVG; a fixed salt keeps the SVG ids
# the same on every build.
plt.rcParams["svg.hashsalt"] = "convdoc"


def keep(key: str, value):
    """Glue ``value`` (as a plain Python number) for the prose, and return it."""
    value = value.item() if isinstance(value, np.generic) else value
    glue(key, value, display=False)
    return value


def keep_figure(key: str, fig) -> None:
    """Glue a figure; drawing it first turns a broken figure into an error."""
    fig.savefig(io.BytesIO(), format="svg")
    glue(key, fig, display=False)
    plt.close(fig)
