"""Feeds that pass the W3C Feed Validation Service and carry no typogrify markup.

Pelican uses a `tag:` URI as each RSS item's guid without marking it as not a
permalink, which the validator rejects ("guid must be a full URL, unless
isPermaLink attribute is false"). And typogrify's `<span class="caps">` and
friends only make sense with the site's CSS, which feed readers do not load.
Both are fixed in each feed once its entries are in, before it is written.
"""

import re

from pelican import signals

__all__ = ["clean_feed", "for_feed_readers", "register"]

TYPOGRIFY_SPAN = re.compile(r'<span class="(?:caps|amp|dquo|quo|pull-[\w-]+|push-[\w-]+)">(.*?)</span>', re.S)


def for_feed_readers(html: str) -> str:
    """`html` without typogrify's spans (their text stays)."""
    return TYPOGRIFY_SPAN.sub(r"\1", html)


def clean_feed(context, feed) -> None:
    """Mark every guid as not a permalink and take typogrify's spans out of the entries."""
    for entry in feed.items:
        entry["unique_id_is_permalink"] = False  # the guid is a tag: URI, stable but not a URL
        for key in ("description", "content"):
            if entry.get(key):
                entry[key] = for_feed_readers(entry[key])


def register() -> None:
    signals.feed_generated.connect(clean_feed)
