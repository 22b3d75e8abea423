"""Light and dark mode: the switch works, figures
stay legible, and screenshots for reviewers."""

from __future__ import annotations

import io
from pathlib import Path

import _browser
import numpy as np
import pytest
from PIL import Image

SHOT_PAGES = ["home", "notes", "example-1", "example-2"]
# Grey levels from a figure's background that make a pixel "ink" (text, lines, marks).
INK = 96
# median distance of the ink from the background (light mode: has ink at all)
MIN_CONTRAST = INK
# share of its light-mode contrast the ink keeps in dark mode (pydata dims images a bit)
KEEP = 0.6
MIN_SIDE = 48  # pixels; smaller images are icons, not figures
THEME_JS = "document.documentElement.dataset.theme"
# Content images as displayed (pydata's only-light/only-dark copies hidden
# by the theme are skipped).
FIGURES_JS = f"""() => [...document.querySelectorAll('main img, article img')]
  .filter(img => img.checkVisibility()
                 && img.width >= {MIN_SIDE} && img.height >= {MIN_SIDE})
  .map((img, i) => {{
    img.dataset.sitetestsFigure = i;
    return img.currentSrc || img.src;
  }})"""


def _grey(png: bytes, size: tuple[int, int] | None = None) -> np.ndarray:
    image = Image.open(io.BytesIO(png)).convert("L")
    return np.asarray(
        image.resize(size) if size and image.size != size else image, dtype=float
    )


def ink_contrast(reference: bytes, shown: bytes) -> float:
    """Median distance of a figure's ink from its background, as displayed in ``shown``.

    The ink is found in ``reference`` (pixels at least ``INK`` grey levels from its
    commonest grey); the same pixels are then measured against the commonest grey of
    ``shown``, which is the same figure screenshotted in the other mode (or
    ``reference`` itself). Black ink on a figure that turned transparent on a dark page
    scores near 0; on white, about 255.

    >>> def png(background, ink):
    ...     img = Image.new("L", (100, 100), background); img.paste(ink, (0, 0, 100, 5))
    ...     buf = io.BytesIO(); img.save(buf, "PNG"); return buf.getvalue()
    >>> light, transparent_on_dark = png(255, 0), png(23, 0)
    >>> ink_contrast(light, light), ink_contrast(light, transparent_on_dark)
    (255.0, 23.0)
    """
    ref = _grey(reference)
    out = _grey(shown, size=(ref.shape[1], ref.shape[0]))
    ink = np.abs(ref - _commonest(ref)) >= INK
    return float(np.median(np.abs(out[ink] - _commonest(out)))) if ink.any() else 0.0


def _commonest(grey: np.ndarray) -> float:
    """The most frequent grey level of an image: its background."""
    return float(np.bincount(grey.astype(int).ravel(), minlength=256).argmax())


def test_theme_switch(visit, base_url: str) -> None:
    """The navbar's colour-mode menu flips ``data-theme``
    on <html>, and the choice survives a reload."""
    with visit(base_url + "index.html") as (tab, traffic):
        assert (
            tab.evaluate(THEME_JS) == "light"
        )  # default "auto" follows the light system scheme
        for mode in ("dark", "light"):
            tab.locator(".theme-switch-button:visible").first.click()
            tab.locator(
                f".theme-change-button[data-mode='{mode}']:visible"
            ).first.click()
            tab.wait_for_function(f"{THEME_JS} === '{mode}'", timeout=5_000)
            tab.reload()
            assert tab.evaluate(THEME_JS) == mode, (
                f"{mode} mode did not survive a reload"
            )
        problems = traffic.problems()
    assert not problems, problems


def _shoot(
    visit, url: str, mode: str, path: Path
) -> tuple[dict[str, bytes], list[str]]:
    """Screenshot the page in ``mode``; a screenshot
    of each figure as displayed, and problems."""
    with visit(url, mode=mode) as (tab, traffic):
        assert tab.evaluate(THEME_JS) == mode
        # lazy figures loaded, as a reader scrolling sees them
        broken = _browser.broken_images(tab)
        tab.screenshot(path=path, full_page=True)
        figures = tab.evaluate(FIGURES_JS)
        shots = {
            src: tab.locator(f"img[data-sitetests-figure='{i}']").screenshot()
            for i, src in enumerate(figures)
        }
        return shots, traffic.problems() + [f"broken image: {src}" for src in broken]


@pytest.mark.parametrize("kind", SHOT_PAGES)
def test_figures_legible(
    kind: str, visit, base_url: str, named_pages, screenshot_dir: Path
) -> None:
    """Screenshots in both modes; every figure's ink
    keeps its contrast when the page turns dark."""
    url = base_url + named_pages[kind]
    light, problems = _shoot(visit, url, "light", screenshot_dir / f"{kind}-light.png")
    dark, more = _shoot(visit, url, "dark", screenshot_dir / f"{kind}-dark.png")
    if kind.startswith("example"):
        assert light and dark, f"{named_pages[kind]} shows no figure"
    faint = []
    for src, png in light.items():
        if (score := ink_contrast(png, png)) < MIN_CONTRAST:
            faint.append(f"{src[:100]} in light mode: {score:.0f}")
    # measured on the ink of its light-mode rendering when it has one
    for src, png in dark.items():
        base = ink_contrast(light[src], light[src]) if src in light else 0
        score = ink_contrast(light.get(src, png), png)
        if score < max(MIN_CONTRAST, KEEP * base):
            faint.append(
                f"{src[:100]} in dark mode: {score:.0f} (light mode: {base:.0f})"
            )
    assert not faint, (
        f"figures whose ink is too faint (need {MIN_CONTRAST}, and {KEEP:.0%} of "
        "light mode's):\n" + "\n".join(faint)
    )
    assert not problems + more, problems + more
