"""The playground page: its widget agrees with
convdoc, works offline, is accessible in both modes.

The widget's arithmetic, ``window.convdocPlayground.compute``, is compared with convdoc
computed here, in the test process, on random cases; its first state with the JSON the
build embedded (computed by convdoc when the page was executed); and what it draws with
both.
"""

from __future__ import annotations

import json
from pathlib import Path

import _axe
import numpy as np
import pytest

import convdoc as cd

PAGE = "playground.html"
READY = "#convdoc-playground[data-ready='true']"
# random cases given to compute(); at least 200 of them valid (the rest must raise)
CASES = 300
# float inputs: |js - convdoc| <= RTOL * sum |x * w| over the window (a sum's error)
RTOL = 1e-12

_COMPUTE_ALL_JS = """(cases) => cases.map((c) => {
  try { return window.convdocPlayground.compute(c); }
  catch (e) { return {error: String(e)}; }
})"""
# What the widget shows: output map, max pool and counts, read
# from the DOM (exact values).
_SHOWN_JS = """() => {
  const grid = (sel) => [...document.querySelectorAll(sel + ' tr')]
    .map((tr) => [...tr.querySelectorAll('[data-value]')]
      .map((c) => Number(c.dataset.value)))
    .filter((row) => row.length);
  const counts = {};
  document.querySelectorAll('#cdp-counts tr[data-count]').forEach((tr) => {
    counts[tr.dataset.count] = Number(tr.querySelector('[data-value]').dataset.value);
  });
  const image = [...document.querySelectorAll('#cdp-input tr')]
    .map((tr) => [...tr.querySelectorAll('input')].map((i) => Number(i.dataset.value)))
    .filter((row) => row.length);
  const kernel = [...document.querySelectorAll('#cdp-kernel tr')]
    .map((tr) => [...tr.querySelectorAll('input')].map((i) => Number(i.dataset.value)))
    .filter((row) => row.length);
  return {output: grid('#cdp-output'), pooled: grid('#cdp-pool'), counts, image, kernel,
          stride: Number(document.getElementById('cdp-stride').value),
          padding: Number(document.getElementById('cdp-padding').value)};
}"""
# Input cells (rows, columns of the padded grid, -padding based)
# marked as the current window.
_WINDOW_JS = """() => [...document.querySelectorAll('#cdp-input td.cdp-window')]
  .map((td) => [Number(td.dataset.row), Number(td.dataset.col)])"""


def expected(image, kernel, stride, padding) -> dict:
    """What compute() must return, from convdoc
    (one channel in and out, biases included)."""
    image, kernel = np.asarray(image), np.asarray(kernel)
    (h, w), (kh, kw) = image.shape, kernel.shape
    ho, wo = cd.conv_output_shape(h, w, kh, kw, stride=stride, padding=padding)
    output = cd.correlate2d(image, kernel, stride=stride, padding=padding)
    scale = cd.correlate2d(
        np.abs(image), np.abs(kernel), stride=stride, padding=padding
    )
    return {
        "output": output,
        "scale": scale,
        "outputShape": [ho, wo],
        "counts": {
            "dense": cd.dense_params(h * w, ho * wo),
            "locallyConnected": cd.locally_connected_params(1, 1, ho, wo, kh, kw),
            "conv": cd.conv_params(1, 1, kh, kw),
        },
        "pooled": cd.max_pool2d(output[None, None], 2)[0, 0]
        if min(ho, wo) >= 2
        else None,
    }


def mismatches(got: dict, want: dict, exact: bool) -> list[str]:
    """How the widget's answer differs from convdoc's (empty when they agree)."""
    if got.get("error"):
        return [f"raised {got['error']}"]
    bad = []
    if got["outputShape"] != want["outputShape"]:
        bad.append(
            f"output shape {got['outputShape']} != conv_output_shape "
            f"{want['outputShape']}"
        )
    if got["counts"] != want["counts"]:
        bad.append(f"counts {got['counts']} != convdoc {want['counts']}")
    out = np.array(got["output"], dtype=float)
    if out.shape != want["output"].shape:
        bad.append(
            f"output array shape {out.shape} != correlate2d {want['output'].shape}"
        )
    elif exact and not np.array_equal(out, want["output"]):
        bad.append(
            "output differs from correlate2d at "
            f"{np.argwhere(out != want['output']).tolist()[:5]}"
        )
    elif not exact and not np.all(np.abs(out - want["output"]) <= RTOL * want["scale"]):
        err = np.max(np.abs(out - want["output"]) / np.maximum(want["scale"], 1e-300))
        bad.append(
            f"output differs from correlate2d by {err:.3g} relative (allowed {RTOL})"
        )
    if want["pooled"] is None:
        if got["pooled"] is not None:
            bad.append("pooled a map smaller than 2x2")
    elif got["pooled"] is None or not np.array_equal(
        got["pooled"], cd.max_pool2d(out[None, None], 2)[0, 0]
    ):
        bad.append("pooled map is not max_pool2d(output, 2)")
    return bad


def random_cases(n: int, seed: int = 0) -> list[dict]:
    """Random images and kernels (integer or float),
    sizes, strides and paddings (int or pair)."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        h, w = rng.integers(1, 11, size=2)
        kh, kw = rng.integers(1, 6, size=2)
        if i % 2:  # integers, some large enough that a rounding slip would show
            image = rng.integers(-50, 51, size=(h, w))
            kernel = rng.integers(-9, 10, size=(kh, kw))
        else:
            image = rng.normal(size=(h, w)) * 10.0 ** rng.uniform(-3, 3)
            kernel = rng.normal(size=(kh, kw)) * 10.0 ** rng.uniform(-3, 3)
        pair = rng.random() < 0.3
        stride = (
            rng.integers(1, 4, size=2).tolist() if pair else int(rng.integers(1, 4))
        )
        padding = (
            rng.integers(0, 3, size=2).tolist() if pair else int(rng.integers(0, 3))
        )
        cases.append(
            {
                "image": image.tolist(),
                "kernel": kernel.tolist(),
                "stride": stride,
                "padding": padding,
            }
        )
    return cases


@pytest.fixture(scope="module")
def url(base_url: str, pages: list[str]) -> str:
    assert PAGE in pages, f"the site has no {PAGE}"
    return base_url + PAGE


def test_compute_agrees_with_convdoc(visit, url: str) -> None:
    """compute() on random cases == correlate2d,
    conv_output_shape, max_pool2d and the counts."""
    cases = random_cases(CASES)
    with visit(url) as (tab, traffic):
        tab.wait_for_selector(READY)
        results = tab.evaluate(_COMPUTE_ALL_JS, cases)
        problems = traffic.problems()
    compared, raised, bad = 0, 0, []
    for i, (case, got) in enumerate(zip(cases, results, strict=True)):
        exact = np.asarray(case["image"]).dtype.kind == "i"
        try:
            want = expected(
                case["image"], case["kernel"], case["stride"], case["padding"]
            )
        except ValueError:  # the kernel does not fit: the widget must refuse too
            raised += 1
            if "error" not in got:
                bad.append(
                    f"case {i}: convdoc raises, the widget returned "
                    f"{got['outputShape']}"
                )
            continue
        compared += 1
        bad += [
            f"case {i} ({'int' if exact else 'float'}, image "
            f"{np.shape(case['image'])}, kernel "
            f"{np.shape(case['kernel'])}, stride {case['stride']}, padding "
            f"{case['padding']}): {m}"
            for m in mismatches(got, want, exact)
        ]
    assert compared >= 200, f"only {compared} valid cases compared ({raised} invalid)"
    assert not bad, (
        f"{len(bad)} of {compared + raised} cases disagree with convdoc:\n"
        + "\n".join(bad[:20])
    )
    assert not problems, problems


def test_first_state_is_the_build(visit, url: str) -> None:
    """The widget draws the case the build computed
    with convdoc, offline, without errors."""
    with visit(url) as (tab, traffic):
        tab.wait_for_selector(READY)
        data = json.loads(tab.locator("#playground-data").text_content())
        shown = tab.evaluate(_SHOWN_JS)
        recomputed = tab.evaluate(
            _COMPUTE_ALL_JS,
            [{k: data["initial"][k] for k in ("image", "kernel", "stride", "padding")}],
        )[0]
        problems = traffic.problems()
    first = data["initial"]
    want = expected(first["image"], first["kernel"], first["stride"], first["padding"])
    assert (
        first["output"] == want["output"].tolist() and first["counts"] == want["counts"]
    ), "stale build JSON"
    assert (
        first["pooled"] == want["pooled"].tolist()
        and first["outputShape"] == want["outputShape"]
    )
    assert shown["image"] == first["image"] and shown["kernel"] == first["kernel"]
    assert (shown["stride"], shown["padding"]) == (first["stride"], first["padding"])
    assert shown["output"] == first["output"], "the drawn output map is not the build's"
    assert shown["pooled"] == first["pooled"], "the drawn max pool is not the build's"
    assert shown["counts"] == first["counts"], (
        "the drawn parameter counts are not the build's"
    )
    assert not mismatches(recomputed, want, exact=True)
    digits, _ = cd.load_digits()
    assert data["images"]["digit"] == digits[0, 0].tolist()
    assert not problems, problems


def _check_shown(tab) -> dict:
    shown = tab.evaluate(_SHOWN_JS)
    want = expected(shown["image"], shown["kernel"], shown["stride"], shown["padding"])
    assert np.array_equal(shown["output"], want["output"]), (
        "drawn output != correlate2d"
    )
    assert shown["counts"] == want["counts"], "drawn counts != convdoc's"
    if want["pooled"] is not None:
        assert np.array_equal(shown["pooled"], want["pooled"]), (
            "drawn pool != max_pool2d"
        )
    return shown


def test_keyboard_window_shift_and_edit(visit, url: str) -> None:
    """By keyboard: the focused output's window lights
    up; stride, padding, shift, edits redraw right."""
    with visit(url) as (tab, traffic):
        tab.wait_for_selector(READY)
        tab.locator("#cdp-output button[tabindex='0']").focus()
        tab.keyboard.press("ArrowRight")
        tab.keyboard.press("ArrowDown")
        assert (
            tab.evaluate(
                "document.activeElement.dataset.row + ',' + "
                "document.activeElement.dataset.col"
            )
            == "1,1"
        )
        assert sorted(tab.evaluate(_WINDOW_JS)) == [
            [r, c] for r in range(1, 4) for c in range(1, 4)
        ]
        assert "9 of the 36" in tab.locator("#cdp-window").text_content()

        tab.select_option("#cdp-stride", "2")
        tab.select_option("#cdp-padding", "1")
        shown = _check_shown(tab)
        assert (shown["stride"], shown["padding"]) == (2, 1)
        # output (0, 0) reads padded rows/columns -1..1
        tab.locator("#cdp-output button").first.focus()
        assert sorted(tab.evaluate(_WINDOW_JS)) == [
            [r, c] for r in range(-1, 2) for c in range(-1, 2)
        ]

        tab.select_option("#cdp-stride", "1")
        before = _check_shown(tab)
        tab.locator("[data-shift='0,1']").click()
        after = _check_shown(tab)
        assert after["image"] == cd.shift(np.array(before["image"]), 0, 1).tolist()
        out_before, out_after = np.array(before["output"]), np.array(after["output"])
        assert np.array_equal(out_after[:, 2:-1], out_before[:, 1:-2]), (
            "the output did not move with the input"
        )
        assert "equivariance" in tab.locator("#cdp-shift-note").text_content()

        cell = tab.get_by_label("Input row 2, column 2", exact=True)
        cell.fill("7.5")
        shown = _check_shown(tab)
        assert shown["image"][1][1] == 7.5
        tab.get_by_label("Kernel row 1, column 1", exact=True).fill("-2")
        assert _check_shown(tab)["kernel"][0][0] == -2

        for preset in ("digit", "random", "edge"):
            tab.locator(f"[data-preset='{preset}']").first.click()
            _check_shown(tab)
        tab.locator("[data-preset='blur']").click()
        _check_shown(tab)
        problems = traffic.problems()
    assert not problems, problems


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_axe_and_screenshot(
    mode: str, visit, url: str, axe_source: str, axe_counts, screenshot_dir: Path
) -> None:
    """axe-core finds nothing serious or critical, a
    window highlighted; a screenshot for reviewers."""
    with visit(url, mode=mode) as (tab, traffic):
        tab.wait_for_selector(READY)
        assert tab.evaluate("document.documentElement.dataset.theme") == mode
        # highlight a window, as a reader would
        tab.locator("#cdp-output button").nth(1).focus()
        tab.evaluate("window.scrollTo(0, 0)")
        # what a reader sees first
        tab.screenshot(path=screenshot_dir / f"playground-top-{mode}.png")
        tab.screenshot(path=screenshot_dir / f"playground-{mode}.png", full_page=True)
        found = _axe.serious_violations(tab, axe_source)
        problems = traffic.problems()
    axe_counts[f"{PAGE} ({mode})"] = len(found)
    assert not found, f"{PAGE} ({mode}):\n  " + "\n  ".join(found)
    assert not problems, problems
