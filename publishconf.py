"""Production settings: `invoke preview`, `invoke publish` and `invoke gh-pages` use these."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

# Absolute URLs everywhere (feeds, canonical links, sitemap); override per deployment.
SITEURL = os.environ.get("BLOG_SITEURL", "https://devnotes.example.org").rstrip("/")
RELATIVE_URLS = False
FEED_DOMAIN = SITEURL
DELETE_OUTPUT_DIRECTORY = True

# A snippet that fails stops the build: nothing broken is ever published.
SNIPPETS = {**SNIPPETS, "on_failure": "fail"}  # noqa: F405
