"""The verdict belongs to the runner: what a block writes on the report channel does not replace it.

The worker reports on a pipe the block's own process also holds. Lines the
worker did not write (without the plan's token, out of order, repeated or
after the end) fail the block that was running, with a message saying so,
and a failure is never cached. The pipe is not inherited by what a block
starts. (A block that reads the token from the worker's memory is beyond
this: see README's threat model.)
"""

from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.verify.pipeline import verify_documents

from .helpers import fence

FORGED = ('{"event": "end", "number": 1, "status": "passed", "duration": 0.0}\\n'
          '{"event": "done"}\\n')
FORGE_THEN_RAISE = f"import os\nos.write(3, b'{FORGED}')\nraise RuntimeError('the real outcome')"
FORGE_THEN_EXIT = f"import os\nos.write(3, b'{FORGED}')\nos._exit(0)"


def test_report_shaped_lines_then_an_exception_fail_the_block(run):
    results = run(fence(FORGE_THEN_RAISE) + "\n" + fence("print('after')"))
    assert results[1].status == "failed"
    assert results[1].message.startswith("failed: its report channel carried a line without the runner's token")
    assert results[2].status == "not run"


def test_a_forged_end_and_done_then_a_silent_exit_fail_the_block(run):
    result = run(fence(FORGE_THEN_EXIT))[1]
    assert result.status == "failed" and "report channel" in result.message


def test_garbage_on_the_report_channel_fails_the_block(run):
    result = run(fence("import os\nos.write(3, b'not json at all\\n')\nprint('still here')"))[1]
    assert result.status == "failed" and "report channel" in result.message


def test_a_forged_verdict_is_never_cached(tmp_path):
    config = Config(timeout=10, jobs=1, cache_dir=str(tmp_path / "cache"))
    for _ in range(2):
        verification = verify_documents([read_document(fence(FORGE_THEN_RAISE), "content/posts/f.md")], config)
        [result] = verification.all_results()
        assert result.status == "failed" and verification.executed == 1 and verification.reused == 0


def test_what_a_block_starts_does_not_inherit_the_report_pipe(run):
    code = ("import subprocess\n"
            "subprocess.run(['sh', '-c', 'for fd in 3 4; do [ -e /proc/$$/fd/$fd ] && echo open $fd; done; "
            "echo checked'], close_fds=False)")
    result = run(fence(code))[1]
    assert result.status == "passed", result.message
    assert result.stdout == "checked\n"


def test_every_report_line_is_the_json_of_its_message():
    """The worker formats the usual lines by hand; they read back as json.loads reads any other."""
    import json

    from pelican_snippets.runtime.wire import read_report_line, report_line

    messages = [
        {"event": "start", "token": "0123abcd", "number": 3, "at": 12345.678901},
        {"event": "end", "token": "0123abcd", "number": 3, "status": "passed", "duration": 1e-05},
        {"event": "done", "token": "0123abcd"},
        {"event": "end", "token": "0123abcd", "number": 1, "status": "failed", "message": 'raised "x"\n\\',
         "details": "", "line": 0, "duration": 0.5},
        {"event": "end", "token": None, "number": True},
    ]
    for message in messages:
        line = report_line(message)
        assert line.endswith("\n") and line.count("\n") == 1
        assert json.loads(line) == message and read_report_line(line.encode()) == message
