"""How each kind of block runs and is judged, one evaluator per kind, chosen from EVALUATORS.

An evaluator runs one block in the post's process and says how it went, as
the fields of an `End` message (see wire.py). Its imports are its own and
made when it first runs: the service every child is forked from stays small.
"""

from __future__ import annotations

import os
import re
import sys
import time
import traceback

from . import outcomes
from .wire import BlockRequest, compile_block


def run_python(block: BlockRequest, namespace: dict) -> dict:
    """A Python block, executed in the post's shared namespace."""
    expected = block.get("raises")
    started = time.perf_counter()
    try:
        exec(block.get("compiled") or compile_block(block), namespace)
    except SystemExit as stop:
        elapsed = time.perf_counter() - started
        if stop.code in (None, 0):
            return _no_exception(expected, elapsed)
        return outcomes.exited(stop.code, elapsed)
    except BaseException as error:  # the block's own exception is its result
        return _exception(error, expected, block["filename"], time.perf_counter() - started)
    return _no_exception(expected, time.perf_counter() - started)


def run_session(block: BlockRequest, namespace: dict) -> dict:
    """A pycon block: each `>>>` example runs in the post's namespace; its output must match."""
    import doctest  # few posts have sessions, and doctest's imports would double the service

    first = block["first_line"]
    test = doctest.DocTestParser().get_doctest(
        block["code"], namespace, block["label"], block["filename"], first - 1)
    runner = _first_failure_runner(doctest, block.get("ellipsis", False))
    started = time.perf_counter()
    runner.run(test, clear_globs=False, out=lambda text: None)
    elapsed = time.perf_counter() - started
    if runner.failure is None:
        return outcomes.passed(elapsed)
    example, what, details = runner.failure
    return outcomes.example_failed(first + example.lineno, what, details.rstrip(), elapsed)


def run_shell(block: BlockRequest, namespace: dict) -> dict:
    """A shell block: bash in the post's directory, stopping at the first failing command."""
    import subprocess  # only shell blocks need it

    flush_python_streams()  # what Python printed goes out before what bash prints
    started = time.perf_counter()
    status = subprocess.call(["bash", "-e", "-o", "pipefail", "-c", block["code"]], stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    return outcomes.exited(status, elapsed) if status else outcomes.passed(elapsed)


EVALUATORS = {"python": run_python, "pycon": run_session, "shell": run_shell}


def flush_python_streams() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a block may have replaced or closed a stream
            pass


def _first_failure_runner(doctest, ellipsis):
    """A doctest runner that remembers the first failing example instead of printing it."""

    class FirstFailure(doctest.DocTestRunner):
        def report_failure(self, out, test, example, got):
            self.failure = (example, "printed something else", self._failure_header(test, example)
                            + self._checker.output_difference(example, got, self.optionflags))

        def report_unexpected_exception(self, out, test, example, exc_info):
            summary = traceback.format_exception_only(*exc_info[:2])[-1].strip()
            self.failure = (example, f"raised {summary}", self._failure_header(test, example)
                            + "".join(traceback.format_exception(*exc_info)))

    runner = FirstFailure(verbose=False, optionflags=doctest.FAIL_FAST | (doctest.ELLIPSIS if ellipsis else 0))
    runner.failure = None
    return runner


def _no_exception(expected, elapsed):
    return outcomes.did_not_raise(expected["name"], elapsed) if expected else outcomes.passed(elapsed)


def _exception(error, expected, filename, elapsed):
    summary = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1]
    details = _traceback(error)
    line = _failing_line(error, filename)
    if expected is None:
        return outcomes.raised(summary, details, line, elapsed)
    if not _is_a(error, expected["name"]):
        return outcomes.raised_other(summary, expected["name"], details, line, elapsed)
    pattern = expected.get("pattern")
    if pattern and not re.search(pattern, str(error)):
        return outcomes.raised_unmatched(summary, pattern, details, line, elapsed)
    return outcomes.raised_as_intended(summary, elapsed)


def _is_a(error, name):
    return any(name in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}") for cls in type(error).__mro__)


RUNTIME = os.path.dirname(os.path.abspath(__file__))


def _traceback(error):
    """The traceback from the block's own frames on: the runtime's frames (this module's,
    wire.compile_block's for a syntax error) are noise to the author."""
    tb = error.__traceback__
    while tb is not None and os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == RUNTIME:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip()


def _failing_line(error, filename):
    """The deepest line of the post's file in the traceback (or the SyntaxError's line)."""
    if isinstance(error, SyntaxError) and error.filename == filename and error.lineno:
        return error.lineno
    line = 0
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == filename:
            line = lineno
    return line
