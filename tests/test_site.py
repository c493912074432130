"""Foundation tests: the real site, built from content/ with the real settings.

What every post, page, feed, the sitemap and robots.txt must look like after a
build, that typogrify never reaches code or metadata, and that a post with
broken metadata fails the build. Expected posts and pages are read from the
Markdown headers in content/, so a new post is covered without editing this file.
"""

import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from code_bars import strip_code_bars
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Category, Tag

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


# --- what content/ says should be built ------------------------------------------------


def read_header(path):
    """The Pelican metadata header of a Markdown file, keys lower-cased."""
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    meta["path"] = path
    return meta


def split_list(value):
    return [item.strip() for item in value.split(",") if item.strip()]


POSTS = [read_header(p) for p in sorted((CONTENT / "posts").glob("*.md"))]
PAGES = [read_header(p) for p in sorted((CONTENT / "pages").glob("*.md"))]
for _post in POSTS:
    _post["url"] = f"{_post['date'][:4]}/{_post['slug']}/"
    _post["tag_list"] = split_list(_post.get("tags", ""))
for _page in PAGES:
    _page["file"] = _page.get("save_as") or f"{_page['slug']}/index.html"

_SETTINGS = dict(DEFAULT_CONFIG)
CATEGORY_SLUGS = {p["category"]: Category(p["category"], _SETTINGS).slug for p in POSTS}
TAG_SLUGS = {t: Tag(t, _SETTINGS).slug for p in POSTS for t in p["tag_list"]}


def post_id(post):
    return post["slug"]


def last_heading(post):
    """Text of the last '## ' heading of a post: only a full-content copy contains it."""
    headings = [
        line.lstrip("#").strip()
        for line in post["path"].read_text(encoding="utf-8").splitlines()
        if line.startswith(("## ", "### "))
    ]
    return headings[-1]


# --- small HTML helpers ---------------------------------------------------------------


class _Collector(HTMLParser):
    """Collects attributes of every tag, and text inside selected tags."""

    def __init__(self, text_tags=()):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, attrs dict)
        self.text_tags = set(text_tags)
        self.depth = dict.fromkeys(self.text_tags, 0)
        self.texts = {t: [] for t in self.text_tags}
        self._current = {t: [] for t in self.text_tags}

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.text_tags:
            self.depth[tag] += 1

    def handle_endtag(self, tag):
        if tag in self.text_tags and self.depth[tag]:
            self.depth[tag] -= 1
            if not self.depth[tag]:
                self.texts[tag].append("".join(self._current[tag]))
                self._current[tag] = []

    def handle_data(self, data):
        for tag in self.text_tags:
            if self.depth[tag]:
                self._current[tag].append(data)


def parse_html(text, text_tags=()):
    collector = _Collector(text_tags)
    collector.feed(text)
    collector.close()
    return collector


def plain(text):
    """Markup-free, whitespace-normalised text (typogrify's &nbsp; counts as a space)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.replace("\xa0", " ").split())


def raw_elements(text, tag):
    """The raw inner HTML of every <tag>...</tag> (no nesting of the same tag)."""
    return re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", text, flags=re.S | re.I)


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_url():
    """SITEURL of the publish settings (BLOG_SITEURL unset, as in the built_site fixture)."""
    code = "from pelican.settings import read_settings; print(read_settings('publishconf.py')['SITEURL'])"
    env = {k: v for k, v in os.environ.items() if k != "BLOG_SITEURL"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    url = result.stdout.strip().splitlines()[-1]
    assert url.startswith("https://") and not url.endswith("/"), url
    return url


@pytest.fixture(scope="module")
def second_build(tmp_path_factory, run_pelican):
    """A second, independent publish build, to compare what must be stable."""
    output = tmp_path_factory.mktemp("publish-again") / "output"
    result = run_pelican("publishconf.py", output)
    assert result.returncode == 0, result.stderr[-5000:]
    return output


# --- the content itself ---------------------------------------------------------------


def test_content_is_there():
    assert len(POSTS) >= 6
    assert {"about", "404", "verification"} <= {p.get("slug") for p in PAGES}


@pytest.mark.parametrize("post", POSTS, ids=post_id)
def test_post_metadata_is_complete(post):
    for key in ("title", "date", "category", "tags", "slug", "summary"):
        assert post.get(key), f"{post['path'].name}: no {key}"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", post["slug"]), post["slug"]
    assert "2024-01-01" <= post["date"][:10] <= "2026-11-25", post["date"]


def test_post_dates_and_slugs_are_distinct():
    assert len({p["date"] for p in POSTS}) == len(POSTS)
    assert len({p["slug"] for p in POSTS}) == len(POSTS)


# --- every post and page rendered -----------------------------------------------------


@pytest.mark.parametrize("post", POSTS, ids=post_id)
def test_post_is_rendered(built_site, site_url, post):
    page = built_site / post["url"] / "index.html"
    assert page.is_file(), f"{post['url']} not built"
    text = page.read_text(encoding="utf-8")
    doc = parse_html(text, text_tags=["title", "h1"])
    assert post["title"] in plain(doc.texts["title"][0])
    assert any(post["title"] == plain(h) for h in doc.texts["h1"]), doc.texts["h1"]
    assert last_heading(post) in plain(text)
    # Every post has code; it must be rendered as code blocks.
    assert "<pre" in text


@pytest.mark.parametrize("post", POSTS, ids=post_id)
def test_post_is_rendered_by_dev_build(dev_site, post):
    page = dev_site / post["url"] / "index.html"
    assert page.is_file(), f"{post['url']} not built by the dev settings"
    assert last_heading(post) in plain(page.read_text(encoding="utf-8"))


def test_development_build_prints_no_warning(dev_build):
    """A newcomer's first `invoke build` says nothing but its summary: any warning is news."""
    assert not re.search(r"warn", dev_build.printed, flags=re.I), dev_build.printed


def test_development_build_makes_no_feeds(dev_site):
    """Feeds need absolute, permanent URLs, which only the publish build has."""
    assert not (dev_site / "feeds").exists()
    for path in all_html_files(dev_site):
        for tag, attrs in parse_html(path.read_text(encoding="utf-8")).tags:
            assert "/feeds/" not in (attrs.get("href") or ""), f"{path}: <{tag} {attrs}> links to a feed"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p["slug"])
def test_page_is_rendered(built_site, page):
    path = built_site / page["file"]
    assert path.is_file(), f"{page['file']} not built"
    doc = parse_html(path.read_text(encoding="utf-8"), text_tags=["title"])
    assert page["title"] in plain(doc.texts["title"][0])


def test_404_page_links_home_and_archives(built_site, site_url):
    text = (built_site / "404.html").read_text(encoding="utf-8")
    hrefs = {attrs.get("href") for tag, attrs in parse_html(text).tags if tag == "a"}
    assert hrefs & {f"{site_url}/", f"{site_url}/index.html", "/"}, hrefs
    assert hrefs & {f"{site_url}/archives/", "/archives/"}, hrefs
    # A hidden page: reachable as /404.html, not listed as an ordinary page.
    assert not (built_site / "404" / "index.html").exists()


# --- feeds ----------------------------------------------------------------------------


def feed_paths():
    """(feed path, posts it must contain) for every feed the settings ask for."""
    feeds = []
    for kind in ("atom", "rss"):
        feeds.append((f"feeds/all.{kind}.xml", POSTS))
        for name, slug in sorted(CATEGORY_SLUGS.items()):
            feeds.append((f"feeds/category/{slug}.{kind}.xml", [p for p in POSTS if p["category"] == name]))
        for name, slug in sorted(TAG_SLUGS.items()):
            feeds.append((f"feeds/tag/{slug}.{kind}.xml", [p for p in POSTS if name in p["tag_list"]]))
    return feeds


def entry_html(entry):
    """Full HTML of an entry: Atom <content>, or the RSS <description>."""
    if entry.get("content"):
        return entry.content[0].value
    return entry.get("summary", "")


@pytest.fixture(scope="module")
def parsed_feeds(built_site):
    return {path: feedparser.parse(str(built_site / path)) for path, _ in feed_paths()}


@pytest.mark.parametrize("path,posts", feed_paths(), ids=[p for p, _ in feed_paths()])
def test_feed_is_valid_and_complete(built_site, site_url, parsed_feeds, path, posts):
    assert (built_site / path).is_file(), f"{path} not built"
    feed = parsed_feeds[path]
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    links = {entry.link: entry for entry in feed.entries}
    expected = {f"{site_url}/{post['url']}": post for post in posts}
    assert set(links) == set(expected)
    for link, post in expected.items():
        body = entry_html(links[link])
        # Full content, not only the summary: the post's last section is there.
        assert last_heading(post) in plain(body), f"{path}: {post['slug']} is not full content"
        assert "<pre" in body
        assert len(plain(body)) > 3 * len(post["summary"])
        # Code keeps its language label; the copy button, which needs the site's script, is gone.
        assert strip_code_bars(body) != body, f"{path}: {post['slug']} has no code bars"
        assert "<button" not in body, f"{path}: {post['slug']} keeps a button"


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_feed_links_are_absolute(parsed_feeds, path):
    checked = 0
    for entry in parsed_feeds[path].entries:
        for tag, attrs in parse_html(entry_html(entry)).tags:
            for name in ("href", "src"):
                if name in attrs:
                    assert attrs[name].startswith("https://"), (
                        f"{entry.link}: <{tag} {name}={attrs[name]!r}> is not absolute"
                    )
                    checked += 1
    assert checked, "no links at all in the feed entries: the content check above is too weak"


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_feed_entry_ids_are_stable_across_builds(built_site, second_build, path):
    first = feedparser.parse(str(built_site / path))
    second = feedparser.parse(str(second_build / path))
    ids_first = {e.link: e.id for e in first.entries}
    ids_second = {e.link: e.id for e in second.entries}
    assert len(ids_first) == len(POSTS)
    assert all(ids_first.values())
    assert ids_first == ids_second


# --- sitemap and robots.txt -----------------------------------------------------------


def test_sitemap_lists_every_post_and_page(built_site, site_url):
    tree = ET.parse(built_site / "sitemap.xml")
    locs = {el.text.strip() for el in tree.iter() if el.tag.endswith("}loc") or el.tag == "loc"}
    for post in POSTS:
        assert f"{site_url}/{post['url']}" in locs, post["url"]
    for page in PAGES:
        if page.get("status") != "hidden":
            assert f"{site_url}/{page['slug']}/" in locs, page["slug"]
    assert all(loc.startswith(site_url + "/") for loc in locs)


def test_robots_txt(built_site, site_url):
    lines = (built_site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert f"Sitemap: {site_url}/sitemap.xml" in lines


# --- typogrify stays out of metadata and code ----------------------------------------

TYPOGRIFY_MARKUP = re.compile(r'<span\b|class="(caps|dquo|quo|amp|widont)"|&lt;span')


def all_html_files(site):
    return sorted(p for p in site.rglob("*.html") if "theme" not in p.relative_to(site).parts)


def test_no_typogrify_markup_in_titles_or_meta(built_site):
    files = all_html_files(built_site)
    assert len(files) > len(POSTS)
    for path in files:
        text = path.read_text(encoding="utf-8")
        for title in raw_elements(text, "title"):
            assert not TYPOGRIFY_MARKUP.search(title), f"{path}: <title>{title}</title>"
        for tag, attrs in parse_html(text).tags:
            if tag == "meta":
                for name, value in attrs.items():
                    assert not TYPOGRIFY_MARKUP.search(value or ""), f"{path}: <meta {name}={value!r}>"


@pytest.mark.parametrize("path", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_no_typogrify_markup_in_feed_entry_titles(built_site, path):
    root = ET.parse(built_site / path).getroot()
    titles = [el.text or "" for el in root.iter()
              if el.tag in ("{http://www.w3.org/2005/Atom}title", "title")]
    assert len(titles) > len(POSTS)  # the feed's own title plus one per entry
    for title in titles:
        assert not TYPOGRIFY_MARKUP.search(title), f"{path}: title {title!r}"
        assert "&#" not in title and "&nbsp;" not in title, f"{path}: title {title!r}"
    # The titles that typogrify would have touched ("NET", "SSH", "ML") are intact
    # (a non-breaking space from its widont filter is tolerated: it is text, not markup).
    normalised = {" ".join(t.replace("\xa0", " ").split()) for t in titles}
    for post in POSTS:
        assert post["title"] in normalised


def code_blocks(text):
    """Raw inner HTML of every <pre> and every inline <code> outside <pre>."""
    pres = raw_elements(text, "pre")
    outside = re.sub(r"<pre\b.*?</pre>", "", text, flags=re.S | re.I)
    return pres, raw_elements(outside, "code")


CURLY = re.compile(r"[\u2018\u2019\u201c\u201d\u2013\u2014\u2026]|&#82(1[1-9]|2[0-2]);|&[lr][sd]quo;|&[mn]dash;")


@pytest.mark.parametrize("post", POSTS, ids=post_id)
def test_code_is_untouched_by_typogrify(built_site, post):
    text = (built_site / post["url"] / "index.html").read_text(encoding="utf-8")
    pres, inline = code_blocks(text)
    assert pres
    for block in pres + inline:
        assert "caps" not in re.findall(r'class="([^"]*)"', block), block[:300]
        assert not re.search(r'class="(dquo|quo|amp|widont)"', block), block[:300]
        assert not CURLY.search(block), block[:300]
        assert "&nbsp;" not in block and "\xa0" not in block, block[:300]


def test_code_keeps_quotes_dashes_and_capitals(built_site):
    """Spot checks of code that typogrify would have changed, byte for byte."""
    checks = {
        "ssh-keys-on-cloud-platforms": [
            "==> myPrivateKey.key <==\n-----BEGIN PRIVATE KEY-----",      # dashes, ALLCAPS
            '-subj "/CN=devnotes-demo"',                                   # double quotes
            "openssl req -x509 -nodes -days 365 -newkey rsa:2048",
        ],
        "named-pipes-csharp-python-dotnet-core": [
            r"open(r'\\.\pipe\\' + pipe_name, 'r+b', 0)",                 # single quotes
            "SyntaxError - unterminated string literal",
        ],
        "python-class-vs-instance-attributes": [
            'DEFAULT_TIMEOUT = 10',
            "{'name': 'Rex', 'kind': 'wolf'}",
        ],
    }
    posts = {p["slug"]: p for p in POSTS}
    for slug, snippets in checks.items():
        text = (built_site / posts[slug]["url"] / "index.html").read_text(encoding="utf-8")
        pres, inline = code_blocks(text)
        code_text = [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in pres]
        for snippet in snippets:
            assert any(snippet in block for block in code_text), f"{slug}: {snippet!r} not found verbatim"
        inline_text = [html.unescape(re.sub(r"<[^>]+>", "", block)) for block in inline]
        if slug == "named-pipes-csharp-python-dotnet-core":
            assert "'r+b'" in inline_text


# --- broken metadata fails the build --------------------------------------------------


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory, run_pelican):
    """A small fixture site with one good post and one whose date does not exist,
    built with the real settings; returns (CompletedProcess, output directory)."""
    root = tmp_path_factory.mktemp("broken-site")
    content = root / "content"
    (content / "posts").mkdir(parents=True)
    (content / "pages").mkdir()
    (content / "posts" / "good.md").write_text(
        "Title: A good post\nDate: 2025-01-02 10:00\nCategory: Python\nSlug: a-good-post\n"
        "Summary: Fine.\n\nThis one is fine.\n",
        encoding="utf-8",
    )
    (content / "posts" / "broken-date.md").write_text(
        "Title: A broken post\nDate: 2024-13-45\nCategory: Python\nSlug: a-broken-post\n"
        "Summary: Its date does not exist.\n\nThis post must not vanish silently.\n",
        encoding="utf-8",
    )
    output = root / "output"
    return run_pelican("pelicanconf.py", output, content=content), output


def test_invalid_date_fails_the_build_naming_the_file(broken_build):
    result, output = broken_build
    messages = result.stdout + result.stderr
    assert result.returncode != 0, messages[-3000:]
    assert re.search(r"broken-date\.md:\d+: error: .*2024-13-45", messages), messages[-3000:]
    # The rest of the site is still written, so the failure is the only surprise.
    assert (output / "2025" / "a-good-post" / "index.html").is_file()
    assert not (output / "2024" / "a-broken-post").exists()


def test_invalid_date_error_points_at_the_date_line(broken_build):
    result, _ = broken_build
    assert re.search(r"broken-date\.md:2: error:", result.stdout + result.stderr)


# --- the W3C Feed Validation Service's rules ---------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
# In entry HTML, code highlighting has spans of its own; typogrify's are known by their class.
TYPOGRIFY_CLASSES = re.compile(r'<span class="(caps|amp|dquo|quo)"')
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
RFC822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}$")


@pytest.mark.parametrize("path,posts", [p for p in feed_paths() if p[0].endswith(".atom.xml")],
                         ids=[p for p, _ in feed_paths() if p.endswith(".atom.xml")])
def test_atom_feed_follows_the_validators_rules(built_site, site_url, path, posts):
    feed = ET.parse(built_site / path).getroot()
    self_links = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == [f"{site_url}/{path}"]
    assert feed.findtext(f"{ATOM}id") and RFC3339.match(feed.findtext(f"{ATOM}updated"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(posts)
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("tag:")
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert RFC3339.match(entry.findtext(f"{ATOM}published"))
        links = entry.findall(f"{ATOM}link")
        assert [link.get("rel") for link in links] == ["alternate"]
        assert links[0].get("href").startswith(site_url + "/")
        for part in ("summary", "content"):
            assert not TYPOGRIFY_CLASSES.search(entry.findtext(f"{ATOM}{part}") or ""), (path, part)


@pytest.mark.parametrize("path,posts", [p for p in feed_paths() if p[0].endswith(".rss.xml")],
                         ids=[p for p, _ in feed_paths() if p.endswith(".rss.xml")])
def test_rss_feed_follows_the_validators_rules(built_site, site_url, path, posts):
    channel = ET.parse(built_site / path).getroot().find("channel")
    self_links = [link.get("href") for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == [f"{site_url}/{path}"]
    assert channel.findtext("link") == f"{site_url}/" and channel.findtext("description")
    assert RFC822.match(channel.findtext("lastBuildDate"))
    items = channel.findall("item")
    assert len(items) == len(posts)
    for item in items:
        guid = item.find("guid")
        # a tag: URI identifies but does not locate: it must say it is not a permalink
        assert guid.text.startswith("tag:") and guid.get("isPermaLink") == "false"
        assert RFC822.match(item.findtext("pubDate"))
        assert item.findtext("link").startswith(site_url + "/")
        assert not TYPOGRIFY_CLASSES.search(item.findtext("description") or "")
