"""One post's process as the service sees it: made, held, let go, listened to, killed, removed.

A child gets its own process group, pipes, working directory (also its HOME
and TMPDIR), environment and memory limit, as a fresh process would; in a
sealed service, its own namespaces too (see sandbox.py), and its directory
is a file system of its own. It is forked from the service, already past
interpreter start-up and the worker's imports; or, with `spawn`, started as
a fresh interpreter, which the tests use to prove the two alike.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from . import outcomes, sandbox, worker
from .output import OutputSplitter
from .wire import (
    FAILED,
    GO_FD,
    PASSED,
    REPORT_FD,
    Outcome,
    Request,
    compile_block,
    new_boundary,
    new_token,
    read_report_line,
)

STARTUP_GRACE = 30.0   # seconds for a child to start and begin its next block
SIGKILL = 9            # signal.SIGKILL on Linux: the signal module's enums would slow the service's start
RUNTIME = os.path.dirname(os.path.abspath(__file__))


class Child:
    """One request: a child process running its blocks in order, and what it reported."""

    def __init__(self, request: Request, seal: sandbox.Seal | None) -> None:
        self.id = request["id"]
        self.seal = seal          # the service's sandbox, or None: not sealed
        self.network = request["network"]
        self.network_fd = None    # sealed, without `network`: the loopback-only network lent to it
        self.request = request
        self.blocks = request["blocks"]
        self.by_number = {block["number"]: block for block in self.blocks}
        self.boundary = new_boundary()
        self.token = new_token()
        self.out = OutputSplitter(self.boundary, request["output_limit"])
        self.err = OutputSplitter(self.boundary, request["output_limit"])
        self.report = b""
        self.ended: dict = {}     # number -> the worker's End message
        self.current = None       # number of the block running now
        self.position = 0         # index in blocks of the next block to start
        self.tampered = None      # what was on the report channel that the worker did not write
        self.deadline = float("inf")  # set when the child is let go
        self.timed_out = False
        self.finished = False     # the worker said it ran its whole plan
        self.pid = None
        self.status = None        # exit status, once reaped (negative: killed by that signal)
        self.fds: dict = {}       # fd -> "out" | "err" | "report"
        self.directory = None     # the child's working directory, also its HOME and TMPDIR
        self.plan_file = None     # a spawned child's plan
        self.go = None            # while the child is held: the pipe that lets it go
        self.plan = None          # until it is started: what it runs
        self.pipes = None         # and the pipes made for it, (read, write) each

    def prepare(self, scratch: str) -> None:
        """Everything the child needs before it is forked: its plan, its pipes, its input files."""
        if self.seal:  # a file system of its own, made and written by the child (sandbox.py)
            directory = self.directory = sandbox.POST_DIRECTORY
            if not self.network:
                self.network_fd = self.seal.networks.take()
        else:
            # One directory, which the child makes and removes itself: that is a good part
            # of a short post's cost, better paid in parallel than here.
            directory = self.directory = os.path.join(scratch, f"snippet-{os.urandom(6).hex()}")
            if self.request["inputs"]:
                os.mkdir(directory)
                for name, data in self.request["inputs"].items():
                    with open(os.path.join(directory, name), "wb") as file:
                        file.write(data)
        for block in self.blocks:
            if block["kind"] == "python" and block["compiled"] is None:
                # Code from a build of another Python. Compiled here, where the compiler is warm,
                # rather than in the child, which would copy the compiler's memory page by page.
                try:
                    block["compiled"] = compile_block(block)
                except Exception:  # a SyntaxError and the like: the child compiles it again and reports it
                    pass
        self.plan = {"boundary": self.boundary.decode(), "token": self.token,
                     "memory_limit": self.request["memory_limit"], "directory": directory,
                     "sealed": self.seal is not None, "blocks": self.blocks}
        self.pipes = []
        try:
            for _ in range(4):  # stdout, stderr, report, go (made last: see _fork)
                self.pipes.append(os.pipe())
        except OSError:
            self.close_pipes()
            raise

    def launch(self, spawn: bool) -> None:
        """Start the child: as little as can be between two forks (see the service)."""
        fds = [write for _, write in self.pipes[:3]] + [self.pipes[3][0]]  # stdout, stderr, report, go
        # The child inherits its environment: set here, where the pages are written anyway.
        if os.environ["HOME"] != self.directory:
            os.environ["HOME"] = os.environ["TMPDIR"] = self.directory
        if self.seal:
            sandbox.new_post_namespace(self.seal)
            self.pid = _fork(self.plan, fds, lambda: sandbox.seal_child(self.seal, self.network_fd,
                                                                         self.request["inputs"]), spawn)
        elif spawn:
            self.plan_file = f"{self.directory}.plan"
            self.pid = _spawn(self.plan, self.plan_file, fds)
        else:
            self.pid = _fork(self.plan, fds)


    def launched(self) -> None:
        """Keep the service's ends of the child's pipes; close the child's. Its network is lent
        until it is reaped."""
        if self.network_fd is not None:
            self.seal.networks.lend(self.pid, self.network_fd)
        (out_read, out_write), (err_read, err_write), (report_read, report_write), (go_read, go_write) = self.pipes
        for fd in (out_write, err_write, report_write, go_read):
            os.close(fd)
        self.fds = {out_read: "out", err_read: "err", report_read: "report"}
        self.go = go_write
        self.pipes = self.plan = None

    def close_pipes(self) -> None:
        """For a child that could not be started."""
        for pipe in self.pipes or ():
            for fd in pipe:
                os.close(fd)
        self.pipes = None
        if self.network_fd is not None:
            self.seal.networks.give_back(self.network_fd)
            self.network_fd = None

    def let_go(self) -> None:
        """Let the held child run its blocks; the first block's deadline starts now."""
        try:
            os.write(self.go, b"\0")
        except OSError:
            pass  # it died while held: its report pipe says so
        os.close(self.go)
        self.go = None
        self.deadline = time.monotonic() + STARTUP_GRACE

    def on_data(self, stream: str, data: bytes) -> bool:
        """Output or a report from the child; True once it should stop: it reported its whole
        plan, or its report channel carried something the worker did not write."""
        if stream == "out":
            self.out.feed(data)
            return False
        if stream == "err":
            self.err.feed(data)
            return False
        self.report += data
        *lines, self.report = self.report.split(b"\n")
        for line in lines:
            if self.tampered is None:
                self.tampered = self._on_line(line)
        return self.finished or self.tampered is not None

    def _on_line(self, line):
        """Take one report line; say what is wrong with it, if anything (see wire.py)."""
        message = read_report_line(line)
        if message is None or message.pop("token", None) != self.token:
            return f"a line without the runner's token ({line[:80]!r})"
        event, number = message.pop("event", None), message.pop("number", None)
        if self.finished:
            return f"a {event!r} line after the last block"
        if event == "start" and self.current is None and self.position < len(self.blocks) \
                and number == self.blocks[self.position]["number"]:
            self.current, self.position = number, self.position + 1
            self.deadline = message.get("at", 0.0) + self.by_number[number]["timeout"]  # the same clock
        elif event == "end" and number is not None and number == self.current \
                and message.get("status") in (PASSED, FAILED):
            self.ended[number] = message
            self.current = None
            self.deadline = time.monotonic() + STARTUP_GRACE
        elif event == "done" and self._plan_over():
            self.finished = True
        else:
            return f"a {event!r} line out of order (block {number})"
        return None

    def _plan_over(self):
        """Whether the worker may be done: no block running, and every block ended or the
        last one that ended failed (the worker stops there)."""
        if self.current is not None:
            return False
        if self.position == len(self.blocks):
            return True
        last = self.ended.get(self.blocks[self.position - 1]["number"]) if self.position else None
        return last is not None and last.get("status") != PASSED

    def outcomes(self) -> list:
        """One Outcome per block, in order."""
        answer = []
        stdout_tail, stderr_tail = self.out.finish(), self.err.finish()
        stopped_by = None   # the failed block that ended this process's run
        blamed = self._blamed()
        for index, block in enumerate(self.blocks):
            end = self.ended.get(block["number"])
            if block["number"] == blamed:
                outcome = outcomes.tampered(self.tampered, self.out.segment(index) or stdout_tail,
                                            self.err.segment(index) or stderr_tail)
            elif stopped_by is not None:
                outcome = outcomes.not_run(stopped_by["label"])
            elif end is not None:
                outcome = outcomes.finished(end, self.out.segment(index), self.err.segment(index))
            else:  # the block running, or about to start, when the process ended
                outcome = self._death(block, stdout_tail, stderr_tail)
            if outcome["status"] == FAILED and stopped_by is None:
                stopped_by = block
            answer.append(outcome)
        return answer

    def _blamed(self):
        """The block whose outcome a tampered channel makes unknown: the one running then,
        or else the last one that ended (its end may be the forged line)."""
        if self.tampered is None:
            return None
        if self.current is not None:
            return self.current
        return self.blocks[max(self.position - 1, 0)]["number"]

    def _death(self, block, stdout, stderr) -> Outcome:
        if block["number"] != self.current:
            return outcomes.ended_before(self.status, stdout, stderr)
        if self.timed_out:
            return outcomes.timed_out(block["timeout"], stdout, stderr)
        return outcomes.crashed(self.status, stdout, stderr)

    def remove(self) -> None:
        """Remove what is left of the child's directory, and its plan file.

        A child that finished removes its directory itself when it is empty
        (the usual case), and a spawned worker its plan file; this is for the
        others. A sealed child's directory went with it.
        """
        if self.seal:
            return
        try:
            os.rmdir(self.directory)
        except FileNotFoundError:
            pass
        except OSError:
            import shutil  # only for the few posts that leave files behind
            shutil.rmtree(self.directory, ignore_errors=True)
        if self.plan_file:
            try:
                os.unlink(self.plan_file)
            except FileNotFoundError:
                pass

    def kill(self) -> None:
        """Kill the child's process group: the child and everything it started (a sealed child
        is its PID namespace's first process: with it, everything in it dies)."""
        try:
            os.killpg(self.pid, SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:  # killed before it made its group
                os.kill(self.pid, SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _fork(plan, fds, finish_sandbox=None, spawn=False):
    """A child of the service, in a process group of its own, holding only its own pipes.

    A group, not a session: the service has no terminal to leave, and each
    new session costs the kernel a scheduling group of its own. Each step is
    chosen for the pages it writes: a forked child copies every page it
    writes, and that copying is most of what a short job costs.
    `finish_sandbox`, in a sealed service, seals the child; with `spawn` the
    sealed child then starts a fresh interpreter.
    """
    service = os.getpid()
    stdout_fd, stderr_fd, report_fd, go_fd = fds
    pid = os.fork()
    if pid == 0:
        try:
            worker.die_with_parent()
            if finish_sandbox:  # its parent is outside its PID namespace: the go pipe tells if it died
                try:
                    finish_sandbox()
                except OSError as error:  # said on its stderr: the post reports it
                    os.write(stderr_fd, f"could not seal the post's process: {error}\n".encode())
                    os._exit(70)
            elif os.getppid() != service:
                os._exit(70)  # the service died before the line above took effect
            os.setpgid(0, 0)  # a group of its own, to kill it with all it started
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(stdout_fd, 1)
            os.dup2(stderr_fd, 2)
            os.dup2(report_fd, REPORT_FD)
            os.dup2(go_fd, GO_FD)  # the go pipe was made last, so go_fd is above GO_FD: nothing is lost
            os.closerange(GO_FD + 1, os.sysconf("SC_OPEN_MAX"))  # the build's socket, other jobs' pipes
            if spawn:
                plan_path = os.path.join(plan["directory"], ".snippet-plan")
                os.execv(sys.executable, _worker_command(plan, plan_path))
            worker.run_plan(plan)
        finally:
            os._exit(70)  # run_plan ends with os._exit(0); anything else is a failure to start
    return pid


def _spawn(plan, plan_path, fds):
    """A freshly started interpreter running the worker, set up like a forked child."""
    stdout_fd, stderr_fd, report_fd, go_fd = fds
    return os.posix_spawn(
        sys.executable, _worker_command(plan, plan_path),
        dict(os.environ),  # HOME and TMPDIR already point at its directory
        file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                      (os.POSIX_SPAWN_DUP2, stdout_fd, 1), (os.POSIX_SPAWN_DUP2, stderr_fd, 2),
                      (os.POSIX_SPAWN_DUP2, report_fd, REPORT_FD), (os.POSIX_SPAWN_DUP2, go_fd, GO_FD)],
        setpgroup=0)


def _worker_command(plan, plan_path):
    """A fresh interpreter's command line to run the worker, its plan written where it reads it
    (and removes it)."""
    with open(plan_path, "wb") as file:
        marshal.dump(plan, file)
    return [sys.executable, RUNTIME, "worker", plan_path]
