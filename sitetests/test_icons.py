"""Every icon is drawn by the icon font (the
build cuts that font to the icons the pages use).

For each element whose ``::before`` shows an icon, the character is drawn on a canvas
twice: in the element's own font and in a font that does not exist. A glyph the icon
font lacks falls back to the same default font both times, so the two drawings match:
that icon is missing. The check is two-sided: with the icon font withheld, every icon is
reported.
"""

from __future__ import annotations

import pytest

_MISSING_ICONS_JS = """async () => {
  await document.fonts.ready;
  const missing = [], seen = new Set();
  for (const el of document.querySelectorAll('[class*="fa-"]')) {
    const style = getComputedStyle(el, '::before');
    const text = (style.content || '').replace(/^"|"$/g, '');
    if (!text || text === 'none' || text === 'normal') continue;
    const key = text + '|' + style.fontFamily + '|' + style.fontWeight;
    if (seen.has(key)) continue;
    seen.add(key);
    const font = `${style.fontWeight} 32px ${style.fontFamily}`;
    await document.fonts.load(font, text).catch(() => null);
    const draw = (f) => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 48;
      const g = canvas.getContext('2d');
      g.font = f;
      g.fillText(text, 4, 36);
      return canvas.toDataURL();
    };
    if (draw(font) === draw(`${style.fontWeight} 32px "no-such-font-convdoc"`))
      missing.push(`${el.className.trim()} (U+${text.codePointAt(0).toString(16)})`);
  }
  return missing;
}"""


def _kinds(named_pages) -> list[str]:
    # The header's icons are on every page; the animation player adds its own buttons.
    return [named_pages["home"], "auto_examples/plot_03_sliding_window.html"]


def test_every_icon_is_drawn(visit, base_url: str, named_pages) -> None:
    for page in _kinds(named_pages):
        with visit(base_url + page) as (tab, _traffic):
            missing = tab.evaluate(_MISSING_ICONS_JS)
        assert not missing, f"{page}: icons without a glyph: {missing}"


def test_reports_icons_without_their_font(browser, base_url: str, named_pages) -> None:
    context = browser.new_context()
    context.route("**/*.woff2", lambda route: route.abort())
    try:
        tab = context.new_page()
        tab.goto(base_url + named_pages["home"], wait_until="load")
        missing = tab.evaluate(_MISSING_ICONS_JS)
    finally:
        context.close()
    if not missing:
        pytest.fail("with the icon font withheld, no icon was reported missing")
    assert any("fa-magnifying-glass" in line for line in missing), missing
