"""Feeds that pass the W3C Feed Validation Service and carry no typogrify markup.

Pelican uses a `tag:` URI as each RSS item's guid without marking it as not a
permalink, which the validator rejects ("guid must be a full URL, unless
isPermaLink attribute is false"). And typogrify's `<span class="caps">` and
friends only make sense with the site's CSS, which feed readers do not load.
Code blocks carry a copy button, which needs the site's script. A Writer subclass
fixes all three as each item is added.
"""

import re

from pelican import signals
from pelican.writers import Writer

TYPOGRIFY_SPAN = re.compile(r'<span class="(?:caps|amp|dquo|quo|pull-[\w-]+|push-[\w-]+)">(.*?)</span>', re.S)


COPY_BUTTON = re.compile(r'<button type="button" class="copy-button">.*?</button>', re.S)


def for_feed_readers(html):
    return COPY_BUTTON.sub("", TYPOGRIFY_SPAN.sub(r"\1", html))


class CleanFeedWriter(Writer):
    def _add_item_to_the_feed(self, feed, item):
        super()._add_item_to_the_feed(feed, item)
        entry = feed.items[-1]
        entry["unique_id_is_permalink"] = False  # the guid is a tag: URI, stable but not a URL
        for key in ("description", "content"):
            if entry.get(key):
                entry[key] = for_feed_readers(entry[key])


def get_writer(pelican_object):
    return CleanFeedWriter


def register():
    signals.get_writer.connect(get_writer)
