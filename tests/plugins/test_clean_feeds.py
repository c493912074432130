"""plugins/clean_feeds on a real small site with typogrify on: RSS guids that say they are not
permalinks, and feed entries without typogrify's spans, while the pages keep them."""

import xml.etree.ElementTree as ET

import feedparser
import pytest

from .html_tree import parse

POST = """Title: NASA & the "new" feeds
Date: 2025-01-02 10:00
Slug: clean-feeds
Summary: What NASA & friends publish, "quoted".

NASA & ESA publish their "feeds" here.
"""
TYPOGRIFY_CLASSES = {"caps", "amp", "dquo", "quo"}


@pytest.fixture(scope="module")
def site(small_site):
    built = small_site({"clean-feeds.md": POST}, PLUGINS=["clean_feeds"], TYPOGRIFY=True,
                       FEED_ALL_RSS="feeds/all.rss.xml")
    assert built.result.returncode == 0, built.printed
    return built


def typogrify_spans(html):
    return [span for span in parse(html).find_all("span") if TYPOGRIFY_CLASSES & set(span.classes)]


def test_the_page_itself_keeps_typogrify(site):
    """Typogrify really ran, so the feed checks below are not vacuous."""
    assert typogrify_spans(site.read("clean-feeds/index.html"))


def test_rss_guids_are_tag_uris_marked_as_not_permalinks(site):
    items = ET.parse(site.output / "feeds" / "all.rss.xml").getroot().findall("channel/item")
    assert len(items) == 1
    guid = items[0].find("guid")
    assert guid.text.startswith("tag:small.example.org,2025-01-02:")
    assert guid.get("isPermaLink") == "false", "the W3C validator rejects a tag: guid taken as a permalink"


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_feed_entries_have_no_typogrify_spans(site, path):
    feed = feedparser.parse(str(site.output / path), sanitize_html=False)
    assert not feed.bozo, feed.get("bozo_exception")
    (entry,) = feed.entries
    parts = [entry.summary] + [content.value for content in entry.get("content", [])]
    for html in parts:
        assert not typogrify_spans(html), html
        assert "NASA &" in parse(html).text(), "the words inside the spans must stay"
