"""Development settings: `invoke build`, `invoke livereload` and the tests use these."""

import os
from pathlib import Path

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
PLUGINS = [
    "pelican.plugins.sitemap",
    "strict_build",
    "clean_feeds",
    "post_links",
    "code_bars",
    # The snippet plugin by its module's own name: this blog installs it as a plain path entry
    # (see ./dev), where the pelican.plugins.snippets name that pip installs does not exist.
    "pelican_snippets",
    "theme_assets",
]

MARKDOWN = {
    "extension_configs": {
        # plugins/code_bars adds its Pygments formatter: a language label and a copy button on each block.
        "markdown.extensions.codehilite": {"css_class": "highlight", "guess_lang": False},
        "markdown.extensions.extra": {},
        "markdown.extensions.meta": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

TYPOGRIFY = True
# Typogrify must never touch code, inline or in blocks.
TYPOGRIFY_IGNORE_TAGS = ["pre", "code", "kbd", "samp", "script", "style"]

# No feeds here: their links and entry ids must be absolute and permanent, and a development
# build has no public URL to give them. publishconf.py makes them; `invoke preview` serves them.
FEED_ATOM = None
FEED_RSS = None
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
CATEGORY_FEED_RSS = None
TAG_FEED_ATOM = None
TAG_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
TRANSLATION_FEED_RSS = None

SITEMAP = {
    "format": "xml",
    "priorities": {"articles": 0.7, "indexes": 0.5, "pages": 0.4},
    "changefreqs": {"articles": "monthly", "indexes": "daily", "pages": "monthly"},
}

# Snippet verification (plugins/pelican-snippets): every Python block runs on every build.
SNIPPETS = {
    "enabled": True,
    "timeout": 30,              # seconds per block
    "memory_limit_mb": 1024,    # address-space limit of each post's process
    "output_limit_kb": 1024,    # captured stdout/stderr kept per block
    "on_failure": "report",     # "report": error box in the page, exit 1 at the end; "fail": stop the build
    "languages": ["python", "py", "python3"],
    "pass_env": [],             # names of builder environment variables snippets may see
    "jobs": 0,                  # posts verified at once; 0 = one per core, plus four
    # Every post runs on each of these (found on PATH, in pyenv's versions, or among uv's Pythons),
    # in an environment holding only the packages its `Dependencies:` header declares.
    "pythons": ["3.10", "3.11", "3.12", "3.13"],
    # Where those environments are kept (default: in cache_dir); a folder outside the project can
    # serve several clones or blogs.
    "environments_dir": os.environ.get("SNIPPETS_ENVIRONMENTS_DIR") or None,
    # Results of unchanged snippets are reused from here (delete it, or SNIPPETS_REFRESH=1, to re-run all).
    "cache_dir": os.environ.get("SNIPPETS_CACHE_DIR", str(Path(__file__).resolve().parent / ".snippets-cache")),
}
