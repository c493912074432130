"""Start the child process of a job: a fresh interpreter, or a fork of a pre-started one.

Starting Python and importing the worker costs tens of milliseconds, more
than most posts' blocks take to run. So a build starts one clean "zygote"
interpreter (the worker script in serve mode, with the scrubbed environment)
and asks it to fork a child per job. Each child gets its own session, pipes,
working directory and limits, exactly as a freshly started process would;
the zygote reports each child's exit status, so crashes are still told apart.
If the zygote cannot be used, jobs fall back to a fresh interpreter each.
"""

import json
import os
import socket
import subprocess
import tempfile
import sys
import threading
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")


class Child:
    """What the runner needs of a started process: its pid, and its exit status when it ends.

    `pid` may be a function: a zygote answers with the pid while the child
    already runs, and the runner needs it only at the end.
    """

    def __init__(self, pid, wait):
        self._pid = pid
        self._wait = wait
        self.returncode = None

    @property
    def pid(self):
        if callable(self._pid):
            self._pid = self._pid()
        return self._pid

    def wait(self, timeout=None):
        """The exit status (negative: killed by that signal), or None if still running after timeout."""
        if self.returncode is None:
            self.returncode = self._wait(timeout)
        return self.returncode


def spawn(environment, cwd, stdout, stderr, plan_fd, report_fd):
    """A fresh interpreter running the worker."""
    process = subprocess.Popen(
        [sys.executable, "-P", str(WORKER), str(plan_fd), str(report_fd)],
        stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, cwd=cwd, env=environment,
        pass_fds=(plan_fd, report_fd), start_new_session=True)

    def wait(timeout):
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    return Child(process.pid, wait)


class Zygote:
    """A pre-started worker interpreter that forks one child per job, on request."""

    def __init__(self, environment, cwd):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(WORKER), "--serve", str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=cwd, env=environment,
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.socket = ours
        self.lock = threading.Lock()          # one request on the socket at a time
        self.changed = threading.Condition()
        self.started = {}                     # request id -> pid
        self.exits = {}                       # pid -> exit status
        self.alive = True
        self.next_id = 0
        threading.Thread(target=self._listen, name="snippet-zygote", daemon=True).start()

    def _listen(self):
        try:
            while True:
                data = self.socket.recv(4096)
                if not data:
                    break
                message = json.loads(data)
                with self.changed:
                    if "pid" in message:
                        self.started[message["id"]] = message["pid"]
                    else:
                        self.exits[message["exit"]] = message["status"]
                    self.changed.notify_all()
        except OSError:
            pass
        with self.changed:
            self.alive = False
            self.changed.notify_all()

    def start(self, environment, cwd, stdout, stderr, plan_fd, report_fd):
        """Ask for a child for one job; None if the zygote is gone.

        Does not wait for the fork: the child's pipes are already its own, so
        the job starts while the zygote's answer is on its way.
        """
        request = {"cwd": str(cwd), "env": {k: environment[k] for k in ("HOME", "TMPDIR")}}
        with self.lock:
            if not self.alive:
                return None
            request["id"] = self.next_id = self.next_id + 1
            try:
                socket.send_fds(self.socket, [json.dumps(request).encode()],
                                [stdout, stderr, plan_fd, report_fd])
            except OSError:
                return None
        child = Child(lambda: self._pid(request["id"]), lambda timeout: self._exit_status(child.pid, timeout))
        return child

    def _pid(self, request_id):
        with self.changed:
            self.changed.wait_for(lambda: request_id in self.started or not self.alive, 30)
            return self.started.pop(request_id, None)

    def _exit_status(self, pid, timeout):
        if pid is None:
            return None
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or not self.alive, timeout)
            return self.exits.pop(pid, None)

    def close(self):
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ZygoteOnDemand:
    """A zygote started on first use, so a build served from the cache starts none.

    `environment(directory)` gives the zygote's environment, with `directory`
    (its own scratch directory) as home and temporary directory.
    """

    def __init__(self, environment):
        self._environment = environment
        self._lock = threading.Lock()
        self._zygote = None
        self._scratch = None

    def __call__(self):
        with self._lock:
            if self._zygote is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="snippet-zygote-", ignore_cleanup_errors=True)
                self._zygote = Zygote(self._environment(self._scratch.name), self._scratch.name)
            return self._zygote

    def close(self):
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._scratch.cleanup()
                self._zygote = self._scratch = None
