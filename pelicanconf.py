"""Development settings: `invoke build`, `invoke livereload` and the tests use these."""

import os
import re
from html import escape
from pathlib import Path

from pygments.formatters import HtmlFormatter
from pygments.token import Token

AUTHOR = "Dev Notes"
SITENAME = "Dev Notes"
SITESUBTITLE = "Notes on software, ML and the tools in between, with every code sample run on every build"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"

PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "extra/favicon.svg"]
EXTRA_PATH_METADATA = {
    "extra/favicon.svg": {"path": "favicon.svg"},
}

# URLs never change once published: feed entry ids are built from them.
ARTICLE_URL = "{date:%Y}/{slug}/"
ARTICLE_SAVE_AS = "{date:%Y}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
ARCHIVES_SAVE_AS = "archives/index.html"
ARCHIVES_URL = "archives/"
TAGS_SAVE_AS = "tags/index.html"
TAGS_URL = "tags/"
CATEGORIES_SAVE_AS = "categories/index.html"
CATEGORIES_URL = "categories/"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "archives", "tags", "categories", "search", "robots"]
# robots.txt is a theme template, so it names the sitemap under the real SITEURL.
ROBOTS_SAVE_AS = "robots.txt"
# The theme's search page (Pagefind, indexed by `invoke build` after Pelican).
SEARCH_SAVE_AS = "search/index.html"
SEARCH_URL = "search/"
DEFAULT_PAGINATION = 5
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["pelican.plugins.sitemap", "strict_build", "clean_feeds", "post_links", "snippets"]

class _CodeFormatter(HtmlFormatter):
    """Pygments' HTML, with the fence's language on <code> and a bar above each block.

    Markdown's codehilite passes `lang_str` (`language-python`) only to a formatter
    class, never to Pygments' own: the theme styles ```output blocks by it.
    The bar holds the language label and a copy button. Both are in the HTML, so the
    label shows without JavaScript and the page's script adds nothing to the page as it
    loads (on a long article, that second layout was most of its blocking time). The
    stylesheet shows the button only when the head script found a clipboard.
    Tokens the theme never colours (plain names, punctuation, spaces) get no
    <span> of their own: a third of a code-heavy page's weight and elements.
    """

    PLAIN = {Token.Text, Token.Text.Whitespace, Token.Name, Token.Punctuation}

    def __init__(self, lang_str="", **options):
        super().__init__(**options)
        self.lang_str = lang_str

    def format(self, tokensource, outfile):
        # A plain token becomes the root type, which has no class: no <span> for it.
        plain = ((Token if ttype in self.PLAIN else ttype, value) for ttype, value in tokensource)
        return super().format(plain, outfile)

    def wrap(self, source):
        lang = self.lang_str.removeprefix("language-") or "text"
        label = "Expected output" if lang == "output" else lang
        bar = f'<div class="code-bar" data-pagefind-ignore><span>{escape(label)}</span>'
        if lang != "output":
            bar += ('<button type="button" class="copy-button"><span>Copy</span>'
                    f'<span class="visually-hidden"> {escape(lang)} code</span></button>')
        code_class = f' class="{escape(self.lang_str)}"' if self.lang_str else ""
        yield 0, f"{bar}</div><pre><code{code_class}>"
        yield from source
        yield 0, "</code></pre>"


_CODE_BAR = re.compile(r'<div class="code-bar".*?</div>', re.S)


def _without_code_bars(html):
    """The content without its code bars, whose labels and buttons are not words of the post."""
    return _CODE_BAR.sub("", html)


JINJA_FILTERS = {"without_code_bars": _without_code_bars}

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False,
                                           "pygments_formatter": _CodeFormatter},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

TYPOGRIFY = True
# Typogrify must never touch code, inline or in blocks.
TYPOGRIFY_IGNORE_TAGS = ["pre", "code", "kbd", "samp", "script", "style"]

# Feeds: Atom and RSS for everything, per category and per tag, full content.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{slug}.rss.xml"
FEED_ATOM = None
FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None
RSS_FEED_SUMMARY_ONLY = False
FEED_MAX_ITEMS = None

SITEMAP = {
    "format": "xml",
    "priorities": {"articles": 0.7, "indexes": 0.5, "pages": 0.4},
    "changefreqs": {"articles": "monthly", "indexes": "daily", "pages": "monthly"},
}

# Snippet verification (plugins/snippets): every Python block runs on every build.
SNIPPETS = {
    "enabled": True,
    "timeout": 30,              # seconds per block
    "memory_limit_mb": 1024,    # address-space limit of each post's process
    "output_limit_kb": 1024,    # captured stdout/stderr kept per block
    "on_failure": "report",     # "report": error box in the page, exit 1 at the end; "fail": stop the build
    "languages": ["python", "py", "python3"],
    "pass_env": [],             # names of builder environment variables snippets may see
    "jobs": 0,                  # posts verified at once; 0 = one per core
    # Results of unchanged snippets are reused from here (delete it, or SNIPPETS_REFRESH=1, to re-run all).
    "cache_dir": os.environ.get("SNIPPETS_CACHE_DIR", str(Path(__file__).resolve().parent / ".snippets-cache")),
}
