"""The snippet service: one clean interpreter that runs jobs in children and watches over them.

Started once per build and interpreter (see client/service.py) as
`python RUNTIME service SOCKET_FD`, with the environment the children get.
It reads its `Settings` from the socket, seals itself (sandbox.py) unless
told not to and says whether it did (`Ready`), then reads `Request`s, runs
at most `jobs` at once, and answers each with an `Answer` (see wire.py).

Watching the children happens here, in one loop, rather than in the build:
reading their pipes, splitting output per block, enforcing each block's
deadline, killing the process group and removing the directory. So it runs
on a core of its own instead of taking turns with Pelican for the GIL.

A fork costs in proportion to the memory and mappings of the process forked,
and a child pays again for every page it writes. So this process stays
small: it talks to the build over the raw socket and watches pipes with
select.poll (no socket or selectors modules), loads shutil and doctest only
when a job needs them, and imports nothing that registers at-fork hooks
(threading, random, logging), which would run in every child.
"""

from __future__ import annotations

import collections
import importlib
import os
import select
import time

from . import outcomes, sandbox, worker
from .children import Child
from .inbox import Inbox
from .wire import REQUIRED, Settings, frame, read_message

LOOK_EVERY = 0.02      # seconds between looks at the running children's pipes
PLENTY = 16384         # bytes found in a pipe at one look that make it read as data comes
DRAIN_GRACE = 1.0      # seconds to collect output still in the pipes after a child was killed
EXIT_GRACE = 5.0       # seconds to wait for a killed child's exit status
# Small standard modules that snippets often use, imported once here rather than in
# every child (heapq: collections.Counter.most_common). None registers at-fork hooks.
PRELOADED = ("math", "heapq")


class Service:
    """The loop: requests in, children started and watched (at most `jobs` running blocks at once), results out.

    Children are forked ahead of their turn, a batch at a time, and held
    until a place is free. After each fork this process copies again every
    page it then writes; forking a batch in a row pays that once per batch.

    A child's writes do not wake this process: its pipes wake it only when
    they close (the child ended), and in between it reads them every
    LOOK_EVERY seconds, or whenever it wakes for something else. A block's
    start carries the time it started, so its deadline does not depend on
    when the line is read. A pipe found holding PLENTY is read as data comes
    from then on, so that a block that prints a lot is not held up.
    """

    def __init__(self, control, settings: Settings, seal):
        self.control = control     # the file descriptor of the socket to the build
        self.jobs = settings["jobs"]
        self.spawn = settings["spawn"]
        self.seal = seal           # the sandbox (sandbox.Seal), or None: runs are not sealed
        self.scratch = os.environ["TMPDIR"]
        self.poll = select.poll()  # what wakes this process: requests, pipes closing or full
        self.poll.register(control, select.POLLIN)
        self.waiting = select.poll()  # the children's pipes that hold data, looked at in passing
        self.looked = 0.0          # when they were last looked at
        self.streams = {}          # fd -> (child, "out" | "err" | "report")
        self.inbox = Inbox()       # requests not started yet (made here: forks do not inherit it)
        self.running = {}          # pid -> Child, held or let go
        self.held = collections.deque()   # started, waiting for a place
        self.batch = 2 * self.jobs  # children forked in a row
        self.open = True           # the build may still send requests
        self.outgoing = []         # framed messages for the build, written together (flush)

    def serve(self) -> None:
        while self.open or self.inbox.has_request() or self.running:
            self._start_queued()
            self.flush()
            for fd, _ in self.poll.poll(self._timeout()):
                if fd == self.control:
                    self._receive()
                    if not self.open:
                        return  # the build is gone or done: stop everything
                elif fd in self.streams:  # else closed by an earlier event of this batch (the child ended)
                    self._read(fd)
            self.looked = now = time.monotonic()
            for fd, _ in self.waiting.poll(0):
                if fd in self.streams:
                    self._read(fd)
            for child in [child for child in self.running.values() if child.deadline <= now]:
                child.timed_out = True
                self._stop(child)
            self._reap()

    def _timeout(self):
        """How long poll may sleep (ms): until the next deadline, or the next look at the pipes."""
        deadline = min((child.deadline for child in self.running.values()), default=float("inf"))
        if len(self.running) > len(self.held):  # children are running blocks
            deadline = min(deadline, self.looked + LOOK_EVERY)
        if deadline == float("inf"):
            return None
        return max(int((deadline - time.monotonic()) * 1000) + 1, 0)

    def _read(self, fd):
        """Read once from a child's pipe; a closed report pipe means the child ended."""
        child, stream = self.streams[fd]
        data = os.read(fd, 65536)
        if not data:
            self._close_stream(child, fd)
            if stream == "report":
                self._stop(child)  # the worker finished or died
            return
        if len(data) >= PLENTY:  # a block printing a lot: read this pipe as data comes
            self.poll.modify(fd, select.POLLIN)
        if child.on_data(stream, data):
            self._stop(child)

    def _receive(self):
        if not self.inbox.read_from(self.control):
            self.open = False

    def _start_queued(self):
        self._let_go()
        if not self.held:
            self.flush()  # the answers go before the forks
            self._fork_batch()
            self._let_go()

    def _let_go(self):
        """Let held children run while places are free, telling the build which first.

        The build must know which posts were running if this process dies, to
        tell the post that killed it from the others (client/service.py). So
        their ids are on the socket before they start, in a `Started` message,
        which goes with the answers of the posts whose places they take.
        """
        going = []
        while self.held and len(self.running) - len(self.held) < self.jobs:
            going.append(self.held.popleft())
        if not going:
            return
        self.send({"kind": "started", "started": [child.id for child in going]})
        self.flush()
        for child in going:
            child.let_go()

    def _fork_batch(self):
        """Start held children for the next queued jobs: all the work first, then the forks in a row.

        After a fork this process copies every page it then writes, as long as
        the child lives. So nothing is done between two forks but the fork: the
        work for the whole batch is done before the first and after the last.
        """
        batch = []
        while len(self.held) + len(batch) < self.batch:
            request = self.inbox.take()
            if request is None:
                break
            child = Child(request, self.seal)
            try:
                child.prepare(self.scratch)
                batch.append(child)
            except OSError as error:
                self._could_not_start(child, error)
        started = []
        for child in batch:
            try:
                child.launch(self.spawn)
                started.append(child)
            except OSError as error:  # rare: a failed fork leaves no page to copy
                self._could_not_start(child, error)
        for child in started:
            child.launched()
            self.running[child.pid] = child
            self.held.append(child)
            for fd, stream in child.fds.items():
                self.poll.register(fd, 0)  # no events asked: woken only when it closes
                self.waiting.register(fd, select.POLLIN)
                self.streams[fd] = (child, stream)

    def _could_not_start(self, child, error):
        child.close_pipes()
        self._answer(child, [outcomes.could_not_start(error) for _ in child.blocks])
        if child.directory:
            child.remove()

    def _close_stream(self, child, fd):
        self.poll.unregister(fd)
        self.waiting.unregister(fd)
        del self.streams[fd]
        os.close(fd)
        del child.fds[fd]

    def _stop(self, child):
        """Kill the child's process group, collect what is left, answer, clean up.

        Only for a child that did not finish its plan (a crash, a timeout) does
        this wait, up to DRAIN_GRACE for its output and EXIT_GRACE for its status;
        the next child runs meanwhile.
        """
        child.kill()
        del self.running[child.pid]
        if child.go is not None:  # it died while held
            self.held.remove(child)
            os.close(child.go)
            child.go = None
        if not child.finished:
            self._let_go()
        report = [fd for fd, stream in child.fds.items() if stream == "report"]
        for fd in report:
            self._close_stream(child, fd)
        self._drain(child, until=time.monotonic() + (0 if child.finished else DRAIN_GRACE))
        if not child.finished:  # how it ended matters only if it did not finish its plan
            child.status = self._wait(child)
        for fd in list(child.fds):
            self._close_stream(child, fd)
        self._answer(child, child.outcomes())  # its place is taken when the loop next starts children
        child.remove()

    def _drain(self, child, until):
        """Read what the pipes still hold; the group is dead, so EOF comes quickly.

        A worker that finished its plan wrote everything before its last
        message: what is already in the pipes is all there is to read.
        """
        while child.fds:
            ready = select.select(list(child.fds), [], [], max(until - time.monotonic(), 0))[0]
            if not ready:
                return
            for fd in ready:
                data = os.read(fd, 65536)
                if data:
                    child.on_data(child.fds[fd], data)
                else:
                    self._close_stream(child, fd)

    def _wait(self, child):
        if child.status is not None:
            return child.status
        until = time.monotonic() + EXIT_GRACE
        while time.monotonic() < until:
            try:
                pid, status = os.waitpid(child.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
                self._reaped(pid)
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.001)
        return None

    def _reap(self):
        """Collect every child that has ended; keep the status of those still being watched."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._reaped(pid)
            if pid in self.running:
                self.running[pid].status = os.waitstatus_to_exitcode(status)

    def _reaped(self, pid):
        if self.seal:
            self.seal.networks.reaped(pid)

    def _answer(self, child, answer):
        for outcome in answer:
            outcome["sealed"], outcome["network"] = child.seal is not None, child.network
        self.send({"kind": "answer", "id": child.id, "outcomes": answer})

    def send(self, message: dict) -> None:
        """Queue a message for the build; flush() writes what is queued. The children that end
        at one wake-up are answered in one write, which wakes the build once."""
        self.outgoing.append(frame(message))

    def flush(self) -> None:
        data, self.outgoing = b"".join(self.outgoing), []
        while data:
            data = data[os.write(self.control, data):]

    def close(self) -> None:
        for child in self.running.values():
            child.kill()
            child.remove()


def main(control_fd: int) -> None:
    # As a fresh process should be: in its own folder, holding the build's socket and nothing
    # else the build may have left open (os.posix_spawn keeps every inheritable descriptor).
    os.chdir(os.environ["HOME"])
    os.closerange(3, control_fd)
    os.closerange(control_fd + 1, os.sysconf("SC_OPEN_MAX"))
    worker.prepare_interpreter()  # before the first fork: every child starts past it
    for name in PRELOADED:
        importlib.import_module(name)
    os.set_inheritable(control_fd, False)  # spawned children must not hold the build's socket
    settings = read_message(control_fd)
    if settings is None:
        return  # the build went away before saying anything
    os.environ.update(settings["environment"])  # for the children
    seal, unsealed_because = None, ""  # "": not asked to seal
    if settings["sandbox"] != "off":
        try:
            seal = sandbox.seal_service(settings["hide"], settings["keep"], settings["tmp_size"])
        except sandbox.SandboxUnavailable as error:
            unsealed_because = str(error)
    service = Service(control_fd, settings, seal)
    try:
        service.send({"kind": "ready", "sealed": seal is not None, "unsealed_because": unsealed_because})
        service.flush()
        if seal is None and settings["sandbox"] == REQUIRED:
            return  # the build stops with the reason
        service.serve()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the build is gone
    finally:
        service.close()
