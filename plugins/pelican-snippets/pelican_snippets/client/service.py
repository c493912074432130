"""Start the snippet service, send it requests, get each request's outcomes back, restart it if it dies.

The service (runtime/service.py) is one clean interpreter started with the
scrubbed environment; it forks and watches a child per job. Here a job is a
request on a socket and its answer resolves a Future, so the build only
pays for a message each way; a single thread per process reads the answers.

A crash costs one post. When a service process dies, the requests it had
not started go to a new one. Those it was running (it names them before it
lets them start) are suspects: each runs again alone, in a service of its
own, and only the one that stops that service too is lost.
"""

from __future__ import annotations

import collections
import sys
import threading
from concurrent.futures import Future

from ..config import Config, sandbox_required_but
from ..runtime.wire import REQUIRED, Request, Settings, frame
from .process import ServiceProcess
from .settings import service_settings

DEATHS_WAITED = 3  # service processes that may die while a request waits to start, before it is failed


class ServiceStopped(RuntimeError):
    """The service ended before answering (it crashed, was killed, or could not seal)."""


class SnippetService:
    """The service of one build and interpreter; `submit(request)` returns a Future of its outcomes.

    Every request stays in `requests` until it is answered or failed, and
    `sent_to` says which process holds it. When a process dies, `on_stopped`
    decides each held request's fate under the lock, and the messages are
    sent once the lock is let go.
    """

    def __init__(self, settings: Settings, python: str = sys.executable, first: ServiceProcess | None = None) -> None:
        self.settings, self.python = settings, python
        self.lock = threading.Lock()   # guards everything below
        self.requests = {}             # id -> (framed request, Future), until answered or failed
        self.sent_to = {}              # id -> the ServiceProcess holding it
        self.deaths = collections.Counter()  # id -> service processes that died while it waited
        self.next_id = 0
        self.suspects = collections.deque()  # ids waiting to run alone
        self.alone = None              # the process running one suspect, alone
        self.sealed = None             # known once a process is ready
        self.unsealed_because = ""
        self.stopped = None            # why no request can run any more
        self.closing = False
        self.failed_starts = 0         # processes in a row that ended before they were ready
        self.current = first or ServiceProcess(python)
        self.current.begin(settings, self)

    def submit(self, request: Request) -> Future:
        future = Future()
        with self.lock:
            if self.stopped:
                future.set_exception(ServiceStopped(self.stopped))
                return future
            self.next_id += 1
            number = self.next_id
            data = frame({**request, "id": number})
            self.requests[number] = (data, future)
            self.sent_to[number] = process = self.current
        process.send(data)  # if it has died, its on_stopped sends the request on
        return future

    def on_message(self, process: ServiceProcess, message: dict) -> None:
        kind = message["kind"]
        if kind == "ready":
            with self.lock:
                process.ready, self.failed_starts = True, 0
                self.sealed, self.unsealed_because = message["sealed"], message["unsealed_because"]
                if not self.sealed and self.settings["sandbox"] == REQUIRED:
                    self.stopped = sandbox_required_but(self.unsealed_because)
            return
        sends, idle = [], None
        with self.lock:
            if kind == "started":
                process.started.update(message["started"])
                return
            process.started.discard(message["id"])
            _, future = self.requests.pop(message["id"])
            del self.sent_to[message["id"]]
            if process is self.alone:  # its suspect ran alone without killing it: the next one
                sends = self._next_suspect()
                if not sends:
                    idle, self.alone = self.alone, None
        future.set_result(message["outcomes"])
        self._send_all(sends)
        if idle:
            idle.close()

    def on_stopped(self, process: ServiceProcess, status: int) -> None:
        """A process ended: unless it was asked to, replace it, send its requests on, and fail
        only the one that killed it. An interpreter that keeps ending before it is ready is not
        started again: every request fails with the reason."""
        lost, sends = [], []
        with self.lock:
            held = [number for number, owner in self.sent_to.items() if owner is process]
            how = f"exit status {status}"
            if process is self.current and not process.ready and not self.closing:
                self.failed_starts += 1
                if self.failed_starts >= DEATHS_WAITED and not self.stopped:
                    self.stopped = (f"the snippet service's Python ({self.python}) ended before it was ready, "
                                    f"{DEATHS_WAITED} times in a row ({how})")
            if process is self.alone:
                self.alone = None
            elif process is self.current and not self.closing and not self.stopped:
                self.current = ServiceProcess(self.python)
                self.current.begin(self.settings, self)  # its messages wait for this lock
            for number in held:
                self.deaths[number] += 1
                if self.closing or self.stopped:
                    lost.append((number, self.stopped or f"the snippet service stopped ({how})"))
                elif process.runs_alone:  # its one request stopped this process too
                    lost.append((number, f"the snippet service stopped ({how}) while this post ran, and "
                                         "again when it ran alone: one of its blocks ends the service"))
                elif number in process.started:
                    self.suspects.append(number)
                elif self.deaths[number] >= DEATHS_WAITED:
                    lost.append((number, f"the snippet service stopped {DEATHS_WAITED} times while this "
                                         f"post waited ({how})"))
                else:
                    self.sent_to[number] = self.current
                    sends.append((self.current, self.requests[number][0]))
            if self.alone is None and not self.closing:
                sends += self._next_suspect()
            futures = []
            for number, why in lost:
                del self.sent_to[number]
                futures.append((self.requests.pop(number)[1], why))
        for future, why in futures:
            future.set_exception(ServiceStopped(why))
        self._send_all(sends)

    def _next_suspect(self) -> list:
        """With the lock held: the next suspect, given to the process that runs suspects alone
        (made if need be), as [(process, request)]; [] if there is none."""
        if not self.suspects:
            return []
        number = self.suspects.popleft()
        if self.alone is None:
            self.alone = ServiceProcess(self.python)
            self.alone.runs_alone = True
            self.alone.begin({**self.settings, "jobs": 1}, self)
        self.sent_to[number] = self.alone
        return [(self.alone, self.requests[number][0])]

    @staticmethod
    def _send_all(sends):
        for process, data in sends:
            process.send(data)

    @property
    def used(self) -> bool:
        """Whether any request was sent to it."""
        return self.next_id > 0

    def close(self, wait: bool = True) -> None:
        """Stop the service: any job still running is killed, its directory removed. `wait=False`
        only tells its processes to stop; a close() after it waits for them."""
        with self.lock:
            self.closing = True
            processes = [process for process in (self.current, self.alone) if process]
        for process in processes:
            process.close(unused=not self.used, wait=wait)


class ServiceOnDemand:
    """A service started on first use, so a build served from the cache starts none (the
    command line starts its services at once: client/services.py, `Services.boot`).

    `python` is the interpreter that runs the blocks. A service that ran
    nothing says nothing of whether runs are sealed.
    """

    def __init__(self, settings: Settings, python: str = sys.executable) -> None:
        self._settings = settings
        self.python = python
        self._lock = threading.Lock()
        self._service = None
        self.sealed = None         # whether the runs were sealed, once the service has said so
        self.unsealed_because = ""

    def __call__(self, first: ServiceProcess | None = None) -> SnippetService:
        """The service, started now if it is not yet: in `first`, a process already booting for
        it, if given (one not needed is stopped)."""
        with self._lock:
            if self._service is None:
                self._service = SnippetService(self._settings, self.python, first)
            elif first is not None:
                first.close(unused=True)
            return self._service

    def close(self, wait: bool = True) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close(wait)
                if not wait:
                    return
                if self._service.used:
                    self.sealed, self.unsealed_because = self._service.sealed, self._service.unsealed_because
                self._service = None


def snippet_service(config: Config, spawn: bool = False, python: str = sys.executable) -> ServiceOnDemand:
    """The snippet service for a build with these settings, started on first use."""
    return ServiceOnDemand(service_settings(config, spawn), python)
