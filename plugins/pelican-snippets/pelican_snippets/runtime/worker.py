"""A post's process: run its blocks in order, in one namespace, and report on each.

Forked by the service, which calls `run_plan` with the plan in hand; or a
freshly started interpreter (`python RUNTIME worker PLAN_PATH`) that reads
the plan from a file first. It reports each block's start and end on the
report pipe and, after each block, writes the boundary marker to stdout and
stderr, so the service can tell which block printed what (see wire.py).
"""

from __future__ import annotations

import builtins
import ctypes
import linecache
import marshal
import os
import resource
import sys
import time

from .evaluators import EVALUATORS, flush_python_streams
from .wire import GO_FD, PASSED, REPORT_FD, Plan, report_line

libc = ctypes.CDLL(None)
PR_SET_PDEATHSIG = 1
_IONBF = 2  # setvbuf's "unbuffered" mode


def main(plan_path: str) -> None:
    """A freshly started worker: the plan comes from a file."""
    with open(plan_path, "rb") as plan_file:
        plan = marshal.load(plan_file)
    os.unlink(plan_path)  # it may be in the post's own directory, which the blocks list
    prepare_interpreter()
    run_plan(plan)


def prepare_interpreter() -> None:
    """What every post's process has in common, done once before the first fork.

    As with `python -c`: the working directory comes first on the import path
    (so a module a block writes can be imported) and sys.argv is `[""]`. C's
    stdout is unbuffered, as its stderr is, so that what C code prints goes
    out within its block. The C functions the children call are looked up
    here, not in each child.
    """
    if sys.path[:1] != [""]:
        sys.path.insert(0, "")
    sys.argv = [""]
    libc.setvbuf(ctypes.c_void_p.in_dll(libc, "stdout"), None, _IONBF, 0)
    libc.prctl(PR_SET_PDEATHSIG, 0)  # 0: the default, unchanged
    libc.fflush(None)


def die_with_parent() -> None:
    """Be killed when the service dies: nobody else would enforce the deadlines."""
    libc.prctl(PR_SET_PDEATHSIG, 9)  # SIGKILL


def run_plan(plan: Plan) -> None:
    """Run the blocks in the post's own directory, report on them, end the process.

    The blocks start when the service writes a byte on GO_FD: it starts
    children ahead of their turn and lets each go when a place is free. End of
    file there means "never": the process ends.
    """
    os.set_inheritable(REPORT_FD, False)  # nothing a block starts may write the verdict
    directory = plan["directory"]
    if not plan["sealed"]:  # a sealed post's directory is a file system of its own, there already
        try:
            os.mkdir(directory)
        except FileExistsError:
            pass  # made by the service, to hold the post's input files
        except OSError as error:
            os.write(2, f"could not make the post's directory {directory}: {error}\n".encode())
            os._exit(70)
    os.chdir(directory)
    if plan["memory_limit"]:
        resource.setrlimit(resource.RLIMIT_AS, (plan["memory_limit"], plan["memory_limit"]))
    if not os.read(GO_FD, 1):
        os._exit(0)
    os.close(GO_FD)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    _offer_source(plan["blocks"])
    boundary, token = plan["boundary"], plan["token"]
    ended = ""  # a block's end goes out with the next block's start, in one write
    for block in plan["blocks"]:
        # The service must know which block runs, and since when, before it runs:
        # it reads the report when it next looks, not as each line is written.
        _send(ended + report_line({"event": "start", "token": token, "number": block["number"],
                                "at": time.monotonic()}))
        outcome = EVALUATORS[block["kind"]](block, namespace)
        _mark_end_of_block(boundary)
        ended = report_line({"event": "end", "token": token, "number": block["number"], **outcome})
        if outcome["status"] != PASSED:
            break  # later blocks would run on half-built state; the service marks them not run
    if not plan["sealed"]:
        try:
            os.rmdir(directory)  # empty, as it usually is by now; else the service clears it
        except OSError:
            pass
    _send(ended + report_line({"event": "done", "token": token}))
    flush_python_streams()
    libc.fflush(None)  # C streams a block left open: os._exit would drop what they hold
    os._exit(0)  # do not wait for threads a block left running


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


def _mark_end_of_block(boundary):
    """Send what the block printed, then the boundary marker, on stdout and on stderr.

    The marker goes through Python's own stream when it can, so that a block's
    output and its marker leave in one write: one wake-up of the service.
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


def _send(text):
    """Write report lines straight to the pipe: no file object to build in each child."""
    data = text.encode()
    while data:
        data = data[os.write(REPORT_FD, data):]
