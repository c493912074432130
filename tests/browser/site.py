"""What the built site contains, read from its HTML: used to pick pages to test."""

import re
from html.parser import HTMLParser
from pathlib import Path

ARTICLE_PATH = re.compile(r"^\d{4}/[^/]+/index\.html$")
# The names of SiteMap.key_pages(), known before the site is built, to parametrize tests by.
KEY_PAGES = ["home", "article", "archives", "tag", "search", "404"]


class _Text(HTMLParser):
    """Plain text of the element with a given class (or the whole page), scripts left out."""

    def __init__(self, css_class=None):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.depth = 1 if css_class is None else None
        self.skip = 0
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if self.depth is not None:
            if tag not in VOID:
                self.depth += 1
        elif self.css_class in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if self.depth is not None and self.css_class is not None:
            self.depth -= 1
            if self.depth == 0:
                self.depth = None
                self.css_class = "\0done"

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def text_of(html, css_class=None):
    parser = _Text(css_class)
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


class Article:
    def __init__(self, site, path):
        self.path = path
        self.url = "/" + path.parent.relative_to(site).as_posix() + "/"
        self.html = path.read_text(encoding="utf-8")
        self.title = text_of(self.html.split("<h1", 1)[1].split("</h1>", 1)[0].split(">", 1)[1])
        self.body_text = text_of(self.html, "post-body")
        self.code_blocks = self.html.count('<div class="highlight">')
        self.copyable_blocks = self.html.count('<code class="language-') - self.html.count(
            '<code class="language-output">')
        self.has_toc = 'class="toc"' in self.html


class SiteMap:
    def __init__(self, root: Path):
        self.root = root
        self.html_files = sorted(p for p in root.rglob("*.html") if "pagefind" not in p.parts)
        self.articles = [Article(root, p) for p in self.html_files
                         if ARTICLE_PATH.match(p.relative_to(root).as_posix())]
        self.tag_pages = sorted("/" + p.parent.relative_to(root).as_posix() + "/"
                                for p in root.glob("tag/*/index.html"))

    def showcase_article(self):
        """The article that exercises the most: a table of contents and the most code."""
        with_toc = [a for a in self.articles if a.has_toc and a.copyable_blocks] or self.articles
        return max(with_toc, key=lambda a: (a.code_blocks, len(a.html)))

    def key_pages(self):
        """The pages every browser check visits: {name: path}."""
        return {
            "home": "/",
            "article": self.showcase_article().url,
            "archives": "/archives/",
            "tag": self.tag_pages[0],
            "search": "/search/",
            "404": "/404.html",
        }
