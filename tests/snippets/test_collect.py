"""Collecting a post's blocks (extract/collect.py): what runs, what readers see, what goes with what.

The collector rewrites each fence for the highlighter, hides `# hide` lines,
attaches output fences to the block before them, and runs shell blocks only
when asked to.
"""

import pickle

import markdown

from pelican_snippets.extract.collect import new_document, read_document
from pelican_snippets.extract.processors import AtomicPlaceholders, PlaceholdersIntoPre, SnippetCollector
from pelican_snippets.internals import ATOMIC_PRIORITY, MOVE_PRIORITY
from pelican_snippets.internals import COLLECTOR_PRIORITY as PRIORITY
from pelican_snippets.model import PASSED, Expected, Result
from pelican_snippets.present.html import fill_placeholders

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


# Output fences for some Pythons only: any number after a block, at most one for every Python.

VERSIONED = """Title: Versions

```python
class Point:
    __slots__ = ("x",)
Point().y = 1
```

```output
every Python
```

```output python<3.13
before 3.13
```
```output ellipsis python>=3.11,<3.13
3.11 and 3.12 ...
```

Prose.

```bash run
echo hi
```

```output python==3.13.*
hi from 3.13
```
"""


def test_output_fences_for_some_pythons_attach_to_the_block_before_them():
    document = read_document(VERSIONED, "content/posts/v.md")
    assert document.problems == []
    python, shell = document.blocks
    assert python.expected == Expected("every Python", 9, end_line=11)
    assert python.expected_variants == (Expected("before 3.13", 13, end_line=15, when="<3.13"),
                                        Expected("3.11 and 3.12 ...", 16, True, end_line=18, when=">=3.11,<3.13"))
    assert shell.expected is None
    assert shell.expected_variants == (Expected("hi from 3.13", 26, end_line=28, when="==3.13.*"),)


def test_the_first_qualified_fence_that_holds_applies_else_the_unqualified_one():
    block = read_document(VERSIONED, "p.md").blocks[0]
    assert block.expected_on("3.10.14").text == "before 3.13"    # both qualified ones hold for 3.12: the first
    assert block.expected_on("3.12.1").text == "before 3.13"
    assert block.expected_on("3.13.0").text == "every Python"
    assert block.expected_on("").text == "every Python"           # an unknown Python: the unqualified one
    shell = read_document(VERSIONED, "p.md").blocks[1]
    assert shell.expected_on("3.12.1") is None and shell.expected_on("3.13.2").text == "hi from 3.13"


def test_output_fences_are_rendered_without_their_condition():
    document = new_document("p.md")
    md = markdown.Markdown(extensions=["fenced_code"])
    md.preprocessors.register(SnippetCollector(md, document, {"python"}), "snippets", PRIORITY)
    html = md.convert(VERSIONED)
    assert '<code class="language-output">before 3.13' in html and "python&lt;3.13" not in html


def problems(text):
    return [problem.error_line() for problem in read_document(text, "content/posts/v.md").problems]


def test_a_second_unqualified_output_fence_is_a_problem():
    text = fence("print(1)") + "\n" + fence("1", "output") + "\n" + fence("1", "output")
    assert problems(text) == [
        "content/posts/v.md:9: error: python block 1 already has an output fence for every Python (no version "
        "condition) at line 5; give this one a version condition, e.g. ```output python>=3.13"]


def test_the_same_condition_twice_is_a_problem():
    text = fence("print(1)") + "\n" + fence("1", "output python<3.13") + "\n" + fence("1", "output python<3.13.0")
    assert problems(text) == [
        "content/posts/v.md:9: error: python block 1 already has an output fence for python<3.13 at line 5"]


def test_an_invalid_condition_is_a_problem_at_its_fence():
    text = "Title: T\n\n" + fence("print(1)") + "\n" + fence("1", "output pyhton<3.13")
    assert problems(text) == [
        "content/posts/v.md:7: error: output fence: unknown version condition 'pyhton<3.13' (did you mean "
        "'python<3.13'?); write python followed by PEP 440 specifiers, e.g. python<3.13 or python>=3.11,<3.13"]
    assert read_document(text, "p.md").blocks[0].expected_variants == ()


def test_an_invalid_output_fence_does_not_detach_the_ones_after_it():
    text = (fence("print(1)") + "\n" + fence("1", "output python3.13") + "\n" + fence("1", "output python<3.13"))
    assert problems(text) == [
        "content/posts/v.md:5: error: output fence: 'python3.13' has no operator between python and the version; "
        "write python==3.13.* (that version) or python>=3.13 (that one and later)"]
    assert [e.when for e in read_document(text, "p.md").blocks[0].expected_variants] == ["<3.13"]


def test_a_qualified_output_fence_after_prose_or_a_pycon_block_is_not_attached():
    after_prose = fence("print(1)") + "\n" + fence("1", "output") + "\nProse.\n\n" + fence("1", "output python<3.13")
    after_pycon = fence(">>> 1\n1", "pycon") + "\n" + fence("1", "output python<3.13")
    message = ("an output fence must come right after the python or shell block whose output it shows "
               "(only blank lines between them)")
    assert problems(after_prose) == [f"content/posts/v.md:11: error: {message}"]
    assert problems(after_pycon) == [f"content/posts/v.md:6: error: {message}"]


def test_a_console_transcript_keeps_its_output_and_takes_no_output_fence():
    text = fence("$ echo hi\nhi", "console run") + "\n" + fence("hi", "output python<3.13")
    document = read_document(text, "content/posts/v.md")
    assert document.blocks[0].expected == Expected("hi", 1)
    assert problems(text) == ["content/posts/v.md:6: error: an output fence must come right after the python or "
                              "shell block whose output it shows (only blank lines between them)"]


def _convert_with_placeholders(text, extensions):
    """Markdown as the build's reader runs it: the collector, then placeholders moved into the blocks."""
    document = new_document("p.md")
    md = markdown.Markdown(extensions=extensions)
    collector = SnippetCollector(md, document, {"python"})
    md.preprocessors.register(collector, "snippets", PRIORITY)
    md.treeprocessors.register(AtomicPlaceholders(md, collector), "snippets", ATOMIC_PRIORITY)
    md.postprocessors.register(PlaceholdersIntoPre(md, document), "snippets", MOVE_PRIORITY)
    return document, md.convert(text)


def test_placeholders_go_inside_the_end_of_each_block_and_the_results_after_it():
    """Inside <pre>, where typogrify does not look; the results come after the block's closing tags."""
    text = fence("print(1)") + "\nBetween.\n\n" + fence("print(2)")
    document, html = _convert_with_placeholders(text, ["fenced_code", "codehilite"])
    first, second = document.blocks
    assert f"{document.placeholder(first)}</pre></div>\n<p>Between.</p>" in html
    assert html.endswith(f"{document.placeholder(second)}</pre></div>")
    assert document.closings == {1: "</pre></div>", 2: "</pre></div>"}
    results = [Result(first, PASSED, stdout="1\n"), Result(second, PASSED, stdout="2\n")]
    filled = fill_placeholders(html, document, results, show_failures=True)
    assert "<!--" not in filled
    assert filled == html.replace(document.placeholder(first), "").replace(document.placeholder(second), "")


def test_the_results_of_a_block_shown_with_its_output_follow_the_block():
    text = "```python output\nprint(6 * 7)\n```\n\nAfter.\n"
    document, html = _convert_with_placeholders(text, ["fenced_code"])  # no highlighter: a bare <pre>
    assert document.closings == {1: "</pre>"}
    filled = fill_placeholders(html, document, [Result(document.blocks[0], PASSED, stdout="42\n")], True)
    assert '</code></pre><div class="snippet-output"><p class="snippet-output-label">Output</p>' \
           '<pre><code>42</code></pre></div>\n<p>After.</p>' in filled


def test_a_document_from_an_older_plugin_in_pelicans_content_cache_is_filled_in():
    """Pelican's content cache keeps a post's document pickled; one pickled before documents
    noted closing tags has none, and its placeholders sit after their blocks."""
    document = read_document(fence("print(1)"), "p.md")
    del document.__dict__["closings"]
    old = pickle.loads(pickle.dumps(document))
    html = f"<pre><code>print(1)\n</code></pre>\n{old.placeholder(old.blocks[0])}\n<p>After.</p>"
    filled = fill_placeholders(html, old, [Result(old.blocks[0], PASSED)], show_failures=True)
    assert filled == "<pre><code>print(1)\n</code></pre>\n\n<p>After.</p>"
