"""Exercises: on four pages, answers hidden until
opened (by keyboard), showing computed numbers."""

from __future__ import annotations

import re

import _axe
import pytest

import convdoc as cd

PAGES = ["notes.html", "parameter-count.html", "nonlinearity.html", "pooling.html"]
NUMBER = re.compile(r"\d")


def _exercises(tab):
    """The <details> answers of the page's Exercises section."""
    return tab.locator("section#exercises details")


@pytest.mark.parametrize("name", PAGES)
def test_answers_are_hidden_until_opened(name: str, visit, base_url: str) -> None:
    with visit(base_url + name) as (tab, traffic):
        answers = _exercises(tab)
        assert 3 <= answers.count() <= 5, f"{name}: {answers.count()} exercises"
        for i in range(answers.count()):
            answer = answers.nth(i)
            assert answer.get_attribute("open") is None, (
                f"{name}: answer {i + 1} is open on load"
            )
            assert not answer.locator("p").first.is_visible(), (
                f"{name}: answer {i + 1} shows before opening"
            )
        first = answers.first
        # a reader on the keyboard: Tab to it, then Enter
        first.locator("summary").focus()
        tab.keyboard.press("Enter")
        assert first.get_attribute("open") is not None, (
            f"{name}: Enter did not open the answer"
        )
        # what myst-nb's glue pasted: a computed value
        shown = first.locator(".pasted-text")
        assert shown.count() and shown.first.is_visible(), (
            f"{name}: no computed value in the opened answer"
        )
        assert NUMBER.search(shown.first.inner_text()), (
            f"{name}: opened answer shows {shown.first.inner_text()!r}"
        )
        assert not traffic.problems(), traffic.problems()


def test_opening_an_answer_shows_the_number_convdoc_computes(
    visit, base_url: str
) -> None:
    """Exercise 1 of the notes: a 3×3 convolution from 64 to 128 channels."""
    with visit(base_url + "notes.html") as (tab, _traffic):
        first = _exercises(tab).first
        value = first.locator(".pasted-text").first
        assert not value.is_visible()
        first.locator("summary").click()
        assert value.is_visible()
        assert value.inner_text() == f"{cd.conv_params(64, 128, 3):,}"


@pytest.mark.parametrize("name", PAGES)
def test_opened_answers_are_accessible(
    name: str, visit, base_url: str, axe_counts, axe_source: str
) -> None:
    """axe-core on the page with every answer open: no serious or critical violation."""
    with visit(base_url + name) as (tab, _traffic):
        tab.evaluate(
            "() => document.querySelectorAll('section#exercises details').forEach(d "
            "=> d.open = true)"
        )
        found = _axe.serious_violations(tab, axe_source)
    axe_counts[f"{name} (answers open)"] = len(found)
    assert not found, f"{name}:\n  " + "\n  ".join(found)
