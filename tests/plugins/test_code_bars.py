"""plugins/code_bars on a real small site: the bar above each block, the spans it leaves
out, the Jinja filter, and the copy buttons it takes out of the feeds."""

import feedparser
import pytest
from code_bars import strip_code_bars, strip_copy_buttons

from .html_tree import parse

POST = """Title: Code bars
Date: 2025-01-02 10:00
Slug: code-bars

Prose before the code.

```python
def total(values):
    return sum(values)
```

```output
6
```

```
no language here
```
"""

# The filter's output goes into a section of its own, next to the content as written.
ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ article.title }}</title></head>
<body><main>{{ article.content }}</main>
<section>{{ article.content|without_code_bars }}</section></body></html>
"""

# The site's own codehilite options, which the plugin must keep.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "code-block", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
    },
    "output_format": "html5",
}


@pytest.fixture(scope="module")
def site(small_site):
    built = small_site({"code-bars.md": POST}, templates={"article.html": ARTICLE}, PLUGINS=["code_bars"],
                       MARKDOWN=MARKDOWN, FEED_ALL_RSS="feeds/all.rss.xml")
    assert built.result.returncode == 0, built.printed
    return built


@pytest.fixture(scope="module")
def page(site):
    return site.read("code-bars/index.html")


def written_blocks(page):
    """{class of <code>: (bar, code)} for each block of the content as written."""
    blocks = {}
    for block in parse(page).find_all("main")[0].find_all("div", "code-block"):
        bar, pre = block.elements
        (code,) = pre.elements
        assert (bar.tag, pre.tag, code.tag) == ("div", "pre", "code"), block.text()
        blocks[code.attrs.get("class")] = bar, code
    return blocks


def test_every_block_has_a_bar_with_its_language(page):
    blocks = written_blocks(page)
    assert set(blocks) == {"language-python", "language-output", "language-text"}
    for bar, _ in blocks.values():
        assert bar.classes == ["code-bar"] and "data-pagefind-ignore" in bar.attrs
    python_bar = blocks["language-python"][0]
    label, button = python_bar.elements
    assert (label.tag, label.text()) == ("span", "python")
    assert (button.tag, button.attrs.get("type"), button.classes) == ("button", "button", ["copy-button"])
    assert [part.text() for part in button.elements] == ["Copy", " python code"]
    assert button.elements[1].classes == ["visually-hidden"]
    # Expected output is there to be read: a label, nothing to copy.
    assert [part.text() for part in blocks["language-output"][0].elements] == ["Expected output"]
    assert blocks["language-text"][0].elements[0].text() == "text"


def test_only_the_tokens_the_theme_colours_get_a_span(page):
    _, code = written_blocks(page)["language-python"]
    assert code.text() == "def total(values):\n    return sum(values)\n"
    spans = [(span.classes, span.text()) for span in code.find_all("span")]
    assert (["k"], "def") in spans and (["k"], "return") in spans
    # Plain names, punctuation and spaces are left bare.
    assert not {text for _, text in spans} & {"values", "(", ")", ":", " ", "\n"}, spans


def test_the_filter_drops_the_bars_and_keeps_the_rest(page):
    section = parse(page).find_all("section")[0]
    assert not section.find_all(css_class="code-bar") and not section.find_all("button")
    assert len(section.find_all("pre")) == 3
    assert "Prose before the code." in section.text() and "return sum(values)" in section.text()


def test_strip_functions_match_what_the_formatter_writes(page):
    assert len(parse(page).find_all(css_class="code-bar")) == 3
    assert not parse(strip_code_bars(page)).find_all(css_class="code-bar")
    without_buttons = parse(strip_copy_buttons(page))
    assert len(without_buttons.find_all(css_class="code-bar")) == 3
    assert not without_buttons.find_all("button")
    assert strip_code_bars(page).count("<pre>") == page.count("<pre>")


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_feeds_keep_the_labels_and_lose_the_copy_buttons(site, path):
    feed = feedparser.parse(str(site.output / path), sanitize_html=False)
    assert not feed.bozo, feed.get("bozo_exception")
    (entry,) = feed.entries
    html = entry.content[0].value if "content" in entry else entry.summary
    entry_tree = parse(html)
    assert [bar.text() for bar in entry_tree.find_all(css_class="code-bar")] == ["python", "Expected output", "text"]
    assert not entry_tree.find_all("button"), "a feed reader cannot run the copy button's script"
