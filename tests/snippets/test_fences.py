"""Finding fenced blocks (extract/fences.py, through read_document).

The lines we report are the lines in the file, and the blocks we find are
exactly the blocks Python-Markdown renders.
"""

import markdown
import pytest

from pelican_snippets.extract.collect import read_document

HEADER = "Title: T\nDate: 2024-01-01\nTags: a, b\n\n"


def lines_of(document):
    return [(block.line, block.code) for block in document.blocks]


def test_line_numbers_count_the_metadata_header():
    text = HEADER + "Intro.\n\n```python\nx = 1\n```\n\nMore.\n\n```python\ny = 2\n```\n"
    assert lines_of(read_document(text, "p.md")) == [(7, "x = 1"), (13, "y = 2")]


def test_crlf_line_endings_keep_line_numbers():
    text = (HEADER + "Intro.\n\n```python\nx = 1\n```\n").replace("\n", "\r\n")
    assert lines_of(read_document(text, "p.md")) == [(7, "x = 1")]


def test_lone_cr_line_endings_keep_line_numbers():
    text = "Intro.\r\r```python\rx = 1\r```\r"
    assert lines_of(read_document(text, "p.md")) == [(3, "x = 1")]


def test_utf8_bom_is_not_part_of_the_first_line(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes(("\ufeff" + "```python\nprint('é')\n```\n").encode("utf-8"))
    document = read_document(path.read_text(encoding="utf-8"), "bom.md")
    assert lines_of(document) == [(1, "print('é')")]


def test_tabs_are_expanded_as_markdown_does():
    text = "```python\nif True:\n\tx = 1\n```\n"
    assert read_document(text, "p.md").blocks[0].code == "if True:\n    x = 1"


def test_tilde_fences_and_longer_fences():
    text = "~~~python\na = 1\n~~~\n\n````python\nb = '```'\n```\nc = 2\n````\n"
    assert lines_of(read_document(text, "p.md")) == [(1, "a = 1"), (5, "b = '```'\n```\nc = 2")]


def test_python_aliases_and_other_languages():
    text = "```py\na = 1\n```\n\n```python3\nb = 2\n```\n\n```csharp\nvar c = 3;\n```\n"
    document = read_document(text, "p.md")
    assert [(b.language, b.number) for b in document.blocks] == [("py", 1), ("python3", 2)]


@pytest.mark.parametrize("text", [
    "- item\n\n    ```python\n    in_list = 1\n    ```\n",
    "> ```python\n> quoted = 1\n> ```\n",
    "    ```python\n    indented = 1\n    ```\n",
])
def test_fences_python_markdown_does_not_render_are_not_run(text):
    """Our Markdown configuration renders no fence inside lists or blockquotes, so we run none."""
    assert read_document(text, "p.md").blocks == []
    html = markdown.markdown(text, extensions=["fenced_code"])
    assert 'class="language-python"' not in html


def test_unclosed_fence_is_a_problem_with_its_line():
    text = "Intro.\n\n```python\nx = 1\n"
    document = read_document(text, "p.md")
    assert document.blocks == []
    assert document.problems and document.problems[0].line == 3
    assert "never closed" in document.problems[0].message


def test_blocks_on_the_page_are_the_blocks_collected():
    text = HEADER + "".join(f"```python\nv{i} = {i}\n```\n\ntext\n\n" for i in range(5)) + "```text\nnot run\n```\n"
    document = read_document(text, "p.md")
    html = markdown.markdown(text, extensions=["fenced_code", "meta"])
    assert html.count('class="language-python"') == len(document.blocks) == 5


def test_an_info_string_markdown_cannot_read_is_a_problem():
    text = 'Intro.\n\n```csharp title="Program.cs"\nvar x = 1;\n```\n'
    document = read_document(text, "p.md")
    assert document.blocks == []
    assert [(p.line, p.message) for p in document.problems] == [
        (3, 'the fence ```csharp title="Program.cs" is not understood: options are read '
            "only on python, pycon, shell and output blocks; write just ```csharp")]


def test_a_fence_whose_info_is_only_an_unusual_space_is_a_problem_not_a_crash():
    document = read_document(HEADER + "```\u00a0\nx = 1\n```\n", "p.md")
    assert not document.blocks
    [problem] = document.problems
    assert problem.line == 5 and "is not understood" in problem.message
