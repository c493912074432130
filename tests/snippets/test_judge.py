"""Judging what a block printed against the output fence after it (verify/judge.py), and `--update`'s
rewriting of those fences from what each Python printed (integrations/update.py, on constructed results)."""

import dataclasses

import pytest

from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.integrations.update import apply_edits, conditions, plan_edits, update_file
from pelican_snippets.matrix.interpreters import find_interpreters
from pelican_snippets.model import FAILED, NOT_APPLICABLE, PASSED, Result
from pelican_snippets.verify.judge import judge, matches
from pelican_snippets.verify.pipeline import verify_documents

from .helpers import fence, judged


def test_output_fence_that_matches():
    text = fence("for i in range(3):\n    print(i, 'x')") + "\n" + fence("0 x\n1 x   \n2 x\n\n", "output")
    assert judged(text)[1].status == "passed"


def test_output_fence_mismatch_is_a_failure_at_the_fence_with_a_diff():
    text = "Intro.\n\n" + fence("print('hello')\nprint('world')") + "\n" + fence("hello\nthere", "output")
    result = judged(text)[1]
    assert result.status == "failed"
    assert result.error_line() == (f"content/posts/t.md:8: error: python block 1 on Python {result.python_minor} "
                                   "printed something other than the expected output")
    assert "--- expected (in the post)" in result.details
    assert "-there" in result.details and "+world" in result.details


def test_ellipsis_option_allows_wildcards():
    code = "print('object at', hex(id(object())))\nprint('done')"
    assert judged(fence(code) + "\n" + fence("object at ...\ndone", "output ellipsis"))[1].status == "passed"
    assert judged(fence(code) + "\n" + fence("object at ...\ndone", "output"))[1].status == "failed"


def test_matches_rules():
    assert matches("a\nb", "a  \nb\n\n")
    assert not matches("a\nb", "a\nc")
    assert matches("start ... end", "start middle\nmore end", ellipsis=True)
    assert not matches("start ... end", "start middle", ellipsis=True)


# Several Pythons: each result is judged against the fence for the interpreter it ran on.

VERSIONED = """Title: T

```python
print(message)
```

```output
new wording
```

```output python<3.12
old wording
```
"""


def results_on(text, outputs, status=PASSED):
    """Results of block 1 of `text`, one per {python: stdout}, as the matrix makes them."""
    block = read_document(text, "content/posts/t.md").blocks[0]
    return [Result(block, status, stdout=stdout, python=python) for python, stdout in outputs.items()]


def test_each_python_is_judged_against_its_own_fence():
    judged_results = [judge(result) for result in results_on(VERSIONED, {
        "3.10.14": "old wording\n", "3.11.9": "new wording\n", "3.12.4": "new wording\n", "3.13.1": "old wording\n"})]
    assert [result.status for result in judged_results] == ["passed", "failed", "passed", "failed"]
    old_on_new, new_on_old = judged_results[3], judged_results[1]
    assert old_on_new.line == 7 and "-new wording" in old_on_new.details and "+old wording" in old_on_new.details
    assert new_on_old.line == 11 and "-old wording" in new_on_old.details  # its fence: python<3.12
    assert new_on_old.error_line().startswith("content/posts/t.md:11: error: python block 1")


def test_a_result_of_an_unknown_python_is_judged_against_the_unqualified_fence():
    assert judge(results_on(VERSIONED, {"": "new wording"})[0]).status == "passed"
    assert judge(results_on(VERSIONED, {"": "old wording"})[0]).line == 7


def test_a_python_no_fence_applies_to_prints_what_it_likes():
    text = fence("print(1)") + "\n" + fence("2", "output python>=3.13")
    assert [judge(result).status for result in results_on(text, {"3.12.1": "1", "3.13.0": "1"})] == [
        "passed", "failed"]


def test_a_console_transcript_is_judged_as_before_on_every_python():
    text = fence("$ echo hi\nhi", "console run")
    assert [judge(result).status for result in results_on(text, {"3.10.1": "hi\n", "3.13.0": "ho\n"})] == [
        "passed", "failed"]


# --update on several Pythons (integrations/update.py): what changes, and where new fences go.

def update(text, outputs, status=PASSED):
    """The post after `--update`, given what block 1 printed on each Python; and the lines reported."""
    edits = plan_edits(results_on(text, outputs, status))
    return apply_edits(text.encode(), edits).decode(), sorted({edit.line for edit in edits})


POST = "Title: T\n\n" + fence("print(f())") + "\n" + fence("same", "output") + "\nAfter.\n"


def test_nothing_changes_when_every_python_prints_what_its_fence_says():
    assert update(POST, {"3.10.1": "same", "3.13.0": "same\n"}) == (POST, [])


def test_a_fence_all_its_pythons_disagree_with_alike_is_rewritten():
    assert update(POST, {"3.10.1": "other\n", "3.12.1": "other\n"}) == (POST.replace("same", "other"), [7])


def test_the_pythons_that_differ_get_a_fence_of_their_own_after_the_last_one():
    text, lines = update(POST, {"3.10.1": "same", "3.11.2": "same", "3.12.3": "same", "3.13.0": "changed"})
    assert text == POST.replace("```\n\nAfter.", "```\n\n```output python==3.13.*\nchanged\n```\n\nAfter.")
    assert lines == [10]   # it goes in at the line after the block's last fence


def test_the_majority_keeps_the_fence_and_consecutive_minors_share_one():
    text, _ = update(POST, {"3.10.1": "a", "3.11.2": "a", "3.12.3": "b", "3.13.0": "b", "3.14.0": "b"})
    assert text == POST.replace("same\n```\n", "b\n```\n\n```output python>=3.10,<3.12\na\n```\n")


def test_a_tie_keeps_what_the_fence_says():
    text, _ = update(POST, {"3.10.1": "new", "3.13.0": "same"})
    assert text == POST.replace("same\n```\n", "same\n```\n\n```output python==3.10.*\nnew\n```\n")


def test_a_tie_between_new_outputs_goes_to_the_lowest_python():
    text, lines = update(POST, {"3.12.1": "twelve", "3.13.0": "thirteen"})
    assert text == POST.replace("same\n```\n", "twelve\n```\n\n```output python==3.13.*\nthirteen\n```\n")
    assert lines == [7, 10]


def test_pythons_that_still_match_keep_the_text_and_its_ellipsis_in_a_fence_of_their_own():
    text = fence("print(f())") + "\n" + fence("at 0x...", "output ellipsis")
    updated, _ = update(text, {"3.10.1": "at 0x1f", "3.12.0": "moved", "3.13.0": "moved"})
    assert updated == fence("print(f())") + "\n" + fence("moved", "output ellipsis") + "\n" + fence(
        "at 0x...", "output ellipsis python==3.10.*")


def test_a_new_fence_for_a_qualified_one_goes_before_it_so_that_it_applies():
    text = fence("print(f())") + "\n" + fence("new", "output") + "\n" + fence("old", "output python<3.12") + "X\n"
    updated, lines = update(text, {"3.9.1": "old", "3.10.1": "old", "3.11.9": "older", "3.12.0": "new"})
    assert updated == (fence("print(f())") + "\n" + fence("new", "output") + "\n" +
                       fence("older", "output python==3.11.*") + "\n" + fence("old", "output python<3.12") + "X\n")
    assert lines == [9]
    block = read_document(updated, "p.md").blocks[0]
    assert [block.expected_on(version).text for version in ("3.10.1", "3.11.9", "3.12.0")] == ["old", "older", "new"]


def test_a_block_that_failed_on_one_python_is_left_alone():
    results = results_on(POST, {"3.10.1": "x", "3.13.0": "y"})
    results[0] = dataclasses.replace(results[0], status=FAILED, message="raised NameError")
    assert plan_edits(results) == []


def test_pythons_whose_run_did_not_pass_have_no_say():
    results = results_on(POST, {"3.10.1": "x", "3.12.0": "y", "3.13.0": "y"})
    results[0] = dataclasses.replace(results[0], status=NOT_APPLICABLE)
    assert [(edit.text, edit.when) for edit in plan_edits(results)] == [("y", "")]


def test_a_block_without_an_output_fence_is_left_alone():
    assert plan_edits(results_on(fence("print(1)"), {"3.10.1": "1", "3.13.0": "2"})) == []
    assert plan_edits(results_on(fence("$ echo hi\nhi", "console run"), {"3.13.0": "ho"})) == []


def test_a_python_no_fence_applies_to_is_left_alone():
    text = fence("print(1)") + "\n" + fence("2", "output python>=3.13")
    assert update(text, {"3.12.1": "1", "3.13.0": "2"}) == (text, [])


def test_new_fences_keep_the_file_s_line_endings_its_fence_characters_and_a_missing_last_newline():
    text = "Title: T\r\n\r\n~~~~python\r\nprint(f())\r\n~~~~\r\n\r\n~~~~output\r\nsame\r\n~~~~"
    updated, _ = update(text, {"3.10.1": "same", "3.13.0": "```\nfenced"})
    assert updated == text + "\r\n\r\n~~~~output python==3.13.*\r\n```\r\nfenced\r\n~~~~\r\n"


def test_a_new_fence_is_longer_than_a_fence_line_in_its_text():
    updated, _ = update(POST, {"3.10.1": "same", "3.13.0": "```\nquoted\n```"})
    assert "\n````output python==3.13.*\n```\nquoted\n```\n````\n" in updated
    assert read_document(updated, "p.md").blocks[0].expected_on("3.13.0").text == "```\nquoted\n```"


@pytest.mark.parametrize("versions, specifiers", [
    (["3.13.0"], ["==3.13.*"]),
    (["3.10.4", "3.11.9", "3.13.1"], [">=3.10,<3.12", "==3.13.*"]),
    (["3.12.1", "3.10.2"], ["==3.10.*", "==3.12.*"]),
    (["3.9.0", "3.10.0", "3.11.0", "3.12.0"], [">=3.9,<3.13"]),
    ([""], []),
])
def test_conditions_select_exactly_the_minor_versions(versions, specifiers):
    assert conditions(versions) == specifiers


MATRIX = {minor: found for minor, found in find_interpreters().items() if minor in ("3.10", "3.12")}


@pytest.mark.skipif(len(MATRIX) < 2, reason="needs Python 3.10 and 3.12 on this machine")
def test_update_on_two_pythons_writes_the_fence_of_the_one_whose_output_changed(tmp_path):
    post = tmp_path / "p.md"
    code = 'import sys\nprint("new" if sys.version_info >= (3, 12) else "old")'
    original = "Title: T\n\n" + fence(code) + "\n" + fence("old", "output") + "\nAfter.\n"
    post.write_text(original)
    config = Config(jobs=1, cache_dir=str(tmp_path / "cache"), pythons=("3.10", "3.12"))
    lines, failures, problems = update_file(post, config)
    assert (lines, failures, problems) == ([11], [], [])
    assert post.read_text() == original.replace("```\n\nAfter.", "```\n\n```output python==3.12.*\nnew\n```\n\nAfter.")
    assert update_file(post, config) == ([], [], [])   # both Pythons now print what their fence says
    verification = verify_documents([read_document(post.read_text(), "p.md")], config)
    assert sorted((result.python_minor, result.status) for result in verification.all_results()) == [
        ("3.10", "passed"), ("3.12", "passed")]
