"""The child process that runs a post's blocks. Standard library only; run as a script.

`worker.py PLAN_FD REPORT_FD` runs one job. `worker.py --serve SOCKET_FD` is
the zygote: it waits for requests on a Unix socket and forks a child per job,
already past interpreter start-up and these imports (see launcher.py).

A job reads its plan (the blocks, limits, boundary marker) from one inherited
pipe and reports each block's start and end on another, as JSON lines. After
each block it flushes every buffer and writes the boundary marker to stdout and
stderr, so the parent can tell which block printed what.
"""

import builtins
import ctypes
import doctest
import json
import linecache
import os
import re
import resource

import sys
import time
import traceback

_libc = ctypes.CDLL(None)


def main(plan_fd, report_fd):
    with os.fdopen(plan_fd, "rb") as plan_file:
        plan = json.loads(plan_file.read())
    report = os.fdopen(report_fd, "w", buffering=1, encoding="utf-8")
    if plan["memory_limit"]:
        resource.setrlimit(resource.RLIMIT_AS, (plan["memory_limit"], plan["memory_limit"]))
    sys.path.insert(0, os.getcwd())  # as with `python -c`: a module a block writes can be imported
    sys.argv = [""]
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    boundary = plan["boundary"].encode()
    for block in plan["blocks"]:
        _send(report, {"event": "start", "number": block["number"]})
        outcome = run_block(block, namespace)
        _flush_everything()
        os.write(1, boundary)
        os.write(2, boundary)
        _send(report, {"event": "end", "number": block["number"], **outcome})
        if outcome["status"] != "passed":
            break  # later blocks would run on half-built state; the parent marks them not run
    _send(report, {"event": "done"})
    report.close()
    _flush_everything()
    os._exit(0)  # do not wait for threads a block left running


def run_block(block, namespace):
    """Run one block in the shared namespace; say whether it did what it should."""
    if block["kind"] == "shell":
        return run_shell(block)
    if block["kind"] == "pycon":
        return run_session(block, namespace)
    filename, first = block["filename"], block["first_line"]
    _remember_source(filename, first, block["code"])
    expected = block.get("raises")
    started = time.perf_counter()
    try:
        code = compile("\n" * (first - 1) + block["code"], filename, "exec")
        exec(code, namespace)
    except SystemExit as stop:
        elapsed = time.perf_counter() - started
        if stop.code in (None, 0):
            return _no_exception(expected, elapsed)
        return {"status": "failed", "message": f"exited with status {stop.code}",
                "details": "", "line": 0, "duration": elapsed}
    except BaseException as error:  # the block's own exception, reported as its result
        elapsed = time.perf_counter() - started
        return _exception(error, expected, filename, elapsed)
    return _no_exception(expected, time.perf_counter() - started)


def run_shell(block):
    import subprocess
    """A shell block: bash in the post's directory, stopping at the first failing command."""
    _flush_everything()
    started = time.perf_counter()
    status = subprocess.call(["bash", "-e", "-o", "pipefail", "-c", block["code"]],
                             stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if status != 0:
        return {"status": "failed", "message": f"exited with status {status}",
                "details": "", "line": 0, "duration": elapsed}
    return {"status": "passed", "duration": elapsed}


class _FirstFailure(doctest.DocTestRunner):
    """A doctest runner that remembers the first failing example instead of printing it."""

    def __init__(self, ellipsis):
        flags = doctest.FAIL_FAST | (doctest.ELLIPSIS if ellipsis else 0)
        super().__init__(verbose=False, optionflags=flags)
        self.failure = None

    def report_failure(self, out, test, example, got):
        self.failure = (example, "printed something else", self._failure_header(test, example)
                        + self._checker.output_difference(example, got, self.optionflags))

    def report_unexpected_exception(self, out, test, example, exc_info):
        summary = traceback.format_exception_only(*exc_info[:2])[-1].strip()
        self.failure = (example, f"raised {summary}", self._failure_header(test, example)
                        + "".join(traceback.format_exception(*exc_info)))


def run_session(block, namespace):
    """A pycon block: each `>>>` example runs in the post's namespace; its output must match."""
    first = block["first_line"]
    test = doctest.DocTestParser().get_doctest(
        block["code"], namespace, f"pycon block {block['number']}", block["filename"], first - 1)
    runner = _FirstFailure(block.get("ellipsis", False))
    started = time.perf_counter()
    runner.run(test, clear_globs=False, out=lambda text: None)
    elapsed = time.perf_counter() - started
    if runner.failure is None:
        return {"status": "passed", "duration": elapsed}
    example, what, details = runner.failure
    line = first + example.lineno
    return {"status": "failed", "message": f"example at line {line} {what}",
            "details": details.rstrip(), "line": line, "duration": elapsed}


def _no_exception(expected, elapsed):
    if expected:
        return {"status": "failed", "message": f"did not raise {expected['name']}",
                "details": "", "line": 0, "duration": elapsed}
    return {"status": "passed", "duration": elapsed}


def _exception(error, expected, filename, elapsed):
    summary = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1]
    details = _traceback(error)
    line = _failing_line(error, filename)
    if expected is None:
        return {"status": "failed", "message": f"raised {summary}", "details": details,
                "line": line, "duration": elapsed}
    if not _is_a(error, expected["name"]):
        return {"status": "failed", "message": f"raised {summary}, expected {expected['name']}",
                "details": details, "line": line, "duration": elapsed}
    pattern = expected.get("pattern")
    if pattern and not re.search(pattern, str(error)):
        return {"status": "failed",
                "message": f"raised {summary}, but the message does not match {pattern!r}",
                "details": details, "line": line, "duration": elapsed}
    return {"status": "passed", "message": f"raised {summary}, as intended", "duration": elapsed}


def _is_a(error, name):
    for cls in type(error).__mro__:
        if name in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
            return True
    return False


def _traceback(error):
    """The traceback from the block's own frames on: the worker's frame is noise."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
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


def _remember_source(filename, first, code):
    """Give linecache the post's lines, so tracebacks quote the code at its real line."""
    size, mtime, lines, name = linecache.cache.get(filename, (0, None, [], filename))
    lines = list(lines)
    block_lines = [line + "\n" for line in code.split("\n")]
    needed = first - 1 + len(block_lines)
    lines.extend(["\n"] * (needed - len(lines)))
    lines[first - 1:needed] = block_lines
    linecache.cache[filename] = (size, None, lines, name)


def _flush_everything():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a block may have replaced or closed a stream
            pass
    _libc.fflush(None)  # C-level stdio buffers of extensions and libraries


def _send(report, message):
    report.write(json.dumps(message) + "\n")


def serve(control_fd):
    """Fork a child per request until the builder closes the socket; report each child's exit."""
    import socket

    control = socket.socket(fileno=control_fd)
    try:
        _serve(control)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the builder is done and closed its end


def _serve(control):
    import select
    import signal
    import socket

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready, _, _ = select.select([control, wake_read], [], [])
        if wake_read in ready:
            os.read(wake_read, 4096)
        if control in ready:
            data, fds, _, _ = socket.recv_fds(control, 65536, 4)
            if not data:
                break
            request = json.loads(data)
            pid = os.fork()
            if pid == 0:
                control.close()
                os.close(wake_read)
                os.close(wake_write)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _become_job(request, *fds)
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"id": request["id"], "pid": pid}).encode())
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            control.send(json.dumps({"exit": pid, "status": os.waitstatus_to_exitcode(status)}).encode())


def _become_job(request, stdout_fd, stderr_fd, plan_fd, report_fd):
    """In the forked child: the same state a freshly started worker would have."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        for fd in (devnull, stdout_fd, stderr_fd):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.update(request["env"])
        main(plan_fd, report_fd)
    finally:
        os._exit(70)  # main() ends with os._exit(0); anything else is a failure to start


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]), int(sys.argv[2]))
