"""Every Pelican and Python-Markdown internal the plugin relies on, each behind one wrapper.

No public hook does these things. `check()` says, in words, which of them an
upgrade changed; a test calls it, so an upgrade that breaks one fails
loudly there rather than quietly in a build.

- `Content._content` and the memo cache of `Content.get_content`: the
  rendered HTML of a post, replaced once its blocks have run.
- `MarkdownReader._md`, `._source_path` and `._parse_metadata`: our reader
  is Pelican's `MarkdownReader.read` with one Markdown instance kept for
  every file, so it sets what `read` sets and parses metadata as it does.
- Python-Markdown's preprocessor priorities: the collector must run after
  whitespace normalisation and before the metadata header is removed; and
  the inline treeprocessor's, which the placeholders' paragraphs are marked
  atomic before; and the raw HTML postprocessor's, which puts the
  placeholders back into the text before they are moved into their blocks.
- Python-Markdown's whitespace normalisation and its metadata rules, which
  extract/collect.py follows without Markdown (`normalise_whitespace`, the
  header's regular expressions): the command line and pytest must find the
  blocks, their lines and the header a build finds.

Pelican behaviour relied on without a wrapper, each used in one place:
`pelican.log.console`, the console Pelican prints through (present/console.py);
a SystemExit raised in a signal handler ends the build with its message and
no traceback (integrations/build.py); the first generator of
all_generators_finalized is the articles generator, and
context["generated_content"] holds every content object read
(integrations/build.py).
"""

from __future__ import annotations

import hashlib
import inspect

PELICAN_CHECKED = "4.12.0"     # the Pelican release these were read against
MARKDOWN_CHECKED = "3.11.3"    # and the Python-Markdown release
# sha256 of the source of the Pelican methods our reader stands in for (MarkdownReader.read
# and ._parse_metadata): a change there may need the same change in integrations/build.py.
READER_SOURCE = {
    "read": "1c8cfd04d8822d5708f08f3ad16acd33b34ebe9981c932d49688be7733de5985",
    "_parse_metadata": "3f01f071bbc3672d341454c22fed793740b7a1014344f6db540c2b0bb3537a21",
}
# And of the Python-Markdown code extract/collect.py follows without Markdown: a change there may
# need the same change in normalise_whitespace or in the header's rules.
STAND_IN_SOURCE = {
    "NormalizeWhitespace.run": "a99bc2f9e0d83abcd6a7155a5637176e74280f85190e3e05eb1ad20ee5366d2f",
    "MetaPreprocessor.run": "03ce995fa10c13bfa5850cdfb1f457dd33e8c2b69c94fe9c8ecf47d203d3a73f",
}
NORMALIZE_WHITESPACE, META, FENCED_CODE = "normalize_whitespace", "meta", "fenced_code_block"
COLLECTOR_PRIORITY = 29   # between normalize_whitespace (30) and meta (27); fenced_code runs at 25
META_PRIORITY = 27        # where markdown.extensions.meta registers its preprocessor
INLINE = "inline"         # the treeprocessor that applies the inline patterns, at 20
ATOMIC_PRIORITY = 21      # the placeholders are marked atomic just before it
RAW_HTML = "raw_html"     # the postprocessor that puts stashed HTML back, at 30
MOVE_PRIORITY = 25        # the placeholders are moved into their blocks after it


def raw_html(content) -> str:
    """A content object's HTML as the reader made it, before Pelican's URL replacement."""
    return content._content


def replace_html(content, html: str) -> None:
    """Set a content object's HTML, forgetting any copy Pelican memoized before."""
    content._content = html
    cache = type(content).get_content.cache
    for key in [key for key in cache if key and key[0] is content]:
        del cache[key]


def start_reading(reader, md, source_path) -> None:
    """What MarkdownReader.read sets before converting a file."""
    reader._source_path = source_path
    reader._md = md


def parse_metadata(reader, meta: dict) -> dict:
    """Pelican's own parsing of the header (it converts formatted fields with reader._md)."""
    return reader._parse_metadata(meta)


def source_digest(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def check() -> list:
    """What an upgrade changed of the internals above, one sentence each; empty when all hold."""
    import markdown
    import pelican
    import pelican.log
    from markdown.preprocessors import Preprocessor
    from pelican.contents import Content
    from pelican.readers import MarkdownReader

    changed = []
    if not hasattr(pelican.log, "console"):
        changed.append("pelican.log.console is gone: present/console.py prints through it")
    if not hasattr(Content.get_content, "cache"):
        changed.append("pelican.contents.Content.get_content is no longer memoized with a .cache dict; "
                       "internals.replace_html cannot forget the old HTML")
    for name, digest in READER_SOURCE.items():
        if source_digest(getattr(MarkdownReader, name)) != digest:
            changed.append(f"pelican.readers.MarkdownReader.{name} is not the one of Pelican {PELICAN_CHECKED} "
                           f"(now {pelican.__version__}): compare it with SnippetMarkdownReader.read in "
                           f"integrations/build.py, then record its new digest in internals.READER_SOURCE")
    md = markdown.Markdown(extensions=["fenced_code", "meta"])
    md.preprocessors.register(Preprocessor(md), "collector", COLLECTOR_PRIORITY)
    order = [NORMALIZE_WHITESPACE, "collector", META, FENCED_CODE]
    indexes = [md.preprocessors.get_index_for_name(name) if name in md.preprocessors else -1 for name in order]
    if -1 in indexes or indexes != sorted(indexes):
        changed.append(f"Python-Markdown's preprocessors are not in the order {order} any more (Markdown "
                       f"{MARKDOWN_CHECKED} was; now {markdown.__version__}): internals.COLLECTOR_PRIORITY "
                       f"must put the collector after whitespace normalisation and before the metadata header")
    inline = md.treeprocessors.get_index_for_name(INLINE) if INLINE in md.treeprocessors else -1
    md.treeprocessors.register(Preprocessor(md), "atomic", ATOMIC_PRIORITY)
    if inline == -1 or md.treeprocessors.get_index_for_name("atomic") > md.treeprocessors.get_index_for_name(INLINE):
        changed.append(f"Python-Markdown's inline treeprocessor is not named {INLINE!r} or no longer runs after "
                       f"priority {ATOMIC_PRIORITY}: internals.ATOMIC_PRIORITY must put the placeholders' "
                       "paragraphs before it")
    changed += _stand_ins(md)
    md.postprocessors.register(Preprocessor(md), "move", MOVE_PRIORITY)
    raw_html = md.postprocessors.get_index_for_name(RAW_HTML) if RAW_HTML in md.postprocessors else -1
    if raw_html == -1 or md.postprocessors.get_index_for_name("move") < raw_html:
        changed.append(f"Python-Markdown's raw HTML postprocessor is not named {RAW_HTML!r} or no longer runs "
                       f"before priority {MOVE_PRIORITY}: internals.MOVE_PRIORITY must come after it, once the "
                       "placeholders are back in the text")
    return changed


# Whitespace Python-Markdown normalises: STX and ETX, Windows and old Mac line ends, tabs, lines of spaces.
_WHITESPACE_SAMPLE = "Title: x\r\n\tkey: \u0002a\u0003\r\n   \nb\rc\td\n  \t\n```python\n\tprint(1)\n```"


def _stand_ins(md) -> list:
    """What of Python-Markdown extract/collect.py follows without it, and no longer matches."""
    from markdown.extensions import meta
    from markdown.preprocessors import NormalizeWhitespace

    from .extract import collect

    changed = []
    for name, function in (("NormalizeWhitespace.run", NormalizeWhitespace.run),
                           ("MetaPreprocessor.run", meta.MetaPreprocessor.run)):
        if source_digest(function) != STAND_IN_SOURCE[name]:
            changed.append(f"Python-Markdown's {name} is not the one of Markdown {MARKDOWN_CHECKED}: compare it "
                           f"with extract/collect.py (normalise_whitespace, _header), then record its new digest "
                           f"in internals.STAND_IN_SOURCE")
    theirs = md.preprocessors[NORMALIZE_WHITESPACE].run(_WHITESPACE_SAMPLE.split("\n"))
    if collect.normalise_whitespace(_WHITESPACE_SAMPLE) != theirs:
        changed.append(f"Python-Markdown's {NORMALIZE_WHITESPACE} preprocessor no longer does what "
                       "extract/collect.py's normalise_whitespace does: the command line would find other lines")
    pairs = [(meta.META_RE, collect._META), (meta.META_MORE_RE, collect._META_MORE),
             (meta.BEGIN_RE, collect._META_BEGIN), (meta.END_RE, collect._META_END)]
    if any((theirs.pattern, theirs.flags) != (ours.pattern, ours.flags) for theirs, ours in pairs):
        changed.append("markdown.extensions.meta reads the header by other rules than extract/collect.py's "
                       "_META expressions: the plugin would read another header than Pelican")
    return changed
