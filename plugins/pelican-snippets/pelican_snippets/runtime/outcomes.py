"""The wording of every outcome the runtime gives a block, each cause in one function.

The evaluators say how a block they ran went (`passed`, `failed`); the
service says what became of blocks whose process died, timed out or never
started. Everything the author reads about a run comes from here.
"""

from __future__ import annotations

from .wire import FAILED, NOT_RUN, PASSED, Outcome


def outcome(status: str, message: str = "", details: str = "", line: int = 0,
            stdout: str = "", stderr: str = "", duration: float = 0.0) -> Outcome:
    """An Outcome with every key, as the wire schema wants (the service sets the last two)."""
    return {"status": status, "message": message, "details": details, "line": line,
            "stdout": stdout, "stderr": stderr, "duration": duration, "sealed": False, "network": False}


def passed(duration: float, message: str = "") -> dict:
    # Only numbers and the status word when it can: the worker writes those without json.
    return {"status": PASSED, "duration": duration, **({"message": message} if message else {})}


def failed(message: str, duration: float, details: str = "", line: int = 0) -> dict:
    return {"status": FAILED, "message": message, "details": details, "line": line, "duration": duration}


def exited(status: object, duration: float) -> dict:
    """A block that called sys.exit with a failing status, or a shell block that failed."""
    return failed(f"exited with status {status}", duration)


def raised(summary: str, details: str, line: int, duration: float) -> dict:
    return failed(f"raised {summary}", duration, details, line)


def raised_other(summary: str, expected: str, details: str, line: int, duration: float) -> dict:
    return failed(f"raised {summary}, expected {expected}", duration, details, line)


def raised_unmatched(summary: str, pattern: str, details: str, line: int, duration: float) -> dict:
    return failed(f"raised {summary}, but the message does not match {pattern!r}", duration, details, line)


def raised_as_intended(summary: str, duration: float) -> dict:
    return passed(duration, f"raised {summary}, as intended")


def did_not_raise(expected: str, duration: float) -> dict:
    return failed(f"did not raise {expected}", duration)


def example_failed(line: int, what: str, details: str, duration: float) -> dict:
    """A pycon example that printed something else or raised."""
    return failed(f"example at line {line} {what}", duration, details, line)


def finished(end: dict, stdout: str, stderr: str) -> Outcome:
    """A block the worker ran to its end, with what it printed."""
    return outcome(end["status"], end.get("message", ""), end.get("details", ""), end.get("line", 0),
                   stdout, stderr, end.get("duration", 0.0))


def timed_out(timeout: float, stdout: str, stderr: str) -> Outcome:
    return outcome(FAILED, f"timed out after {timeout:g} s (the process and its children were killed)",
                   stderr.strip(), stdout=stdout, stderr=stderr)


def crashed(status: int | None, stdout: str, stderr: str) -> Outcome:
    """The process died in the middle of the block: a signal, os._exit, a dead parent."""
    if status is not None and status < 0:
        import signal  # only to name the signal

        message = f"crashed: the process was killed by {signal.Signals(-status).name}"
    else:
        message = f"crashed: the process exited with status {status} in the middle of the block"
    return outcome(FAILED, message, stderr.strip(), stdout=stdout, stderr=stderr)


def ended_before(status: int | None, stdout: str, stderr: str) -> Outcome:
    """The process ended before the block started."""
    return outcome(FAILED, f"could not start: the snippet process ended before the block (status {status})",
                   stderr.strip(), stdout=stdout, stderr=stderr)


def tampered(what: str, stdout: str, stderr: str) -> Outcome:
    """The report channel carried something the worker did not write: the block's own
    outcome cannot be trusted, so it fails (and, failing, is never cached)."""
    return outcome(FAILED, f"failed: its report channel carried {what}, which the runner did not write",
                   stdout=stdout, stderr=stderr)


def could_not_start(error: BaseException) -> Outcome:
    """The service could not make the process (no memory, no file descriptors...)."""
    return outcome(FAILED, f"could not start: {error}")


def not_run(failed_label: str) -> Outcome:
    """A block after one that failed: it would run on half-built state."""
    return outcome(NOT_RUN, f"not run: {failed_label} failed before it")
