"""The Pelican and Python-Markdown internals the plugin relies on still are what it expects.

If one of these fails after an upgrade, the message names the internal and
what to compare: pelican_snippets/internals.py lists them all.
"""

from datetime import datetime

import markdown
from pelican.contents import Article
from pelican.readers import MarkdownReader
from pelican.settings import DEFAULT_CONFIG

from pelican_snippets import internals


def test_the_internals_are_those_of_the_pinned_releases():
    changed = internals.check()
    assert not changed, "\n".join(changed)


def test_a_changed_reader_is_reported_by_name(monkeypatch):
    monkeypatch.setitem(internals.READER_SOURCE, "read", "0" * 64)
    [message] = internals.check()
    assert message.startswith("pelican.readers.MarkdownReader.read is not the one of Pelican 4.12.0")
    assert "integrations/build.py" in message


def test_replacing_the_html_forgets_what_pelican_memoized():
    settings = {**DEFAULT_CONFIG, "SITEURL": ""}
    article = Article("<p>before</p>", metadata={"title": "T", "date": datetime(2026, 1, 1)}, settings=settings)
    assert article.content == "<p>before</p>"  # memoized now
    internals.replace_html(article, "<p>after</p>")
    assert internals.raw_html(article) == "<p>after</p>" and article.content == "<p>after</p>"


def test_the_reader_parses_metadata_as_pelican_does(tmp_path):
    settings = {**DEFAULT_CONFIG, "MARKDOWN": {"extensions": ["markdown.extensions.meta"], "output_format": "html5"}}
    reader = MarkdownReader(settings)
    md = markdown.Markdown(**settings["MARKDOWN"])
    internals.start_reading(reader, md, str(tmp_path / "p.md"))
    md.convert("Title: A *title*\nSummary: Some *words*\nTags: a, b\n\nBody.")
    metadata = internals.parse_metadata(reader, md.Meta)
    assert metadata["title"] == "A *title*"
    assert metadata["summary"] == "<p>Some <em>words</em></p>"  # a formatted field, converted by reader._md
    assert [str(tag) for tag in metadata["tags"]] == ["a", "b"]


def test_raw_html_running_after_the_placeholders_move_is_reported(monkeypatch):
    """PlaceholdersIntoPre needs the stashed HTML back in the text: raw_html must run before it."""
    import markdown.core

    build = markdown.core.build_postprocessors

    def raw_html_late(md, **kwargs):
        postprocessors = build(md, **kwargs)
        postprocessors.register(postprocessors[internals.RAW_HTML], internals.RAW_HTML, internals.MOVE_PRIORITY - 3)
        return postprocessors

    monkeypatch.setattr(markdown.core, "build_postprocessors", raw_html_late)
    [message] = internals.check()
    assert message.startswith("Python-Markdown's raw HTML postprocessor is not named 'raw_html' or no longer runs")


def test_whitespace_normalised_otherwise_than_by_python_markdown_is_reported(monkeypatch):
    """The command line normalises a post as Python-Markdown does, without it (extract/collect.py)."""
    from pelican_snippets.extract import collect

    monkeypatch.setattr(collect, "normalise_whitespace", lambda text, tab_length=4: text.split("\n"))
    [message] = internals.check()
    assert message.startswith("Python-Markdown's normalize_whitespace preprocessor no longer does what")


def test_a_header_rule_other_than_python_markdowns_is_reported(monkeypatch):
    import re

    from pelican_snippets.extract import collect

    monkeypatch.setattr(collect, "_META", re.compile(r"^(?P<key>\w+):(?P<value>.*)"))
    [message] = internals.check()
    assert message.startswith("markdown.extensions.meta reads the header by other rules")


def test_a_changed_stand_in_is_reported_by_name(monkeypatch):
    monkeypatch.setitem(internals.STAND_IN_SOURCE, "MetaPreprocessor.run", "0" * 64)
    [message] = internals.check()
    assert message.startswith("Python-Markdown's MetaPreprocessor.run is not the one of Markdown 3.11.3")
