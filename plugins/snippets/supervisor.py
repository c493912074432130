"""The snippet service: one clean interpreter that runs jobs in children and watches over them.

`python -P supervisor.py SOCKET_FD JOBS [spawn]` is started once per build
(see service.py) with the scrubbed environment. It reads job requests from
the socket, runs at most JOBS at once, and answers each with the outcome of
its blocks. Standard library only; run as a script.

Each job runs in a child forked from this process, already past interpreter
start-up and the worker's imports (with `spawn`, in a freshly started
interpreter instead, which the tests use to prove the two alike). The child
gets its own process group, pipes, working and temporary directories,
environment and memory limit, as a fresh process would.

Watching the children happens here, in one loop, rather than in the build:
reading their pipes, splitting output per block at the boundary markers,
enforcing each block's deadline, killing the process group and removing the
directory. So it runs on a core of its own instead of taking turns with
Pelican for the GIL.

A fork costs in proportion to the memory and mappings of the process forked,
and a child pays again for every page it writes. So this process stays
small: it talks to the build over the raw socket and watches pipes with
select.poll (no socket or selectors modules), loads shutil and doctest only
when a job needs them, and imports nothing that registers at-fork hooks
(threading, random, logging), which would run in every child.
"""

import collections
import importlib.util
import json
import marshal
import mmap
import os
import select
import signal
import struct
import sys
import time

STARTUP_GRACE = 30.0   # seconds for a child to start and begin its first block
LOOK_EVERY = 0.02      # seconds between looks at the running children's pipes
PLENTY = 16384         # bytes found in a pipe at one look that make it read as data comes
DRAIN_GRACE = 1.0      # seconds to collect output still in the pipes after a child was killed
EXIT_GRACE = 5.0       # seconds to wait for a killed child's exit status
HEADER = struct.Struct(">I")  # every message on the socket: its length, then its marshal data
# Small standard modules that snippets often use, imported once here rather than in
# every child (heapq: collections.Counter.most_common). None registers at-fork hooks.
PRELOADED = ("math", "heapq")


def frame(message):
    """A message as it goes on the socket (both ways): its length, then its marshal data.

    marshal, not JSON: both ends are the same interpreter, it is several times
    faster, and it carries the blocks' compiled code.
    """
    data = marshal.dumps(message)
    return HEADER.pack(len(data)) + data


def unframe(buffer):
    """The whole messages at the start of buffer, and the bytes of the next, incomplete one."""
    messages, start = [], 0
    view = memoryview(buffer)
    while len(buffer) - start >= HEADER.size:
        (length,) = HEADER.unpack_from(buffer, start)
        end = start + HEADER.size + length
        if len(buffer) < end:
            break
        messages.append(marshal.loads(view[start + HEADER.size:end]))
        start = end
    view.release()
    return messages, buffer[start:]


class Inbox:
    """The requests not started yet, as bytes, in memory the children do not inherit.

    A build sends its jobs far ahead of the ones running. Decoded and queued,
    hundreds of them grew this process by megabytes, and every fork copies,
    and every child later unmaps, the page tables of all of its memory. Kept
    here, in a mapping marked MADV_DONTFORK, they cost a fork nothing; each is
    decoded just before its child is forked.
    """

    def __init__(self, size=1 << 20):
        self.buffer = _unshared_memory(size)
        self.head = self.tail = 0   # the bytes not yet taken are buffer[head:tail]

    def read_from(self, fd):
        """Read what fd holds (at most what fits); False at end of file."""
        if self.tail == len(self.buffer):
            self._make_room()
        with memoryview(self.buffer) as view, view[self.tail:] as free:
            count = os.readv(fd, [free])
        self.tail += count
        return count > 0

    def take(self):
        """The next whole request, or None."""
        end = self._end_of_next()
        if end is None:
            return None
        request = marshal.loads(self.buffer[self.head + HEADER.size:end])
        self.head = end
        if self.head == self.tail:
            self.head = self.tail = 0
        return request

    def has_request(self):
        return self._end_of_next() is not None

    def _end_of_next(self):
        """Where the next request ends, if all of it is here."""
        if self.tail - self.head < HEADER.size:
            return None
        (length,) = HEADER.unpack_from(self.buffer, self.head)
        end = self.head + HEADER.size + length
        return end if end <= self.tail else None

    def _make_room(self):
        waiting = self.tail - self.head
        if self.head:  # move what is waiting to the front
            self.buffer.move(0, self.head, waiting)
        else:  # full of one unfinished request, or of many: twice the room
            bigger = _unshared_memory(2 * len(self.buffer))
            bigger[:waiting] = self.buffer[:waiting]
            self.buffer.close()
            self.buffer = bigger
        self.head, self.tail = 0, waiting


def _unshared_memory(size):
    memory = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    memory.madvise(mmap.MADV_DONTFORK)
    return memory


def _load_worker():
    """worker.py under a private name, so a post's own `worker` module is not shadowed."""
    spec = importlib.util.spec_from_file_location("_snippet_worker", os.path.join(os.path.dirname(__file__), "worker.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


worker = None  # the worker module, loaded by main(): the build imports this module only for framing


class OutputSplitter:
    """Splits one output stream into per-block segments at the boundary marker, capped."""

    def __init__(self, boundary, limit):
        self.boundary = boundary
        self.limit = limit
        self.pending = b""
        self.current = bytearray()
        self.dropped = 0
        self.segments = []

    def feed(self, data):
        self.pending += data
        while True:
            cut = self.pending.find(self.boundary)
            if cut < 0:
                break
            self._keep(self.pending[:cut])
            self.pending = self.pending[cut + len(self.boundary):]
            self.segments.append(self._text())
        keep_back = len(self.boundary) - 1
        if len(self.pending) > keep_back:
            self._keep(self.pending[:-keep_back])
            self.pending = self.pending[-keep_back:]

    def finish(self):
        """What was printed after the last boundary (by a block that never finished)."""
        self._keep(self.pending)
        self.pending = b""
        return self._text()

    def _keep(self, data):
        room = max(self.limit - len(self.current), 0)
        self.current += data[:room]
        self.dropped += max(len(data) - room, 0)

    def _text(self):
        text = self.current.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[output truncated: {self.dropped:,} more bytes not shown]\n"
        self.current, self.dropped = bytearray(), 0
        return text


class Job:
    """One request: a child process running some blocks in order, and what it reported."""

    def __init__(self, request):
        self.id = request["id"]
        self.request = request
        self.blocks = request["blocks"]
        self.by_number = {block["number"]: block for block in self.blocks}
        self.boundary = f"\0snippet-boundary-{os.urandom(8).hex()}\0".encode()
        self.out = OutputSplitter(self.boundary, request["output_limit"])
        self.err = OutputSplitter(self.boundary, request["output_limit"])
        self.report = b""
        self.ended = {}           # number -> outcome dict from the worker
        self.current = None       # number of the block running now
        self.deadline = float("inf")  # set when the child is let go
        self.timed_out = False
        self.finished = False     # the worker said it ran its whole plan
        self.pid = None
        self.status = None        # exit status, once reaped (negative: killed by that signal)
        self.fds = {}             # fd -> "out" | "err" | "report"
        self.directory = None     # the child's working directory, also its HOME and TMPDIR
        self.plan_file = None     # a spawned child's plan
        self.go = None            # while the child is held: the pipe that lets it go
        self.plan = None          # until it is started: what it runs
        self.pipes = None         # and the pipes made for it, (read, write) each

    def prepare(self, scratch):
        """Everything the child needs before it is forked: its plan, its pipes, its input files."""
        # One directory, which the child makes and removes itself: on some file systems
        # that is a good part of a short post's cost, better paid in parallel than here.
        directory = self.directory = os.path.join(scratch, f"snippet-{os.urandom(6).hex()}")
        if self.request["inputs"]:
            os.mkdir(directory)
            import shutil  # only for posts that declare input files
            for path in self.request["inputs"]:
                shutil.copy(path, os.path.join(directory, os.path.basename(path)))
        self.plan = {"boundary": self.boundary.decode(), "memory_limit": self.request["memory_limit"],
                     "directory": directory, "blocks": self.blocks}
        self.pipes = []
        try:
            for _ in range(4):  # stdout, stderr, report, go (made last: see _fork)
                self.pipes.append(os.pipe())
        except OSError:
            self.close_pipes()
            raise

    def launch(self, spawn):
        """Start the child: as little as can be between two forks (see Supervisor)."""
        (_, out_write), (_, err_write), (_, report_write), (go_read, _) = self.pipes
        # The child inherits its environment: set here, where the pages are written anyway.
        os.environ["HOME"] = os.environ["TMPDIR"] = self.directory
        if spawn:
            self.plan_file = f"{self.directory}.plan"
            self.pid = _spawn(self.plan, self.plan_file, out_write, err_write, report_write, go_read)
        else:
            self.pid = _fork(self.plan, out_write, err_write, report_write, go_read)

    def launched(self):
        """Keep this process's ends of the child's pipes; close the child's."""
        (out_read, out_write), (err_read, err_write), (report_read, report_write), (go_read, go_write) = self.pipes
        for fd in (out_write, err_write, report_write, go_read):
            os.close(fd)
        self.fds = {out_read: "out", err_read: "err", report_read: "report"}
        self.go = go_write
        self.pipes = self.plan = None

    def close_pipes(self):
        """For a child that could not be started."""
        for pipe in self.pipes or ():
            for fd in pipe:
                os.close(fd)
        self.pipes = None

    def let_go(self):
        """Let the held child run its blocks; the first block's deadline starts now."""
        try:
            os.write(self.go, b"\0")
        except OSError:
            pass  # it died while held: its report pipe says so
        os.close(self.go)
        self.go = None
        self.deadline = time.monotonic() + STARTUP_GRACE

    def on_data(self, stream, data):
        """Output or a report from the child; returns True once the job should stop."""
        if stream == "out":
            self.out.feed(data)
            return False
        if stream == "err":
            self.err.feed(data)
            return False
        self.report += data
        *lines, self.report = self.report.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not the worker's: a block wrote to the report pipe itself
            self._on_message(message)
        return self.finished

    def _on_message(self, message):
        event = message.pop("event")
        if event == "done":
            self.finished = True
            return
        number = message.pop("number")
        if event == "start":
            self.current = number
            self.deadline = message["at"] + self.by_number[number]["timeout"]  # the same clock
        else:
            self.ended[number] = message
            self.current = None
            self.deadline = time.monotonic() + STARTUP_GRACE

    def results(self):
        """One plain dict per block, in order: what the build turns into its results."""
        results = []
        stdout_tail, stderr_tail = self.out.finish(), self.err.finish()
        stopped_by = None   # the failed block that ended this process's run
        for index, block in enumerate(self.blocks):
            stdout = self.out.segments[index] if index < len(self.out.segments) else ""
            stderr = self.err.segments[index] if index < len(self.err.segments) else ""
            outcome = self.ended.get(block["number"])
            if outcome is not None:
                result = {"status": outcome["status"], "message": outcome.get("message", ""),
                          "details": outcome.get("details", ""), "line": outcome.get("line", 0),
                          "stdout": stdout, "stderr": stderr, "duration": outcome.get("duration", 0.0)}
            elif stopped_by is None:
                # The block that was running (or about to start) when the process ended.
                result = {"status": "failed", "message": self._death(block), "details": stderr_tail.strip(),
                          "stdout": stdout_tail, "stderr": stderr_tail}
            else:
                result = {"status": "not run", "message": f"not run: {stopped_by['label']} failed before it"}
            if result["status"] == "failed" and stopped_by is None:
                stopped_by = block
            results.append(result)
        return results

    def _death(self, block):
        started = block["number"] == self.current
        if self.timed_out and started:
            return f"timed out after {block['timeout']:g} s (the process and its children were killed)"
        if not started:
            return f"could not start: the snippet process ended before the block (status {self.status})"
        if self.status is not None and self.status < 0:
            return f"crashed: the process was killed by {signal.Signals(-self.status).name}"
        return f"crashed: the process exited with status {self.status} in the middle of the block"


REPORT_FD = 3  # where a child finds its report pipe
GO_FD = 4      # and the pipe that lets it start its blocks


def _fork(plan, stdout_fd, stderr_fd, report_fd, go_fd):
    """A child of this process, in a process group of its own, holding only its own pipes.

    A group, not a session: this process has no terminal to leave, and each
    new session costs the kernel a scheduling group of its own.

    It is killed if this process dies: nobody else would enforce its deadline.
    Each step here is chosen for the pages it writes: a forked child copies
    every page it writes, and that copying is most of what a short job costs.
    """
    supervisor = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            worker.libc.prctl(worker.PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != supervisor:
                os._exit(70)  # the supervisor died before the line above took effect
            os.setpgid(0, 0)  # a group of its own, to kill it with all it started
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(stdout_fd, 1)
            os.dup2(stderr_fd, 2)
            os.dup2(report_fd, REPORT_FD)
            os.dup2(go_fd, GO_FD)  # the go pipe was made last, so go_fd is above 4: nothing is lost
            os.closerange(GO_FD + 1, os.sysconf("SC_OPEN_MAX"))  # the build's socket, other jobs' pipes
            worker.run_plan(plan, REPORT_FD, GO_FD)
        finally:
            os._exit(70)  # run_plan ends with os._exit(0); anything else is a failure to start
    return pid


def _spawn(plan, plan_path, stdout_fd, stderr_fd, report_fd, go_fd):
    """A freshly started interpreter running the worker, set up like a forked child."""
    environment = dict(os.environ)  # HOME and TMPDIR already point at its directory
    with open(plan_path, "wb") as file:
        marshal.dump(plan, file)
    return os.posix_spawn(
        sys.executable, [sys.executable, "-P", worker.__file__, plan_path, str(REPORT_FD), str(GO_FD)],
        environment,
        file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                      (os.POSIX_SPAWN_DUP2, stdout_fd, 1), (os.POSIX_SPAWN_DUP2, stderr_fd, 2),
                      (os.POSIX_SPAWN_DUP2, report_fd, REPORT_FD), (os.POSIX_SPAWN_DUP2, go_fd, GO_FD)],
        setpgroup=0)


class Supervisor:
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

    def __init__(self, control, jobs, spawn):
        self.control = control     # the file descriptor of the socket to the build
        self.jobs = jobs
        self.spawn = spawn
        self.scratch = os.environ["TMPDIR"]
        self.poll = select.poll()  # what wakes this process: requests, pipes closing or full
        self.poll.register(control, select.POLLIN)
        self.waiting = select.poll()  # the children's pipes that hold data, looked at in passing
        self.looked = 0.0          # when they were last looked at
        self.streams = {}          # fd -> (job, "out" | "err" | "report")
        self.inbox = Inbox()       # requests not started yet
        self.running = {}          # pid -> Job, held or let go
        self.held = collections.deque()   # started, waiting for a place
        self.batch = 2 * jobs      # children forked in a row
        self.open = True           # the build may still send requests

    def serve(self):
        while self.open or self.inbox.has_request() or self.running:
            self._start_queued()
            for fd, _ in self.poll.poll(self._timeout()):
                if fd == self.control:
                    self._receive()
                    if not self.open:
                        return  # the build is gone or done: stop everything
                elif fd in self.streams:  # else closed by an earlier event of this batch (the job ended)
                    self._read(fd)
            self.looked = now = time.monotonic()
            for fd, _ in self.waiting.poll(0):
                if fd in self.streams:
                    self._read(fd)
            for job in [job for job in self.running.values() if job.deadline <= now]:
                job.timed_out = True
                self._stop(job)
            self._reap()

    def _timeout(self):
        """How long poll may sleep (ms): until the next deadline, or the next look at the pipes."""
        deadline = min((job.deadline for job in self.running.values()), default=float("inf"))
        if len(self.running) > len(self.held):  # children are running blocks
            deadline = min(deadline, self.looked + LOOK_EVERY)
        if deadline == float("inf"):
            return None
        return max(int((deadline - time.monotonic()) * 1000) + 1, 0)

    def _read(self, fd):
        """Read once from a child's pipe; a closed report pipe means the child ended."""
        job, stream = self.streams[fd]
        data = os.read(fd, 65536)
        if not data:
            self._close_stream(job, fd)
            if stream == "report":
                self._stop(job)  # the worker finished or died
            return
        if len(data) >= PLENTY:  # a block printing a lot: read this pipe as data comes
            self.poll.modify(fd, select.POLLIN)
        if job.on_data(stream, data):
            self._stop(job)

    def _receive(self):
        if not self.inbox.read_from(self.control):
            self.open = False

    def _start_queued(self):
        self._let_go()
        if not self.held:
            self._fork_batch()
            self._let_go()

    def _let_go(self):
        while self.held and len(self.running) - len(self.held) < self.jobs:
            self.held.popleft().let_go()

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
            job = Job(request)
            try:
                job.prepare(self.scratch)
                batch.append(job)
            except OSError as error:
                self._could_not_start(job, error)
        started = []
        for job in batch:
            try:
                job.launch(self.spawn)
                started.append(job)
            except OSError as error:  # rare: a failed fork leaves no page to copy
                self._could_not_start(job, error)
        for job in started:
            job.launched()
            self.running[job.pid] = job
            self.held.append(job)
            for fd, stream in job.fds.items():
                self.poll.register(fd, 0)  # no events asked: woken only when it closes
                self.waiting.register(fd, select.POLLIN)
                self.streams[fd] = (job, stream)

    def _could_not_start(self, job, error):
        job.close_pipes()
        self._answer(job, [{"status": "failed", "message": f"could not start: {error}"} for _ in job.blocks])
        if job.directory:
            _remove(job)

    def _close_stream(self, job, fd):
        self.poll.unregister(fd)
        self.waiting.unregister(fd)
        del self.streams[fd]
        os.close(fd)
        del job.fds[fd]

    def _stop(self, job):
        """Kill the child's process group, collect what is left, answer, clean up.

        Only for a child that did not finish its plan (a crash, a timeout) does
        this wait, up to DRAIN_GRACE for its output and EXIT_GRACE for its status.
        """
        _kill_group(job.pid)
        del self.running[job.pid]
        if job.go is not None:  # it died while held
            self.held.remove(job)
            os.close(job.go)
            job.go = None
        self._let_go()  # its place is free: the next child runs while this one is collected
        report = [fd for fd, stream in job.fds.items() if stream == "report"]
        for fd in report:
            self._close_stream(job, fd)
        self._drain(job, until=time.monotonic() + (0 if job.finished else DRAIN_GRACE))
        if not job.finished:  # how it ended matters only if it did not finish its plan
            job.status = self._wait(job)
        for fd in list(job.fds):
            self._close_stream(job, fd)
        self._answer(job, job.results())
        _remove(job)

    def _drain(self, job, until):
        """Read what the pipes still hold; the group is dead, so EOF comes quickly.

        A worker that finished its plan wrote everything before its last
        message: what is already in the pipes is all there is to read.
        """
        while job.fds:
            ready = select.select(list(job.fds), [], [], max(until - time.monotonic(), 0))[0]
            if not ready:
                return
            for fd in ready:
                data = os.read(fd, 65536)
                if data:
                    job.on_data(job.fds[fd], data)
                else:
                    self._close_stream(job, fd)

    def _wait(self, job):
        if job.status is not None:
            return job.status
        until = time.monotonic() + EXIT_GRACE
        while time.monotonic() < until:
            try:
                pid, status = os.waitpid(job.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid:
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
            if pid in self.running:
                self.running[pid].status = os.waitstatus_to_exitcode(status)

    def _answer(self, job, results):
        data = frame({"id": job.id, "results": results})
        while data:
            data = data[os.write(self.control, data):]

    def close(self):
        for job in self.running.values():
            _kill_group(job.pid)
            _remove(job)


def _remove(job):
    """Remove what is left of a job's directory, and its plan file.

    A child that finished removes its directory itself when it is empty (the
    usual case); this is for the others.
    """
    try:
        os.rmdir(job.directory)
    except FileNotFoundError:
        pass
    except OSError:
        import shutil  # only for the few posts that leave files behind
        shutil.rmtree(job.directory, ignore_errors=True)
    if job.plan_file:
        try:
            os.unlink(job.plan_file)
        except FileNotFoundError:
            pass


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def main(control_fd, jobs, spawn):
    global worker
    worker = _load_worker()  # before the first fork: every child starts past these imports
    worker.prepare_interpreter()
    for name in PRELOADED:
        importlib.import_module(name)
    os.set_inheritable(control_fd, False)  # spawned children must not hold the build's socket
    supervisor = Supervisor(control_fd, jobs, spawn)
    try:
        supervisor.serve()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the build is gone
    finally:
        supervisor.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:] == ["spawn"])
