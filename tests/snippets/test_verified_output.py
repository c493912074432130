"""Part 2 of the plugin's contract: outputs checked, doctest sessions, hidden lines, shell blocks."""

import markdown
from conftest import fence, read_document, run_markdown
from snippets.compare import judge, matches
from snippets.reader import PRIORITY, SnippetCollector


def judged(text, **config):
    return {number: judge(result) for number, result in run_markdown(text, **config).items()}


def test_output_fence_that_matches():
    text = fence("for i in range(3):\n    print(i, 'x')") + "\n" + fence("0 x\n1 x   \n2 x\n\n", "output")
    assert judged(text)[1].status == "passed"


def test_output_fence_mismatch_is_a_failure_at_the_fence_with_a_diff():
    text = "Intro.\n\n" + fence("print('hello')\nprint('world')") + "\n" + fence("hello\nthere", "output")
    result = judged(text)[1]
    assert result.status == "failed"
    assert result.error_line() == "content/posts/t.md:8: error: python block 1 printed something other than the expected output"
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


def test_an_output_fence_that_follows_nothing_is_a_problem():
    document = read_document("Text.\n\n" + fence("42", "output"), "p.md")
    assert document.problems == [(3, "an output fence must come right after the python or shell block whose output it shows (only blank lines between them)")]


def test_an_output_fence_after_prose_is_not_attached():
    document = read_document(fence("print(1)") + "\nSome prose.\n\n" + fence("1", "output"), "p.md")
    assert document.blocks[0].expected is None and document.problems


def test_pycon_session_passes_and_shares_the_post_namespace():
    text = fence("base = 40") + "\n" + fence(">>> base + 2\n42\n>>> print('a\\nb')\na\nb", "pycon") + "\n" + fence("print(base)")
    results = judged(text)
    assert [results[n].status for n in (1, 2, 3)] == ["passed"] * 3


def test_pycon_wrong_output_points_at_the_example():
    text = "Intro.\n\n" + fence(">>> 1 + 1\n2\n>>> 2 * 3\n7", "pycon")
    result = judged(text)[1]
    assert result.status == "failed"
    assert result.error_line() == "content/posts/t.md:6: error: pycon block 1 example at line 6 printed something else"
    assert "Expected:\n    7\nGot:\n    6" in result.details


def test_pycon_exception_and_expected_traceback():
    ok = fence(">>> {}['k']\nTraceback (most recent call last):\n  ...\nKeyError: 'k'", "pycon")
    assert judged(ok)[1].status == "passed"
    bad = judged(fence(">>> undefined_name", "pycon"))[1]
    assert bad.message == "example at line 2 raised NameError: name 'undefined_name' is not defined"


def test_pycon_ellipsis_option():
    text = fence(">>> object()\n<object object at ...>", "pycon ellipsis")
    assert judged(text)[1].status == "passed"


def test_hidden_lines_run_but_are_not_shown():
    text = fence("value = 6 * 7\nassert value == 42  # hide\nprint(value)")
    assert judged(text)[1].stdout == "42\n"
    document = read_document(text, "p.md")
    md = markdown.Markdown(extensions=["fenced_code"])
    md.preprocessors.register(SnippetCollector(md, document, {"python"}), "snippets", PRIORITY)
    html = md.convert(text)
    assert "assert" not in html and "value" in html


def test_a_hidden_assertion_that_fails_fails_the_block():
    result = judged(fence("value = 41\nassert value == 42, 'wrong'  # hide"))[1]
    assert result.message == "raised AssertionError: wrong"


def test_shell_blocks_run_only_when_asked():
    assert read_document(fence("rm -rf /", "bash"), "p.md").blocks == []
    assert read_document(fence("echo hi", "bash run"), "p.md").blocks[0].kind == "shell"


def test_shell_block_shares_the_working_directory_with_python_blocks():
    text = fence("echo 'made by bash' > note.txt\nls", "bash run") + "\n" + fence("print(open('note.txt').read().strip())")
    results = judged(text)
    assert results[1].status == "passed" and results[1].stdout == "note.txt\n"
    assert results[2].stdout == "made by bash\n"


def test_shell_block_failure_stops_at_the_failing_command():
    result = judged(fence("echo start\nfalse\necho never", "bash run"))[1]
    assert result.status == "failed"
    assert result.message == "exited with status 1"
    assert result.stdout == "start\n"


def test_shell_block_output_fence_and_timeout():
    assert judged(fence("printf 'a\\nb\\n'", "bash run") + "\n" + fence("a\nb", "output"))[1].status == "passed"
    result = judged(fence("sleep 30", "bash run timeout=0.5"))[1]
    assert result.message.startswith("timed out after 0.5 s")


def test_console_transcript_runs_the_commands_and_checks_the_rest():
    good = fence("$ echo one\none\n$ printf 'two\\n'\ntwo", "console run")
    assert judged(good)[1].status == "passed"
    bad = judged(fence("$ echo one\nuno", "console run"))[1]
    assert bad.status == "failed" and "+one" in bad.details


def test_options_are_checked_per_kind():
    document = read_document(fence("echo hi", "bash run raises=ValueError"), "p.md")
    assert "option not valid for shell blocks: 'raises'" in document.blocks[0].problem


def test_declared_inputs_are_copied_next_to_the_blocks(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    post = tmp_path / "post.md"
    post.write_text("Title: T\nSnippet_inputs: data.csv\n\n" + fence("print(open('data.csv').read().splitlines()[1])"))
    from snippets.config import Config
    from snippets.pipeline import verify_documents
    document = read_document(post.read_text(), str(post))
    verification = verify_documents([document], Config(jobs=1))
    assert verification.all_results()[0].stdout == "1,2\n"
