"""axe-core finds no WCAG 2.1 A or AA violation on the key pages, in either colour scheme."""

import pytest

from .accessibility import WCAG_TAGS, violations
from .site import KEY_PAGES


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", KEY_PAGES)
def test_no_wcag_violations(open_tab, site_map, axe, name, scheme):
    tab = open_tab(color_scheme=scheme)
    tab.goto(site_map.key_pages()[name])
    tab.page.wait_for_load_state("networkidle")
    if name == "search":
        # Check the page with results on it too, marks and all.
        tab.page.get_by_label("Search posts and pages").fill("python")
        tab.page.wait_for_function("document.querySelectorAll('#search-results li').length > 0")
    count, report = violations(axe, tab.page)
    assert count == 0, report


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_best_practice_problems_on_an_article(open_tab, site_map, axe, scheme):
    """axe's best practices as well (landmarks, one main, heading order) on the richest page."""
    tab = open_tab(color_scheme=scheme)
    tab.goto(site_map.key_pages()["article"])
    tab.page.wait_for_load_state("networkidle")
    count, report = violations(axe, tab.page, WCAG_TAGS + ["best-practice"])
    assert count == 0, report


def test_skip_link_is_first_and_moves_focus_to_main(open_tab, site_map):
    tab = open_tab()
    page = tab.page
    tab.goto(site_map.key_pages()["article"])
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, document.activeElement.getAttribute('href')]")
    assert focused == ["skip-link", "#main"]
    assert page.locator(".skip-link").is_visible(), "the skip link must show when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_focus_is_visible(open_tab, site_map):
    tab = open_tab()
    page = tab.page
    tab.goto(site_map.key_pages()["article"])
    for _ in range(4):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
        assert style[0] != "none" and style[1] >= 2, f"no visible focus ring: {style}"


def test_axe_does_catch_a_violation(open_tab, axe):
    """The checker itself works here: a low-contrast line added to the page is reported."""
    tab = open_tab(color_scheme="light")
    tab.goto("/")
    tab.page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
        '<p style="color:#ddd;background:#fff">faint text</p>')""")
    count, report = violations(axe, tab.page)
    assert count >= 1 and "color-contrast" in report, report
