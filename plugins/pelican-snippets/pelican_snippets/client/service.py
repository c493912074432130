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

DEATHS_WITHOUT_PROGRESS = 2  # service processes in a row that die before answering anything: give up


class ServiceStopped(RuntimeError):
    """The service ended before answering (it crashed, was killed, or could not seal)."""


class SnippetService:
    """The service of one build and interpreter; `submit(request)` returns a Future of its outcomes."""

    def __init__(self, settings: Settings, python: str = sys.executable, first: ServiceProcess | None = None) -> None:
        self.settings, self.python = settings, python
        self.lock = threading.Lock()   # guards everything below
        self.requests = {}             # id -> (framed request, Future), until answered
        self.sent_to = {}              # id -> the ServiceProcess holding it
        self.next_id = 0
        self.suspects = collections.deque()  # ids waiting to run alone
        self.alone = None              # the process running one suspect, alone
        self.sealed = None             # known once a process is ready
        self.unsealed_because = ""
        self.stopped = None            # why no request can run any more
        self.fruitless = 0             # processes in a row that died without answering
        self.closing = False
        self.current = self._begin(settings, first or ServiceProcess(python))

    def _begin(self, settings, process=None):
        process = process or ServiceProcess(self.python)
        process.begin(settings, self)
        return process

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
        process.send(data)  # if it has died, its reader sends the request on to the next process
        return future

    def on_message(self, process: ServiceProcess, message: dict) -> None:
        kind = message["kind"]
        if kind == "ready":
            with self.lock:
                self.sealed, self.unsealed_because = message["sealed"], message["unsealed_because"]
                if not self.sealed and self.settings["sandbox"] == REQUIRED:
                    self.stopped = sandbox_required_but(self.unsealed_because)
            return
        with self.lock:
            process.started.update(message["started"])
            if kind != "answer":
                return
            process.started.discard(message["id"])
            _, future = self.requests.pop(message["id"])
            del self.sent_to[message["id"]]
            self.fruitless = 0
            next_alone = self._next_alone() if process is self.alone else None
        future.set_result(message["outcomes"])
        if next_alone:
            next_alone()

    def on_stopped(self, process: ServiceProcess, status: int) -> None:
        """A process ended: if it was not asked to, send its requests on, or fail the one that killed it."""
        lost, then = [], []
        with self.lock:
            held = [number for number, owner in self.sent_to.items() if owner is process]
            if self.closing or not held:
                return
            how = f"exit status {status}"
            if self.stopped:
                lost = [(number, self.stopped) for number in held]
            elif process is self.alone:
                # One request at a time runs here: the one running stopped this process too.
                lost = [(number, f"the snippet service stopped ({how}) while this post ran, and again "
                                 "when it ran alone: one of its blocks ends the service") for number in held]
                self.alone = None
                then.append(self._next_alone())
            else:
                self.fruitless += 1
                if self.fruitless >= DEATHS_WITHOUT_PROGRESS:
                    self.stopped = f"the snippet service stopped ({how})"
                    lost = [(number, self.stopped) for number in held]
                else:
                    suspects = [number for number in held if number in process.started]
                    self.suspects.extend(suspects)
                    self.current = self._begin(self.settings)
                    for number in held:
                        if number not in suspects:
                            self.sent_to[number] = self.current
                            then.append(lambda data=self.requests[number][0]: self.current.send(data))
                    if self.alone is None:
                        then.append(self._next_alone())
            for number, _ in lost:
                self.sent_to.pop(number, None)
            futures = [(self.requests.pop(number)[1], why) for number, why in lost]
        for future, why in futures:
            future.set_exception(ServiceStopped(why))
        for step in then:
            if step:
                step()

    def _next_alone(self):
        """With the lock held: what sends the next suspect to run alone (None if there is none)."""
        if not self.suspects:
            if self.alone is not None:
                alone, self.alone = self.alone, None
                return alone.close
            return None
        number = self.suspects.popleft()
        if self.alone is None:
            self.alone = self._begin({**self.settings, "jobs": 1})
        self.sent_to[number] = alone = self.alone
        return lambda: alone.send(self.requests[number][0])

    def close(self) -> None:
        """Stop the service: any job still running is killed, its directory removed."""
        with self.lock:
            self.closing = True
            processes = [process for process in (self.current, self.alone) if process]
        for process in processes:
            process.close(unused=not self.next_id)


class ServiceOnDemand:
    """A service started on first use, so a build served from the cache starts none.

    `python` is the interpreter that runs the blocks; `first`, a service
    process already booting for it.
    """

    def __init__(self, settings: Settings, python: str = sys.executable, first: ServiceProcess | None = None) -> None:
        self._settings = settings
        self.python = python
        self._first = first
        self._lock = threading.Lock()
        self._service = None
        self.sealed = None         # whether the runs were sealed, once the service has said so
        self.unsealed_because = ""

    def __call__(self) -> SnippetService:
        with self._lock:
            if self._service is None:
                self._service = SnippetService(self._settings, self.python, self._first)
                self._first = None
            return self._service

    def close(self) -> None:
        with self._lock:
            if self._first is not None:
                self._first.close(unused=True)
                self._first = None
            if self._service is not None:
                self._service.close()
                self.sealed, self.unsealed_because = self._service.sealed, self._service.unsealed_because
                self._service = None


def snippet_service(config: Config, spawn: bool = False, python: str = sys.executable,
                    first: ServiceProcess | None = None) -> ServiceOnDemand:
    """The snippet service for a build with these settings, started on first use (or already
    booting: `first`)."""
    return ServiceOnDemand(service_settings(config, spawn), python, first)
