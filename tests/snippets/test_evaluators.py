"""What a block's outcome is (runtime/evaluators.py), each with real code in a real child process.

Python blocks passing, failing, raising as expected or not, not compiling,
calling sys.exit; the post's namespace; pycon sessions; shell blocks and
console transcripts.
"""


from pelican_snippets.client.requests import job_request
from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.plan import plan_document
from pelican_snippets.runtime.wire import compile_block

from .helpers import ON_THIS, fence, judged


# Python blocks
def test_a_passing_block(run):
    result = run(fence("print('hello')"))[1]
    assert result.status == "passed"
    assert result.stdout == "hello\n"


def test_a_failing_block_points_at_its_line_in_the_post(run):
    text = "Title: T\n\nIntro.\n\n" + fence("x = 1\nprint(y)")
    result = run(text)[1]
    assert result.status == "failed"
    assert result.error_line() == (
        f"content/posts/t.md:7: error: python block 1 {ON_THIS} raised NameError: name 'y' is not defined")
    assert 'File "content/posts/t.md", line 7, in <module>' in result.details
    assert "    print(y)" in result.details  # the source line is quoted
    assert "pelican_snippets" not in result.details and "_snippets_runtime" not in result.details


def test_traceback_through_a_function_defined_in_an_earlier_block(run):
    text = fence("def f():\n    return 1 / 0") + "\n" + fence("f()")
    result = run(text)[2]
    assert result.status == "failed"
    assert result.line == 3  # the deepest frame in the post: inside f, defined in block 1
    assert 'line 7, in <module>' in result.details and 'line 3, in f' in result.details


def test_the_posts_lines_are_there_for_tracebacks_inspect_and_warnings(run):
    """linecache gets the post's Python lines, each at its own line number in the post."""
    text = (fence("def f():\n    return 1 / 0") + "\n"
            + fence("import inspect, warnings\nprint(inspect.getsource(f), end='')\n"
                    "warnings.warn('careful')") + "\n" + fence("f()"))
    results = run(text)
    assert results[2].stdout == "def f():\n    return 1 / 0\n"
    assert "t.md:9: UserWarning: careful\n  warnings.warn('careful')" in results[2].stderr
    assert "    f()\n" in results[3].details and "    return 1 / 0\n" in results[3].details


# Expected exceptions (`raises=`)
def test_expected_exception(run):
    results = run(fence("int('x')", 'python raises="ValueError: invalid literal.*"'))
    assert results[1].status == "passed"
    assert results[1].message.startswith("raised ValueError: invalid literal")


def test_expected_exception_by_base_class(run):
    assert run(fence("{}['k']", "python raises=LookupError"))[1].status == "passed"


def test_wrong_exception(run):
    result = run(fence("1 / 0", "python raises=ValueError"))[1]
    assert result.status == "failed"
    assert result.message == "raised ZeroDivisionError: division by zero, expected ValueError"


def test_right_exception_wrong_message(run):
    result = run(fence("raise ValueError('other')", 'python raises="ValueError: bad"'))[1]
    assert result.status == "failed"
    assert "does not match 'bad'" in result.message


def test_no_exception_when_one_was_expected(run):
    result = run(fence("x = 1", "python raises=ValueError"))[1]
    assert result.status == "failed"
    assert result.message == "did not raise ValueError"


# Blocks that do not compile
def test_syntax_error_points_at_its_line(run):
    result = run("Intro.\n\n" + fence("x = (1,\ny = 2 +"))[1]
    assert result.status == "failed"
    assert "SyntaxError" in result.message
    assert result.line in (4, 5)
    # The traceback starts at the post: the runtime's compile_block is not the author's concern.
    assert 'File "content/posts/t.md", line' in result.details
    assert "pelican_snippets" not in result.details and "compile_block" not in result.details


def test_the_build_compiles_python_blocks_as_the_worker_would(run):
    """Blocks go to the service compiled; one that does not compile goes as source."""
    text = fence("x = 1\nprint(x)") + "\n" + fence("def broken(:\n    pass") + "\n" + fence("echo hi", "bash run")
    jobs, _ = plan_document(read_document(text, "content/posts/t.md"))
    blocks = [block for job in jobs for block in job_request(job, Config())["blocks"]]
    assert blocks[0]["compiled"] == compile_block(blocks[0])
    assert blocks[1]["compiled"] is None and blocks[2]["compiled"] is None
    results = run(text)
    assert [results[number].status for number in (1, 2, 3)] == ["passed", "failed", "not run"]
    assert results[2].message.startswith("raised SyntaxError") and results[2].line == 7


# sys.exit
def test_sys_exit_zero_ends_the_block_successfully(run):
    results = run(fence("import sys\nprint('before')\nsys.exit(0)\nprint('never')") + "\n" + fence("print('next')"))
    assert results[1].status == "passed" and results[1].stdout == "before\n"
    assert results[2].status == "passed" and results[2].stdout == "next\n"


def test_sys_exit_with_another_status_fails(run):
    result = run(fence("import sys\nsys.exit(3)"))[1]
    assert result.status == "failed"
    assert result.message == "exited with status 3"


# The post's namespace, and blocks not run
def test_state_is_shared_between_blocks_of_a_post(run):
    results = run(fence("counter = 41") + "\ntext\n\n" + fence("counter += 1\nprint(counter)"))
    assert results[2].stdout == "42\n"


def test_state_is_not_shared_between_posts(run):
    run(fence("leaked = 'from the first post'"), source="content/posts/one.md")
    result = run(fence("print(leaked)"), source="content/posts/two.md")[1]
    assert result.message == "raised NameError: name 'leaked' is not defined"


def test_isolated_block_gets_a_fresh_namespace(run):
    text = (fence("shared = 1") + "\n" + fence("print('shared' in globals())", "python isolated") + "\n"
            + fence("print(shared)"))
    results = run(text)
    assert results[2].stdout == "False\n"
    assert results[3].stdout == "1\n"


def test_skipped_block_is_not_run(run):
    result = run(fence("raise SystemExit(9)", 'python skip="Windows only"'))[1]
    assert result.status == "skipped"


def test_a_failure_stops_the_rest_of_the_post(run):
    results = run(fence("1 / 0") + "\n" + fence("print('after')"))
    assert results[2].status == "not run"
    assert results[2].message == "not run: python block 1 failed before it"


# Hidden lines (`# hide`)
def test_a_hidden_assertion_that_fails_fails_the_block():
    result = judged(fence("value = 41\nassert value == 42, 'wrong'  # hide"))[1]
    assert result.message == "raised AssertionError: wrong"


# pycon sessions
def test_pycon_session_passes_and_shares_the_post_namespace():
    text = (fence("base = 40") + "\n" + fence(">>> base + 2\n42\n>>> print('a\\nb')\na\nb", "pycon") + "\n"
            + fence("print(base)"))
    results = judged(text)
    assert [results[n].status for n in (1, 2, 3)] == ["passed"] * 3


def test_pycon_wrong_output_points_at_the_example():
    text = "Intro.\n\n" + fence(">>> 1 + 1\n2\n>>> 2 * 3\n7", "pycon")
    result = judged(text)[1]
    assert result.status == "failed"
    assert result.error_line() == (f"content/posts/t.md:6: error: pycon block 1 {ON_THIS} example at line 6 "
                                   "printed something else")
    assert "Expected:\n    7\nGot:\n    6" in result.details


def test_pycon_exception_and_expected_traceback():
    ok = fence(">>> {}['k']\nTraceback (most recent call last):\n  ...\nKeyError: 'k'", "pycon")
    assert judged(ok)[1].status == "passed"
    bad = judged(fence(">>> undefined_name", "pycon"))[1]
    assert bad.message == "example at line 2 raised NameError: name 'undefined_name' is not defined"


def test_pycon_ellipsis_option():
    text = fence(">>> object()\n<object object at ...>", "pycon ellipsis")
    assert judged(text)[1].status == "passed"


# Shell blocks and console transcripts
def test_shell_block_shares_the_working_directory_with_python_blocks():
    text = (fence("echo 'made by bash' > note.txt\nls note.txt", "bash run") + "\n"
            + fence("print(open('note.txt').read().strip())"))
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
