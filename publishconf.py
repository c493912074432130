"""Production settings: `invoke preview`, `invoke publish` and `invoke gh-pages` use these."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *

# Absolute URLs everywhere (feeds, canonical links, sitemap); override per deployment.
SITEURL = os.environ.get("BLOG_SITEURL", "https://devnotes.example.org").rstrip("/")
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True

# Feeds: Atom and RSS for everything, per category and per tag, full content.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
CATEGORY_FEED_RSS = "feeds/category/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
TAG_FEED_RSS = "feeds/tag/{slug}.rss.xml"
RSS_FEED_SUMMARY_ONLY = False
FEED_MAX_ITEMS = None

# A snippet that fails stops the build: nothing broken is ever published.
SNIPPETS = {**SNIPPETS, "on_failure": "fail"}
