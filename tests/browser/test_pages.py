"""The key pages load in a real browser with no console error and no request leaving the origin."""

import pytest

from .site import KEY_PAGES


@pytest.mark.parametrize("name", KEY_PAGES)
def test_page_renders_cleanly(open_tab, site_map, name):
    path = site_map.key_pages()[name]
    tab = open_tab()
    response = tab.goto(path)
    tab.page.wait_for_load_state("networkidle")
    assert response.status == 200, f"{path}: HTTP {response.status}"
    assert tab.page.locator("h1").count() == 1, f"{path}: expected exactly one <h1>"
    assert tab.page.locator("main#main").is_visible()
    assert tab.requests, "no request was recorded"
    assert not tab.foreign_requests(), f"{path} requested other hosts: {tab.foreign_requests()}"
    assert not tab.console_errors, f"{path} console errors: {tab.console_errors}"
    assert not tab.page_errors, f"{path} script errors: {tab.page_errors}"


def test_missing_page_gets_the_404_page(open_tab):
    tab = open_tab()
    response = tab.goto("/no/such/page/")
    tab.page.wait_for_load_state("networkidle")
    assert response.status == 404
    assert "not found" in " ".join(tab.page.locator("h1").inner_text().split()).lower()
    # The 404 page is served at any depth: its stylesheet and links must still resolve.
    assert tab.page.evaluate("getComputedStyle(document.body).display") == "flex", "site.css did not load"
    assert tab.page.locator(".not-found-links a[href='/']").count() == 1
    assert not tab.foreign_requests()
    # The only console error allowed is Chromium's note that the document itself was a 404.
    others = [m for m in tab.console_errors if "404" not in m]
    assert not others, others
    assert not tab.page_errors


def test_reading_needs_no_javascript(open_tab, site_map):
    article = site_map.showcase_article()
    tab = open_tab(java_script_enabled=False)
    tab.goto(article.url)
    page = tab.page
    assert " ".join(page.locator("h1").inner_text().split()) == " ".join(article.title.split())
    body = page.locator(".post-body")
    assert body.is_visible()
    assert len(body.inner_text()) > 500
    assert page.locator(".highlight pre").first.is_visible()
    if article.has_toc:
        assert page.locator("nav.toc").is_visible()
    # Controls that need JavaScript are not shown without it; code labels are.
    assert not page.locator(".theme-toggle").is_visible()
    assert page.locator(".copy-button").count() > 0
    assert not any(button.is_visible() for button in page.locator(".copy-button").all())
    labels = page.locator(".highlight .code-bar > span:first-child")
    assert labels.count() == page.locator(".highlight").count()
    assert labels.first.is_visible() and labels.first.inner_text().strip()
    assert not tab.foreign_requests()


@pytest.mark.parametrize("width", [320, 390, 768, 1280, 1920])
def test_no_horizontal_scrolling_of_the_page(open_tab, site_map, width):
    """Only code blocks and tables scroll sideways; the page itself never does."""
    tab = open_tab(viewport={"width": width, "height": 900})
    for path in (site_map.key_pages()["home"], site_map.showcase_article().url):
        tab.goto(path)
        overflow = tab.page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{path} at {width}px is {overflow}px too wide"


def test_print_stylesheet_keeps_only_the_article(open_tab, site_map):
    tab = open_tab(color_scheme="dark")
    page = tab.page
    tab.goto(site_map.showcase_article().url)
    page.emulate_media(media="print")
    for selector in (".site-header", ".site-footer", ".code-bar", "nav.toc", ".post-nav"):
        if page.locator(selector).count():
            assert not page.locator(selector).first.is_visible(), f"{selector} is printed"
    assert page.locator(".post-body").is_visible()
    # Printed in the light scheme, dark system setting or not; long code lines wrap.
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(251, 250, 247)"
    assert page.locator(".highlight pre").first.evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_article_links_to_neighbours_and_related_posts(open_tab, site_map):
    """Previous/next follow the date order of the archives; related posts share a tag."""
    tab = open_tab()
    page = tab.page
    tab.goto("/archives/")
    order = page.locator(".archive-list a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert len(order) == len(site_map.articles) >= 2
    for index, url in enumerate(order):
        tab.goto(url)
        newer = page.locator(".post-nav a[rel=next]")
        older = page.locator(".post-nav a[rel=prev]")
        assert (newer.get_attribute("href") if newer.count() else None) == (order[index - 1] if index else None)
        assert (older.get_attribute("href") if older.count() else None) == (
            order[index + 1] if index + 1 < len(order) else None)
        my_tags = set(page.locator(".post-footer .tag-list a").all_inner_texts())
        for link in page.locator(".related a").evaluate_all("els => els.map(a => a.getAttribute('href'))"):
            assert link != url
            tab.goto(link)
            assert my_tags & set(page.locator(".post-footer .tag-list a").all_inner_texts()), (url, link)
            tab.goto(url)
        # Reading time is shown and sane.
        minutes = int(page.locator(".post-meta").inner_text().split(" min read")[0].split()[-1])
        assert 1 <= minutes <= 60


def test_index_pages_show_summaries_and_paginate(open_tab, site_map):
    tab = open_tab()
    page = tab.page
    tab.goto("/")
    seen = []
    while True:
        entries = page.locator(".entry")
        assert 1 <= entries.count() <= 5
        for i in range(entries.count()):
            assert entries.nth(i).locator(".entry-summary").inner_text().strip()
            seen.append(entries.nth(i).locator(".entry-title a").get_attribute("href"))
        older = page.locator(".pagination a[rel=next]")
        if not older.count():
            break
        older.click()
        page.wait_for_load_state("load")
    assert sorted(seen) == sorted(a.url for a in site_map.articles)
