"""Start the snippet service, send it requests, and get each request's outcomes back.

The service (runtime/service.py) is one clean interpreter started with the
scrubbed environment; it forks and watches a child per job. Here a job is a
request on a socket and its answer resolves a Future, so the build only
pays for a message each way; a single thread reads the answers.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

from ..config import Config
from ..runtime.wire import Request, frame, unframe
from .environment import snippet_environment

RUNTIME = Path(__file__).resolve().parent.parent / "runtime"


class ServiceStopped(RuntimeError):
    """The service ended before answering (it crashed, or was killed)."""


class SnippetService:
    """A running service process; `submit(request)` returns a Future of its outcomes."""

    def __init__(self, environment: dict, cwd: str, jobs: int, spawn: bool = False,
                 python: str = sys.executable) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [python, str(RUNTIME), "service", str(theirs.fileno()), str(jobs)] + (["spawn"] if spawn else []),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=cwd, env=environment,
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.socket = ours
        self.python = python
        # Two locks: a build blocked sending must not keep the reader from taking answers,
        # or a service blocked sending a large answer would wait on the build for ever.
        self.lock = threading.Lock()     # guards the futures, the ids and `stopped`
        self.sending = threading.Lock()  # one request on the socket at a time
        self.futures = {}                # request id -> Future
        self.next_id = 0
        self.stopped = None              # why the service can take no more requests
        self.reader = threading.Thread(target=self._read_answers, name="snippet-service", daemon=True)
        self.reader.start()

    def submit(self, request: Request) -> Future:
        future = Future()
        with self.lock:
            if self.stopped:
                future.set_exception(ServiceStopped(self.stopped))
                return future
            self.next_id += 1
            number = self.next_id
            self.futures[number] = future
        try:
            with self.sending:
                self.socket.sendall(frame({**request, "id": number}))
        except OSError as error:
            with self.lock:
                self.futures.pop(number, None)
            if not future.done():
                future.set_exception(ServiceStopped(f"the snippet service is gone ({error})"))
        return future

    def _read_answers(self):
        buffer = b""
        try:
            while True:
                data = self.socket.recv(1 << 20)
                if not data:
                    break
                answers, buffer = unframe(buffer + data)
                for answer in answers:
                    with self.lock:
                        future = self.futures.pop(answer["id"])
                    future.set_result(answer["outcomes"])
        except OSError:
            pass
        status = self.process.wait()
        with self.lock:
            self.stopped = f"the snippet service stopped (exit status {status})"
            waiting, self.futures = list(self.futures.values()), {}
        for future in waiting:
            future.set_exception(ServiceStopped(self.stopped))

    def close(self) -> None:
        """Stop the service: any job still running is killed, its directory removed."""
        if not self.next_id:
            self.process.kill()  # it was never used: no need to let it finish starting
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        # The reader ends when the service has exited and been reaped. Joining it wakes
        # as soon as that happens; Popen.wait(timeout) would poll with growing sleeps.
        self.reader.join(5)
        if self.reader.is_alive():
            self.process.kill()
            self.reader.join()
        self.socket.close()


class ServiceOnDemand:
    """A service started on first use, so a build served from the cache starts none.

    `environment(directory)` gives the service's environment, with
    `directory` (its own scratch directory) as home and temporary directory.
    `python` is the interpreter that runs the blocks.
    """

    def __init__(self, environment, jobs: int, spawn: bool = False, python: str = sys.executable) -> None:
        self._environment = environment
        self._jobs = jobs
        self._spawn = spawn
        self.python = python
        self._lock = threading.Lock()
        self._service = None
        self._scratch = None

    def __call__(self) -> SnippetService:
        with self._lock:
            if self._service is None:
                self._scratch = tempfile.TemporaryDirectory(prefix="snippet-service-", ignore_cleanup_errors=True)
                self._service = SnippetService(self._environment(self._scratch.name), self._scratch.name,
                                               self._jobs, self._spawn, self.python)
            return self._service

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._scratch.cleanup()
                self._service = self._scratch = None


def snippet_service(config: Config, spawn: bool = False, python: str = sys.executable) -> ServiceOnDemand:
    """The snippet service for a build with these settings, started on first use."""
    return ServiceOnDemand(lambda directory: snippet_environment(config, directory, directory, python),
                           config.jobs, spawn, python)
