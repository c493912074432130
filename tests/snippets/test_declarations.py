"""A post's header declarations (extract/collect.py): Requires-Python and Dependencies, named after PEP 723.

Each is read from the header as Python-Markdown's meta reads it, checked with
packaging, and every mistake is a `file:line` problem of the post.
"""

import subprocess
import sys

import pytest

from pelican_snippets.extract.collect import read_document

from .helpers import ROOT, fence

SOURCE = "content/posts/d.md"


def post(*header, body=None):
    body = fence("print(1)") if body is None else body
    return "Title: Declarations\nDate: 2024-06-01\n" + "".join(line + "\n" for line in header) + "\n" + body


def read(*header, **kwargs):
    return read_document(post(*header, **kwargs), SOURCE)


def errors(*header):
    return [problem.error_line() for problem in read(*header).problems]


def test_a_post_without_declarations_runs_everywhere_with_nothing_installed():
    document = read("Tags: python, tips")
    assert (document.requires_python, document.dependencies, document.header_lines) == ("", (), {})
    assert document.problems == []


@pytest.mark.parametrize("value, stored", [
    (">=3.11", ">=3.11"),
    (">= 3.11", ">=3.11"),
    (">=3.10,<3.14", "<3.14,>=3.10"),
    ("==3.12.*", "==3.12.*"),
    ("~=3.12.0", "~=3.12.0"),
])
def test_requires_python(value, stored):
    document = read("Summary: s", f"Requires-Python: {value}")
    assert document.requires_python == stored
    assert document.header_lines == {"requires-python": 4}
    assert document.problems == []


def test_header_keys_are_case_insensitive_and_values_may_continue_on_indented_lines():
    document = read("requires-python: >=3.10,", "    <3.14", "DEPENDENCIES: numpy>=2,", "    scikit-learn")
    assert document.requires_python == "<3.14,>=3.10"
    assert document.dependencies == ("numpy>=2", "scikit-learn")
    assert document.header_lines == {"requires-python": 3, "dependencies": 5}


@pytest.mark.parametrize("value, message", [
    ("3.11", "Requires-Python: '3.11' has no operator; write >=3.11 (that version and later) or ==3.11.* "
             "(that version only)"),
    (">=3.x", "Requires-Python: '>=3.x' is not a valid version condition; write PEP 440 specifiers, e.g. "
              ">=3.11 or >=3.10,<3.14"),
    ("python>=3.11", "Requires-Python: 'python>=3.11' is not a valid version condition; write PEP 440 specifiers, "
                     "e.g. >=3.11 or >=3.10,<3.14"),
    ("", "Requires-Python: names no versions; write PEP 440 specifiers, e.g. >=3.11 or >=3.10,<3.14"),
])
def test_an_invalid_requires_python_is_a_problem_at_its_line(value, message):
    document = read("Summary: s", f"Requires-Python: {value}".rstrip())
    assert [problem.error_line() for problem in document.problems] == [f"{SOURCE}:4: error: {message}"]
    assert document.requires_python == ""


@pytest.mark.parametrize("value, stored", [
    ("numpy>=2, scikit-learn", ("numpy>=2", "scikit-learn")),
    ("numpy>=2,<3, scikit-learn", ("numpy<3,>=2", "scikit-learn")),       # <3 belongs to numpy
    ("numpy >=2, !=2.1.0 ,~=2.0", ("numpy!=2.1.0,>=2,~=2.0",)),
    ("pandas (>=2, <3)", ("pandas<3,>=2",)),
    ("scikit-learn[alldeps, tests]", ("scikit-learn[alldeps,tests]",)),
    ('tomli; python_version < "3.11", rich', ('tomli; python_version < "3.11"', "rich")),
    ("numpy, numpy; sys_platform == 'win32'", ("numpy", 'numpy; sys_platform == "win32"')),  # markers differ
    ("zlib-ng, attrs, cattrs", ("zlib-ng", "attrs", "cattrs")),                                # written order
])
def test_dependencies(value, stored):
    document = read(f"Dependencies: {value}")
    assert document.dependencies == stored
    assert document.header_lines == {"dependencies": 3}
    assert document.problems == []


def test_an_invalid_requirement_is_a_problem_naming_it_and_the_others_are_kept():
    document = read("Dependencies: numpy>=2,", "    scikit learn, rich")
    assert [problem.error_line() for problem in document.problems] == [
        f"{SOURCE}:4: error: Dependencies: 'scikit learn' is not a valid requirement (Expected semicolon (after "
        "name with no version specifier) or end); write PEP 508 requirements separated by commas, e.g. "
        "numpy>=2, scikit-learn"]
    assert document.dependencies == ("numpy>=2", "rich")


@pytest.mark.parametrize("value, message", [
    (">=2", "Dependencies: '>=2' is not a valid requirement (Expected package name at the start of dependency "
            "specifier)"),
    ("numpy==", "Dependencies: 'numpy==' is not a valid requirement ("),
    ("numpy[fast", "Dependencies: 'numpy[fast' is not a valid requirement ("),
])
def test_malformed_requirements(value, message):
    assert errors(f"Dependencies: {value}")[0].startswith(f"{SOURCE}:3: error: {message}")


def test_the_same_package_twice_is_a_problem():
    assert errors("Dependencies: numpy>=2, scikit-learn, NumPy<3") == [
        f"{SOURCE}:3: error: Dependencies: 'NumPy' is listed twice (also 'numpy>=2'); give it once, with all its "
        "versions, e.g. NumPy>=2,<3"]


def test_a_declaration_given_twice_is_a_problem():
    assert errors("Requires-Python: >=3.10", "Requires-Python: >=3.11") == [
        f"{SOURCE}:4: error: Requires-Python: is given twice (first at line 3)"]


@pytest.mark.parametrize("key, ours", [
    ("Requires-Pyhton", "Requires-Python"),
    ("Requires_Python", "Requires-Python"),
    ("Require-Python", "Requires-Python"),
    ("Dependency", "Dependencies"),
    ("Dependecies", "Dependencies"),
    ("Snippet-inputs", "Snippet_inputs"),
])
def test_a_near_miss_of_our_keys_is_a_problem(key, ours):
    assert errors("Tags: a", f"{key}: x") == [f"{SOURCE}:4: error: unknown header {key!r} (did you mean {ours!r}?)"]


def test_pelicans_own_keys_are_fine():
    keys = ["Category", "Tags", "Slug", "Authors", "Summary", "Modified", "Status", "Template", "Lang",
            "Translation", "Save_as", "Url", "Description", "Requires", "Python", "Series"]
    assert errors(*(f"{key}: x" for key in keys)) == []


def test_only_the_header_is_read():
    body = "Requires-Python: 3.11\nDependency: x\n\n" + fence("print(1)")
    document = read_document(post(body=body), SOURCE)
    assert (document.requires_python, document.problems) == ("", [])


def test_a_yaml_style_header_is_read_as_python_markdown_reads_it():
    text = "---\nTitle: Y\nRequires-Python: >=3.12\n---\n\n" + fence("print(1)")
    document = read_document(text, SOURCE)
    assert document.requires_python == ">=3.12" and document.header_lines == {"requires-python": 3}


def test_a_post_whose_header_is_wrong_is_reported_by_a_pelican_build(tmp_path):
    """Pelican's reader uses the same collector, so a build stops with the same `file:line` error."""
    from .helpers import build, settings_file

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "d.md").write_text(post("Summary: s", "Requires-Python: 3.11"))
    settings = settings_file(tmp_path / "conf.py", "SNIPPETS = {**SNIPPETS, 'on_failure': 'fail'}\n")
    finished = build(content, tmp_path / "output", settings)
    assert finished.returncode != 0
    assert f"{content / 'posts' / 'd.md'}:4: error: Requires-Python: '3.11' has no operator" in \
        finished.stdout + finished.stderr


def test_packaging_is_imported_only_for_a_post_that_declares_versions():
    code = ("import sys; from pelican_snippets.extract.collect import read_document\n"
            "read_document('Title: T\\nTags: a\\n\\n```python\\nprint(1)\\n```\\n```output\\n1\\n```\\n', 'p.md')\n"
            "assert 'packaging' not in sys.modules and 'difflib' not in sys.modules, sorted(sys.modules)\n"
            "read_document('Title: T\\nRequires-Python: >=3.11\\n\\ntext\\n', 'p.md')\n"
            "assert 'packaging.specifiers' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_markdown_is_not_imported_to_read_a_post():
    """The command line and pytest find the blocks without Python-Markdown (internals.check()
    keeps its rules and ours alike): importing it would delay their first run."""
    code = ("import sys; from pelican_snippets.extract.collect import read_document\n"
            "document = read_document('Title: T\\nSnippet_inputs: a.txt\\n\\n```python\\nprint(1)\\n```\\n', 'p.md')\n"
            "assert document.blocks and document.inputs\n"
            "assert not [name for name in sys.modules if name.startswith('markdown')], sorted(sys.modules)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("header", [
    ["Snippet_inputs: a.txt, b.txt"],
    ["Snippet_inputs: a.txt,", "    b.txt"],
    ["Snippet_inputs: a.txt", "    b.txt"],
])
def test_inputs_are_separated_by_commas_or_lines(header, tmp_path):
    document = read_document(post(*header), str(tmp_path / "d.md"))
    assert document.inputs == (str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))


def test_a_pelican_build_reads_the_inputs_the_command_line_reads(tmp_path):
    """Pelican hands the reader one line's value as a string and several as a list: both
    are split at commas, as read_document splits them."""
    from .helpers import build, settings_file

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    for name, text in (("a.txt", "alpha"), ("b.txt", "beta"), ("c.txt", "gamma")):
        (content / "posts" / name).write_text(text)
    def reading(*names):
        return fence(f"print(*(open(name).read() for name in {names!r}))")

    one = post("Snippet_inputs: a.txt, b.txt", body=reading("a.txt", "b.txt") + "\n" + fence("alpha beta", "output"))
    two = post("Snippet_inputs: a.txt,", "    b.txt, c.txt",
               body=reading("a.txt", "b.txt", "c.txt") + "\n" + fence("alpha beta gamma", "output"))
    (content / "posts" / "one.md").write_text(one.replace("Title: Declarations", "Title: One"))
    (content / "posts" / "two.md").write_text(two.replace("Title: Declarations", "Title: Two"))
    settings = settings_file(tmp_path / "conf.py", "SNIPPETS = {**SNIPPETS, 'on_failure': 'fail', 'pythons': []}\n")
    finished = build(content, tmp_path / "output", settings)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "2 passed" in finished.stdout + finished.stderr


def test_a_condition_naming_a_dot_zero_release_alone_is_refused_with_the_wildcard():
    """`==3.12` is 3.12.0 only: no 3.12.1 would ever meet it, and its output would go unchecked."""
    document = read_document("Title: T\nRequires-Python: ==3.12\n\n```python\nprint(1)\n```\n\n"
                             "```output python==3.12\n1\n```\n", "content/posts/z.md")
    assert [problem.error_line() for problem in document.problems] == [
        "content/posts/z.md:2: error: Requires-Python: ==3.12 names Python 3.12.0 alone; write ==3.12.* for "
        "every 3.12.x",
        "content/posts/z.md:8: error: output fence: 'python==3.12' names Python 3.12.0 alone; write "
        "python==3.12.* for every 3.12.x"]
