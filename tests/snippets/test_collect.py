"""Collecting a post's blocks (extract/collect.py): what runs, what readers see, what goes with what.

The collector rewrites each fence for the highlighter, hides `# hide` lines,
attaches output fences to the block before them, and runs shell blocks only
when asked to.
"""

import markdown

from pelican_snippets.extract.collect import SnippetCollector, read_document
from pelican_snippets.internals import COLLECTOR_PRIORITY as PRIORITY

from .helpers import fence, judged


def test_options_are_removed_before_highlighting():
    text = '```python skip="Windows only" \nimport msvcrt\n```\n'
    document = read_document(text, "p.md")
    html = markdown.markdown(text, extensions=["fenced_code"])  # what plain Markdown makes of it
    assert 'language-python' not in html  # fenced_code alone cannot read our options...
    md = markdown.Markdown(extensions=["fenced_code"])  # ...so the collector rewrites the fence
    md.preprocessors.register(SnippetCollector(md, document, {"python"}), "snippets", PRIORITY)
    rendered = md.convert(text)
    assert '<code class="language-python">import msvcrt' in rendered
    assert "skip" not in rendered
    assert document.blocks[0].options.skip == "Windows only"


def test_hidden_lines_run_but_are_not_shown():
    text = fence("value = 6 * 7\nassert value == 42  # hide\nprint(value)")
    assert judged(text)[1].stdout == "42\n"
    document = read_document(text, "p.md")
    md = markdown.Markdown(extensions=["fenced_code"])
    md.preprocessors.register(SnippetCollector(md, document, {"python"}), "snippets", PRIORITY)
    html = md.convert(text)
    assert "assert" not in html and "value" in html


def test_an_output_fence_that_follows_nothing_is_a_problem():
    document = read_document("Text.\n\n" + fence("42", "output"), "p.md")
    assert [(p.line, p.message) for p in document.problems] == [
        (3, "an output fence must come right after the python or shell block whose output it shows "
            "(only blank lines between them)")]


def test_an_output_fence_after_prose_is_not_attached():
    document = read_document(fence("print(1)") + "\nSome prose.\n\n" + fence("1", "output"), "p.md")
    assert document.blocks[0].expected is None and document.problems


def test_shell_blocks_run_only_when_asked():
    assert read_document(fence("rm -rf /", "bash"), "p.md").blocks == []
    assert read_document(fence("echo hi", "bash run"), "p.md").blocks[0].kind == "shell"
