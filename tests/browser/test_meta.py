"""Head metadata, checked in the built HTML: feeds autodiscovery, canonical links, Open Graph,
Twitter cards, JSON-LD BlogPosting, no typogrify markup in attributes or titles."""

import json
import re
from html.parser import HTMLParser

import pytest
from code_bars import strip_code_bars

from .site import SiteMap, text_of


class _Head(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.metas, self.jsonld, self.title = [], {}, [], ""
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.metas.setdefault(key, []).append(attrs.get("content"))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "jsonld"
            self.jsonld.append("")
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        if tag in ("script", "title"):
            self._in = None

    def handle_data(self, data):
        if self._in == "jsonld":
            self.jsonld[-1] += data
        elif self._in == "title":
            self.title += data


def head(path):
    parser = _Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def alternates(parsed):
    return {(link.get("type"), link.get("href")) for link in parsed.links if link.get("rel") == "alternate"}


@pytest.fixture(scope="module")
def publish_map(built_site):
    return SiteMap(built_site)


# Feeds need absolute URLs, so only the publish build has them.
PUBLISH_URL = "https://devnotes.example.org"
SITE_FEEDS = {("application/atom+xml", f"{PUBLISH_URL}/feeds/all.atom.xml"),
              ("application/rss+xml", f"{PUBLISH_URL}/feeds/all.rss.xml")}


def test_every_page_announces_the_site_feeds(built_site, publish_map):
    for page in publish_map.html_files:
        assert alternates(head(page)) >= SITE_FEEDS, page.relative_to(built_site)


def test_tag_and_category_pages_announce_their_own_feeds(built_site):
    tag_pages = sorted(built_site.glob("tag/*/index.html"))
    category_pages = sorted(built_site.glob("category/*/index.html"))
    assert tag_pages and category_pages
    for kind, pages in (("tag", tag_pages), ("category", category_pages)):
        for page in pages:
            slug = page.parent.name
            own = {("application/atom+xml", f"feeds/{kind}/{slug}.atom.xml"),
                   ("application/rss+xml", f"feeds/{kind}/{slug}.rss.xml")}
            announced = alternates(head(page))
            for media_type, path in own:
                assert (media_type, f"{PUBLISH_URL}/{path}") in announced, (page.relative_to(built_site), path)
                assert (built_site / path).is_file(), path


def test_publish_build_has_absolute_canonical_and_og_urls(built_site, publish_map):
    base = "https://devnotes.example.org"
    for article in publish_map.articles:
        parsed = head(article.path)
        canonical = [link["href"] for link in parsed.links if link.get("rel") == "canonical"]
        assert canonical == [base + article.url]
        assert parsed.metas["og:url"] == [base + article.url]
        assert parsed.metas["og:type"] == ["article"]
        assert parsed.metas["twitter:card"] == ["summary"]
        for key in ("og:title", "og:description", "twitter:title", "twitter:description", "description"):
            assert parsed.metas[key][0].strip(), key
        assert parsed.metas["article:published_time"][0][:4] == article.url[1:5]
        assert alternates(parsed) >= {("application/atom+xml", base + "/feeds/all.atom.xml")}


def test_development_build_has_no_relative_canonical(site, site_map):
    """Without an absolute SITEURL there is no canonical URL to give: none is better than a wrong one."""
    for page in site_map.html_files:
        parsed = head(page)
        assert not [link for link in parsed.links if link.get("rel") == "canonical"], page
        assert "og:url" not in parsed.metas


def test_articles_carry_json_ld_blogposting(built_site, publish_map):
    for article in publish_map.articles:
        parsed = head(article.path)
        assert len(parsed.jsonld) == 1, article.url
        data = json.loads(parsed.jsonld[0])
        assert data["@context"] == "https://schema.org"
        assert data["@type"] == "BlogPosting"
        assert " ".join(data["headline"].split()) == " ".join(article.title.split())
        assert "<" not in data["headline"] and "<" not in data["description"]
        assert data["url"] == data["mainEntityOfPage"] == "https://devnotes.example.org" + article.url
        assert re.match(r"\d{4}-\d\d-\d\dT", data["datePublished"])
        assert data["author"]["name"] and data["publisher"]["name"]
        # The words of the post: code counts, the code blocks' labels and buttons do not.
        words = re.findall(r"\w+", text_of(strip_code_bars(article.html), "post-body"))
        assert data["wordCount"] > 100
        assert abs(data["wordCount"] - len(words)) <= 2, (article.url, data["wordCount"], len(words))


TYPOGRIFY = re.compile(r'<span|class="(caps|dquo|quo|amp|widont)"|&lt;span')


def test_no_markup_in_titles_and_meta(built_site, publish_map, site, site_map):
    for tree in (publish_map, site_map):
        for page in tree.html_files:
            parsed = head(page)
            assert not TYPOGRIFY.search(parsed.title), (page, parsed.title)
            for key, values in parsed.metas.items():
                for value in values:
                    assert not TYPOGRIFY.search(value or ""), (page, key, value)
            for block in parsed.jsonld:
                assert "<span" not in block and "\\u003cspan" not in block, page
