"""What a reader does: switch the colour scheme, copy code, search, follow the table of contents."""

import re
from pathlib import Path

import pytest

from .site import text_of

ROOT = Path(__file__).resolve().parents[2]
DARK_BG = "rgb(20, 22, 27)"    # --bg in the dark scheme
LIGHT_BG = "rgb(251, 250, 247)"  # --bg in the light scheme


def background(page):
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


@pytest.mark.parametrize("system", ["light", "dark"])
def test_theme_toggle_switches_and_survives_reload(open_tab, site_map, system):
    tab = open_tab(color_scheme=system)
    page = tab.page
    tab.goto(site_map.key_pages()["article"])
    toggle = page.locator(".theme-toggle")
    start_bg, other_bg = (LIGHT_BG, DARK_BG) if system == "light" else (DARK_BG, LIGHT_BG)
    other = "dark" if system == "light" else "light"

    # At first the page follows the system, and the button says whether dark mode is on.
    assert background(page) == start_bg
    assert toggle.get_attribute("aria-pressed") == str(system == "dark").lower()
    assert toggle.is_visible()

    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == other
    assert background(page) == other_bg
    assert toggle.get_attribute("aria-pressed") == str(other == "dark").lower()
    assert page.evaluate("localStorage.getItem('theme')") == other

    # Reload with site.js held back: the stored scheme must already apply while the
    # deferred script has not run, i.e. from the very first paint (no flash).
    release = []
    page.route("**/theme/js/site.js", lambda route: release.append(route))
    page.reload(wait_until="commit")
    page.wait_for_selector("main", state="attached")
    page.wait_for_function("document.readyState !== 'loading' || document.body")
    for _ in range(100):  # the held request is what keeps site.js from running
        if release:
            break
        page.wait_for_timeout(50)
    assert release, "site.js was never requested, so this check proves nothing"
    assert page.evaluate("document.documentElement.dataset.theme") == other
    page.wait_for_function(f"getComputedStyle(document.body).backgroundColor === '{other_bg}'", timeout=5000)
    for route in release:
        route.continue_()
    page.unroute("**/theme/js/site.js")
    page.wait_for_load_state("load")
    assert background(page) == other_bg
    assert toggle.get_attribute("aria-pressed") == str(other == "dark").lower()

    # Another page of the site keeps the choice too; toggling again goes back.
    tab.goto("/archives/")
    assert background(page) == other_bg
    page.locator(".theme-toggle").click()
    assert background(page) == start_bg
    assert not tab.console_errors and not tab.page_errors


def test_copy_button_copies_exactly_the_code(open_tab, site_map):
    article = site_map.showcase_article()
    tab = open_tab(permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    tab.goto(article.url)
    blocks = page.locator(".highlight:has(.copy-button)")
    assert blocks.count() == article.copyable_blocks
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "content").rglob("*.md"))

    for index in sorted({0, blocks.count() - 1}):
        block = blocks.nth(index)
        code = block.locator("pre code").evaluate("el => el.textContent").removesuffix("\n")
        page.evaluate("navigator.clipboard.writeText('(clipboard before)')")
        button = block.locator(".copy-button")
        # By keyboard: focus the button, press Enter.
        button.focus()
        assert page.evaluate("document.activeElement.classList.contains('copy-button')")
        page.keyboard.press("Enter")
        page.wait_for_function("navigator.clipboard.readText().then(t => t !== '(clipboard before)')")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == code
        # Nothing else: not the label, not the button text, not any output.
        assert not copied.startswith(("Copy", "python", "PYTHON"))
        # And it is the author's code, line for line, as written in the Markdown source.
        visible = [line for line in copied.splitlines() if line.strip()]
        assert all(line in sources for line in visible), "copied text is not the code block's source"
        # The result is announced to screen readers, and shown on the button.
        live = page.locator("[aria-live=polite]")
        page.wait_for_function("document.querySelector('[aria-live=polite]').textContent.includes('copied')")
        assert "copied" in live.inner_text().lower()
        assert "Copied" in button.inner_text()
        # The accessible name says what is copied.
        name = button.evaluate("el => el.textContent")
        assert re.match(r"^(Copy|Copied) \w+ code$", name), name
    assert not tab.console_errors and not tab.page_errors


def _unique_body_word(site_map):
    """(article, word): a word in one article's body, in no title and nowhere else on the site."""
    others_text = {}
    for path in site_map.html_files:
        others_text[path] = text_of(path.read_text(encoding="utf-8")).lower()
    for article in sorted(site_map.articles, key=lambda a: a.url):
        words = re.findall(r"\b[a-z]{7,}\b", article.body_text.lower())
        for word in sorted(set(words), key=lambda w: (-len(w), w)):
            if word in article.title.lower():
                continue
            elsewhere = [p for p, text in others_text.items()
                         if p != article.path and re.search(rf"\b{word[:6]}", text)]
            if not elsewhere:
                return article, word
    pytest.fail("no article has a word of its own to search for")


def test_search_finds_a_post_by_a_word_only_in_its_body(open_tab, site_map):
    article, word = _unique_body_word(site_map)
    tab = open_tab()
    page = tab.page
    tab.goto("/search/")
    page.get_by_label("Search posts and pages").fill(word)
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=15000)
    links = page.locator("#search-results a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert article.url in links, f"searching {word!r} should find {article.url}, got {links}"
    status = page.locator("#search-status").inner_text()
    assert word in status and "result" in status
    assert page.locator("#search-results mark").count() >= 1
    # The result link works.
    page.locator(f"#search-results a[href='{article.url}']").first.click()
    page.wait_for_url(f"**{article.url}")
    assert not tab.foreign_requests(), tab.foreign_requests()
    assert not tab.console_errors and not tab.page_errors


def test_search_runs_from_the_query_string(open_tab, site_map):
    """/search/?q=word is a shareable search (the form's own GET fallback)."""
    article, word = _unique_body_word(site_map)
    tab = open_tab()
    page = tab.page
    tab.goto(f"/search/?q={word}")
    page.wait_for_function("document.querySelectorAll('#search-results li').length > 0", timeout=15000)
    assert page.get_by_label("Search posts and pages").input_value() == word
    assert page.locator(f"#search-results a[href='{article.url}']").count() >= 1
    assert not tab.console_errors and not tab.page_errors


def test_search_assets_load_on_the_search_page_only(open_tab, site_map):
    tab = open_tab()
    for name, path in site_map.key_pages().items():
        if name == "search":
            continue
        tab.requests.clear()
        tab.goto(path)
        tab.page.wait_for_load_state("networkidle")
        assert not [u for u in tab.requests if "/pagefind/" in u or "search.js" in u], path


def test_table_of_contents_links_move_to_their_headings(open_tab, site_map):
    article = site_map.showcase_article()
    assert article.has_toc, "the showcase article should have a table of contents"
    tab = open_tab(reduced_motion="reduce", viewport={"width": 1280, "height": 800})
    page = tab.page
    tab.goto(article.url)
    links = page.locator("nav.toc a")
    count = links.count()
    assert count >= 3
    for index in sorted({0, count // 2, count - 1}):
        link = links.nth(index)
        target = link.get_attribute("href")
        assert target.startswith("#")
        link.click()
        page.wait_for_function(f"location.hash === {target!r}")
        heading = page.locator(f"[id='{target[1:]}']")
        assert heading.evaluate("el => /^H[2-6]$/.test(el.tagName)")
        assert " ".join(heading.inner_text().split()) == " ".join(link.inner_text().split())
        page.wait_for_function(
            f"Math.abs(document.getElementById({target[1:]!r}).getBoundingClientRect().top) < 40"
            f" || innerHeight + scrollY >= document.documentElement.scrollHeight - 2",
            timeout=3000)
        page.evaluate("scrollTo(0, 0)")


def test_code_blocks_scroll_sideways_and_are_reachable_by_keyboard(open_tab, site_map):
    tab = open_tab(viewport={"width": 390, "height": 800})
    page = tab.page
    tab.goto(site_map.showcase_article().url)
    page.wait_for_load_state("networkidle")
    # Blocks off screen are not laid out yet (content-visibility), yet already marked:
    # a keyboard user can tab to them before they come near.
    marked = page.locator(".highlight pre").evaluate_all("els => els.map(pre => pre.getAttribute('tabindex'))")
    # Then each block, brought into view and laid out, scrolls exactly when marked so.
    states = page.locator(".highlight pre").evaluate_all("""async els => {
        const states = [];
        for (const pre of els) {
            pre.scrollIntoView();
            await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            states.push({scrolls: pre.scrollWidth > pre.clientWidth, overflow: getComputedStyle(pre).overflowX,
                         tabindex: pre.getAttribute('tabindex'), role: pre.getAttribute('role'),
                         label: pre.getAttribute('aria-label')});
        }
        return states;
    }""")
    assert marked == [state["tabindex"] for state in states]
    assert any(s["scrolls"] for s in states), "expected at least one wide code block at 390px"
    assert not all(s["scrolls"] for s in states), "expected at least one narrow code block at 390px"
    for state in states:
        assert state["overflow"] == "auto"
        if state["scrolls"]:
            assert state["tabindex"] == "0" and state["role"] == "region" and state["label"], state
        else:
            assert state["tabindex"] is None and state["role"] is None, state
    labels = [state["label"] for state in states if state["scrolls"]]
    assert len(labels) == len(set(labels)), labels  # each region a name of its own
    # A focused wide block scrolls with the arrow keys.
    wide = page.locator(".highlight pre[tabindex='0']").first
    wide.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.activeElement.scrollLeft > 0")
