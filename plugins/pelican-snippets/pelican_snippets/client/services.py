"""The snippet services of one build: one per environment, started on first use, sharing the `jobs` places.

Each environment (an interpreter and a dependency set, matrix/environments.py)
has a service of its own, running that environment's Python. While only one
exists, it alone bounds its runs by `jobs`, and keeps work queued to fork in
batches. Once there are several, the build hands out the places: a request
is sent when one of the `jobs` running ends, so the runs of every
interpreter share one pool.
"""

from __future__ import annotations

import collections
import queue
import threading
from concurrent.futures import Future

from ..config import Config
from ..runtime.wire import Request
from .process import ServiceProcess
from .service import ServiceOnDemand, ServiceStopped
from .settings import service_settings


class Services:
    def __init__(self, config: Config, spawn: bool = False) -> None:
        self.config, self.spawn = config, spawn
        self.lock = threading.Lock()       # guards everything below
        self.by_python = {}                # an environment's python -> its ServiceOnDemand
        self.running = 0                   # requests sent and not answered
        self.waiting = collections.deque()  # (service, request, Future) for a free place
        self.sends = None                  # the thread that sends waiting requests, once shared
        self.closed = False

    def boot(self, environment, process: ServiceProcess) -> None:
        """Take the service of an environment started before its first request (the command
        line), and give it its settings: it seals itself while the posts are read."""
        self._service(environment)(process)

    def submit(self, environment, request: Request) -> Future:
        future = Future()
        with self.lock:
            if self.closed:
                future.set_exception(ServiceStopped("the build stopped first"))
                return future
        service = self._service(environment)
        with self.lock:
            if self.sends is not None and self.running >= self.config.jobs:
                self.waiting.append((service, request, future))
                return future
            self.running += 1
        self._send(service, request, future)
        return future

    def _service(self, environment) -> ServiceOnDemand:
        with self.lock:
            service = self.by_python.get(environment.python)
            if service is None:
                settings = service_settings(self.config, self.spawn, keep=[environment.path])
                service = self.by_python[environment.python] = ServiceOnDemand(settings, environment.python)
                if len(self.by_python) == 2:  # from now on the places are shared
                    self.sends = queue.SimpleQueue()
                    threading.Thread(target=self._send_waiting, name="snippet-places", daemon=True).start()
            return service

    def _send(self, service, request, future) -> None:
        """Send a request that holds a place; `future` gets its answer. A service that cannot
        even start fails the request, and its place is free again."""
        try:
            answer = service().submit(request)
        except Exception as error:  # noqa: BLE001 - no process, no memory: the request's answer says why
            future.set_exception(ServiceStopped(f"the snippet service could not start: {error}"))
            self._ended(None)
            return
        answer.add_done_callback(self._ended)
        answer.add_done_callback(lambda done: _pass_on(done, future))

    def _ended(self, _answer):
        """A place is free: the next waiting request takes it. Sent from a thread of its own:
        this runs in a service's reader, which must not block on another service's socket."""
        with self.lock:
            self.running -= 1
            if not self.waiting or self.running >= self.config.jobs:
                return
            self.running += 1
            waiting = self.waiting.popleft()
        self.sends.put(waiting)

    def _send_waiting(self):
        while (waiting := self.sends.get()) is not None:
            self._send(*waiting)

    @property
    def sealed(self) -> bool | None:
        """Whether every service that ran was sealed (None: none ran)."""
        known = [service.sealed for service in self.by_python.values() if service.sealed is not None]
        return all(known) if known else None

    @property
    def unsealed_because(self) -> str:
        return next((service.unsealed_because for service in self.by_python.values() if service.unsealed_because),
                    "")

    def close(self, wait: bool = True) -> None:
        """Stop every service: any job still running is killed, its directory removed.
        `wait=False` only tells them to stop, so that they end while the build does something
        else; a close() after it waits for them."""
        with self.lock:
            if self.sends is not None and not self.closed:
                self.sends.put(None)
            self.closed = True
            services, waiting = list(self.by_python.values()), list(self.waiting)
            self.waiting.clear()
        for _, _, future in waiting:
            future.set_exception(ServiceStopped("the build stopped before it ran"))
        for service in services:
            service.close(wait)


def _pass_on(done: Future, future: Future) -> None:
    if done.exception() is not None:
        future.set_exception(done.exception())
    else:
        future.set_result(done.result())
