"""Run a job's blocks in a fresh, bounded child process and collect what each did.

One process per job, started in its own session so that it and every process
it starts can be killed together. It gets an empty stdin, a fresh temporary
working directory, a scrubbed environment and a memory limit; each block gets
a deadline. Whatever happens, the process group is killed and the directory
removed before this returns.
"""

import json
import os
import secrets
import selectors
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import launcher

from .results import FAILED, NOT_RUN, PASSED, BlockResult

STARTUP_GRACE = 30.0   # seconds for the interpreter to start and ask for the first block
DRAIN_GRACE = 1.0      # seconds to collect output still in the pipes after the process ended


def snippet_environment(config, home, tmp):
    """Only what a block needs, plus the variables the settings pass through."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in config.pass_env:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


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
            self._keep(self.pending[:-keep_back] if keep_back else self.pending)
            self.pending = self.pending[-keep_back:] if keep_back else b""

    def finish(self):
        """What was printed after the last boundary (by a block that never finished)."""
        self._keep(self.pending)
        self.pending = b""
        return self._text()

    def _keep(self, data):
        room = self.limit - len(self.current)
        self.current += data[:max(room, 0)]
        self.dropped += max(len(data) - max(room, 0), 0)

    def _text(self):
        text = self.current.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[output truncated: {self.dropped:,} more bytes not shown]\n"
        self.current, self.dropped = bytearray(), 0
        return text


def run_job(job, config, zygote=None):
    """Run the job's blocks in order; return one BlockResult per block.

    With a zygote the child is forked from it; otherwise (or if that fails)
    a fresh interpreter is started.
    """
    with tempfile.TemporaryDirectory(prefix="snippet-", ignore_cleanup_errors=True) as scratch:
        work, tmp = Path(scratch, "work"), Path(scratch, "tmp")
        work.mkdir()
        tmp.mkdir()
        for path in job.inputs:
            shutil.copy(path, work / Path(path).name)
        return _Run(job, config, work, tmp).results(zygote)


class _Run:
    """The parent's side of one child process: feed the plan, watch the pipes, enforce deadlines."""

    def __init__(self, job, config, work, tmp):
        self.job, self.config = job, config
        self.boundary = f"\0snippet-boundary-{secrets.token_hex(8)}\0".encode()
        self.blocks = {block.number: block for block in job.blocks}
        self.ended = {}          # number -> outcome dict from the worker
        self.current = None
        self.deadline = time.monotonic() + STARTUP_GRACE
        self.timed_out = False
        self.finished = False    # the worker said it ran its whole plan
        self.out = OutputSplitter(self.boundary, config.output_limit)
        self.err = OutputSplitter(self.boundary, config.output_limit)
        self.work, self.tmp = work, tmp

    def results(self, zygote):
        plan_read, plan_write = os.pipe()
        report_read, report_write = os.pipe()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        environment = snippet_environment(self.config, self.work, self.tmp)
        child_ends = (out_write, err_write, plan_read, report_write)
        try:
            child = zygote.start(environment, self.work, *child_ends) if zygote else None
            child = child or launcher.spawn(environment, self.work, *child_ends)
        finally:
            for fd in child_ends:
                os.close(fd)
        try:
            with os.fdopen(plan_write, "wb") as plan_file:
                plan_file.write(json.dumps(self._plan()).encode())
            self._watch(out_read, err_read, report_read)
        finally:
            _kill_group(child.pid)
            if not self.finished:  # how it ended matters only if it did not finish its plan
                child.wait(DRAIN_GRACE * 5)
            self._drain(out_read, err_read)
            for fd in (report_read, out_read, err_read):
                os.close(fd)
        return self._collect(child.returncode)

    def _plan(self):
        return {
            "boundary": self.boundary.decode(),
            "memory_limit": self.config.memory_limit,
            "blocks": [{
                "number": block.number, "filename": block.source, "kind": block.kind,
                "first_line": block.first_code_line, "code": block.code,
                "ellipsis": block.options.ellipsis,
                "raises": ({"name": block.options.raises.name, "pattern": block.options.raises.pattern}
                           if block.options.raises else None),
            } for block in self.job.blocks],
        }

    def _watch(self, out_read, err_read, report_read):
        selector = selectors.DefaultSelector()
        selector.register(out_read, selectors.EVENT_READ, self.out.feed)
        selector.register(err_read, selectors.EVENT_READ, self.err.feed)
        selector.register(report_read, selectors.EVENT_READ, None)
        report_buffer = b""
        try:
            while True:
                wait = self.deadline - time.monotonic()
                if wait <= 0:
                    self.timed_out = True
                    return
                for key, _ in selector.select(wait):
                    data = os.read(key.fd, 65536)
                    if key.data is not None:          # stdout or stderr
                        if data:
                            key.data(data)
                        else:
                            selector.unregister(key.fileobj)
                        continue
                    if not data:                      # the worker finished or died
                        return
                    report_buffer += data
                    *lines, report_buffer = report_buffer.split(b"\n")
                    for line in lines:
                        self._on_message(json.loads(line))
        finally:
            selector.close()

    def _on_message(self, message):
        event = message.pop("event")
        if event == "done":
            self.finished = True
            return
        number = message.pop("number")
        if event == "start":
            self.current = number
            timeout = self.blocks[number].options.timeout or self.config.timeout
            self.deadline = time.monotonic() + timeout
        else:
            self.ended[number] = message
            self.current = None
            self.deadline = time.monotonic() + STARTUP_GRACE

    def _drain(self, out_read, err_read):
        """Read what the pipes still hold; the group is dead, so EOF comes quickly.

        A worker that finished its plan wrote everything before its last
        message: what is already in the pipes is all there is to read.
        """
        selector = selectors.DefaultSelector()
        selector.register(out_read, selectors.EVENT_READ, self.out.feed)
        selector.register(err_read, selectors.EVENT_READ, self.err.feed)
        until = time.monotonic() + (0 if self.finished else DRAIN_GRACE)
        while selector.get_map():
            ready = selector.select(max(until - time.monotonic(), 0))
            if not ready and time.monotonic() >= until:
                break
            for key, _ in ready:
                data = os.read(key.fd, 65536)
                if data:
                    key.data(data)
                else:
                    selector.unregister(key.fileobj)
        selector.close()

    def _collect(self, returncode):
        results = []
        stdout_tail, stderr_tail = self.out.finish(), self.err.finish()
        stopped_by = None   # the failed block that ended this process's run
        for index, block in enumerate(self.job.blocks):
            stdout = self.out.segments[index] if index < len(self.out.segments) else ""
            stderr = self.err.segments[index] if index < len(self.err.segments) else ""
            outcome = self.ended.get(block.number)
            if outcome is not None:
                result = BlockResult(
                    block, outcome["status"], message=outcome.get("message", ""),
                    details=outcome.get("details", ""), line=outcome.get("line", 0),
                    stdout=stdout, stderr=stderr, duration=outcome.get("duration", 0.0))
            elif stopped_by is None:
                # The block that was running (or about to start) when the process ended.
                result = BlockResult(
                    block, FAILED, message=self._death(block, returncode),
                    details=stderr_tail.strip(), stdout=stdout_tail, stderr=stderr_tail)
            else:
                result = BlockResult(
                    block, NOT_RUN, message=f"not run: {stopped_by.block.label} failed before it")
            if result.failed and stopped_by is None:
                stopped_by = result
            results.append(result)
        return results

    def _death(self, block, returncode):
        started = block.number == self.current
        if self.timed_out and started:
            timeout = block.options.timeout or self.config.timeout
            return f"timed out after {timeout:g} s (the process and its children were killed)"
        if not started:
            return f"could not start: the snippet process ended before the block (status {returncode})"
        if returncode is not None and returncode < 0:
            name = signal.Signals(-returncode).name
            return f"crashed: the process was killed by {name}"
        return f"crashed: the process exited with status {returncode} in the middle of the block"


def _kill_group(pid):
    if pid is None:  # the zygote died before forking: nothing to kill
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
