"""The child process that runs a post's blocks. Standard library only.

Normally forked by the supervisor (supervisor.py), which calls `run_plan`
with the plan in hand. `worker.py PLAN_PATH REPORT_FD` does the same in a
freshly started interpreter.

A job reports each block's start and end on the report pipe, as JSON lines.
After each block it flushes every buffer and writes the boundary marker to
stdout and stderr, so the supervisor can tell which block printed what.
"""

import builtins
import ctypes
import json
import linecache
import marshal
import os
import re
import resource
import sys
import time
import traceback

libc = ctypes.CDLL(None)  # also used by the supervisor
PR_SET_PDEATHSIG = 1
_IONBF = 2  # setvbuf's "unbuffered" mode


def main(plan_path, report_fd, go_fd):
    """A freshly started worker: the plan comes from a file."""
    with open(plan_path, "rb") as plan_file:
        plan = marshal.load(plan_file)
    prepare_interpreter()
    run_plan(plan, report_fd, go_fd)


def prepare_interpreter():
    """What every job's process has in common, done once before the first fork.

    As with `python -c`: the working directory comes first on the import path
    (so a module a block writes can be imported) and sys.argv is `[""]`. C's
    stdout is unbuffered, as its stderr is: what C code prints goes out at
    once, within its block, without a call into C after every block. The C
    functions the children call are looked up here, not in each child.
    """
    sys.path.insert(0, "")
    sys.argv = [""]
    libc.setvbuf(ctypes.c_void_p.in_dll(libc, "stdout"), None, _IONBF, 0)
    libc.prctl(PR_SET_PDEATHSIG, 0)  # 0: the default, unchanged
    libc.fflush(None)


def run_plan(plan, report_fd, go_fd):
    """Run the blocks in one namespace, in the post's own directory; report on them; end the process.

    The blocks start when the supervisor says so on go_fd: it starts children
    ahead of their turn, and lets each go when one of the places it allows is
    free. Read as empty, go_fd means "never": the process ends.
    """
    directory = plan["directory"]
    try:
        os.mkdir(directory)
    except FileExistsError:
        pass  # made by the supervisor, to hold the post's input files
    except OSError as error:
        os.write(2, f"could not make the post's directory {directory}: {error}\n".encode())
        os._exit(70)
    os.chdir(directory)
    if plan["memory_limit"]:
        resource.setrlimit(resource.RLIMIT_AS, (plan["memory_limit"], plan["memory_limit"]))
    if not os.read(go_fd, 1):
        os._exit(0)
    os.close(go_fd)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    _offer_source(plan["blocks"])
    boundary = plan["boundary"]
    ended = ""  # a block's end goes out with the next block's start, in one write
    for block in plan["blocks"]:
        # The supervisor must know which block runs before it runs, and since when:
        # it reads the report when it next looks, not as each line is written.
        _send(report_fd, ended + _message({"event": "start", "number": block["number"], "at": time.monotonic()}))
        outcome = run_block(block, namespace)
        _mark_end_of_block(boundary)
        ended = _message({"event": "end", "number": block["number"], **outcome})
        if outcome["status"] != "passed":
            break  # later blocks would run on half-built state; the parent marks them not run
    try:
        os.rmdir(directory)  # empty, as it usually is by now; else the supervisor clears it
    except OSError:
        pass
    _send(report_fd, ended + _message({"event": "done"}))
    _flush_python_streams()
    libc.fflush(None)  # C streams a block left open: os._exit would drop what they hold
    os._exit(0)  # do not wait for threads a block left running


def run_block(block, namespace):
    """Run one block in the shared namespace; say whether it did what it should."""
    if block["kind"] == "shell":
        return run_shell(block)
    if block["kind"] == "pycon":
        return run_session(block, namespace)
    filename = block["filename"]
    expected = block.get("raises")
    started = time.perf_counter()
    try:
        code = block.get("compiled") or compile_block(block)
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


def compile_block(block):
    """A Python block's code object, its line numbers those of the post.

    The build compiles each block the same way before sending it (runner.py):
    compiling in a freshly forked child costs several times more, as the
    compiler's memory is copied page by page. This is for a block that did not
    compile there, so that its error is reported like any other.
    """
    source = "\n" * (block["first_line"] - 1) + block["code"]
    return compile(source, block["filename"], "exec", dont_inherit=True, optimize=0)


def run_shell(block):
    """A shell block: bash in the post's directory, stopping at the first failing command."""
    import subprocess  # here, not at the top: a forked child should not pay for it
    _flush_python_streams()
    started = time.perf_counter()
    status = subprocess.call(["bash", "-e", "-o", "pipefail", "-c", block["code"]],
                             stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if status != 0:
        return {"status": "failed", "message": f"exited with status {status}",
                "details": "", "line": 0, "duration": elapsed}
    return {"status": "passed", "duration": elapsed}


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


def run_session(block, namespace):
    """A pycon block: each `>>>` example runs in the post's namespace; its output must match."""
    # Imported here, not at the top: few posts have sessions, and doctest's imports
    # would nearly double the memory of the service that every job is forked from.
    import doctest
    first = block["first_line"]
    test = doctest.DocTestParser().get_doctest(
        block["code"], namespace, f"pycon block {block['number']}", block["filename"], first - 1)
    runner = _first_failure_runner(doctest, block.get("ellipsis", False))
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


def _offer_source(blocks):
    """Let linecache find the post's Python lines, each at its line in the post, so that
    tracebacks, warnings and inspect quote the code. Offered, not built: linecache asks
    for them only when something needs a line, which most posts never do."""
    for filename in {block["filename"] for block in blocks if block["kind"] == "python"}:
        linecache.cache[filename] = (lambda filename=filename: _post_source(blocks, filename),)


def _post_source(blocks, filename):
    lines = []
    for block in blocks:
        if block["kind"] == "python" and block["filename"] == filename:
            first = block["first_line"]
            lines += [""] * (first - 1 - len(lines))
            lines[first - 1:] = block["code"].split("\n")
    return "\n".join(lines) + "\n"


def _flush_python_streams():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a block may have replaced or closed a stream
            pass


def _mark_end_of_block(boundary):
    """Send what the block printed, then the boundary marker, on stdout and on stderr.

    The marker goes through Python's own stream when it can, so that a block's
    output and its marker leave in one write: one wake-up of the supervisor.
    """
    for stream in (sys.stdout, sys.stderr):  # a block may have replaced them
        if stream is not sys.__stdout__ and stream is not sys.__stderr__:
            try:
                stream.flush()
            except Exception:
                pass
    for fd, stream in ((1, sys.__stdout__), (2, sys.__stderr__)):
        try:
            stream.write(boundary)
            stream.flush()
        except Exception:  # closed or replaced: the marker still goes out
            os.write(fd, boundary.encode())


def _message(message):
    """One report line, as JSON. The usual ones (a few numbers and a status word) are
    formatted here: json.dumps makes a forked child copy some sixty pages first."""
    if all(type(value) in (int, float) or key in ("event", "status") for key, value in message.items()):
        return "{" + ", ".join(f'"{key}": "{value}"' if type(value) is str else f'"{key}": {value!r}'
                               for key, value in message.items()) + "}\n"
    return json.dumps(message) + "\n"


def _send(report_fd, text):
    """Write report lines straight to the pipe: no file object to build in each child."""
    data = text.encode()
    while data:
        data = data[os.write(report_fd, data):]


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
