"""One snippet service process: started, told its settings, read from, stopped.

The command line starts one as soon as it has read its settings, so this
module imports little: the process is spawned with os.posix_spawn, and its
scratch folder made with os.mkdir (importing subprocess and tempfile would
put a few milliseconds more before the spawn).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading

from ..runtime.wire import Settings, frame, unframe
from .environment import RUNTIME, snippet_environment


class ServiceProcess:
    """One service process: its socket, its scratch directory, and the thread that reads its messages.

    It starts booting when made, and waits for its Settings (`begin`): the
    command line makes it as soon as it has read the settings file and found
    the environment, and begins it at once, so that it boots and seals itself
    while the command imports the rest and reads the posts.
    """

    def __init__(self, python: str = sys.executable) -> None:
        self.scratch = scratch_folder()  # its home and working directory, and unsealed posts' folder
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            theirs.set_inheritable(True)  # the service closes any other it inherits (runtime/service.py)
            self.pid = os.posix_spawn(
                python, [python, RUNTIME, "service", str(theirs.fileno())],
                snippet_environment(self.scratch, self.scratch, python),
                file_actions=[(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                              (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)],
                setsid=True)
        except OSError:
            ours.close()
            os.rmdir(self.scratch)
            raise
        finally:
            theirs.close()
        self.status = None             # its exit status, once it has ended and been reaped
        self.python = python
        self.socket = ours
        self.owner = None
        self.started = set()           # requests it let start and has not answered
        self.runs_alone = False        # it runs one suspect at a time (see service.py)
        self.ready = False             # it said it is ready (sealed, or why not)
        self.sending = threading.Lock()  # one message on the socket at a time
        self.reader = None

    def begin(self, settings: Settings, owner) -> None:
        """Send it its settings; from now on its messages go to `owner`."""
        self.owner = owner
        self.send(frame(settings))
        self.reader = threading.Thread(target=self._read, name="snippet-service", daemon=True)
        self.reader.start()

    def send(self, data: bytes) -> bool:
        """Put a framed message on the socket; False if the process is gone."""
        try:
            with self.sending:
                self.socket.sendall(data)
            return True
        except OSError:
            return False

    def _read(self):
        buffer = b""
        try:
            while True:
                data = self.socket.recv(1 << 20)
                if not data:
                    break
                messages, buffer = unframe(buffer + data)
                for message in messages:
                    self.owner.on_message(self, message)
        except OSError:
            pass
        finally:  # whatever ended the reading, the owner must know, or its requests would wait for ever
            self.owner.on_stopped(self, self.wait())

    def wait(self) -> int:
        """Wait for it to end; its exit status (negative: the signal that killed it). Its scratch
        folder goes then, however it ended: what it left there no process uses."""
        if self.status is None:
            self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            try:
                os.rmdir(self.scratch)  # empty, unless unsealed posts left files behind
            except OSError:
                import shutil
                shutil.rmtree(self.scratch, ignore_errors=True)
        return self.status

    def kill(self) -> None:
        import signal  # only to stop one that will not end

        if self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def close(self, unused: bool = False, wait: bool = True) -> None:
        """Stop it (`unused`: it ran nothing, so it need not finish starting); any job still
        running is killed, its directory removed. `wait=False` only tells it to stop."""
        if unused or self.reader is None:
            self.kill()
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        if not wait:
            return
        # The reader ends when the service has exited and been reaped. Joining it wakes
        # as soon as that happens; Popen.wait(timeout) would poll with growing sleeps.
        if self.reader is None:
            self.wait()
        elif threading.current_thread() is not self.reader:
            self.reader.join(5)
            if self.reader.is_alive():
                self.kill()
                self.reader.join()
        self.socket.close()


def scratch_folder() -> str:
    """A new folder only this user can enter, in the temporary directory, as
    tempfile.mkdtemp makes one."""
    parent = os.environ.get("TMPDIR") or "/tmp"
    while True:
        path = os.path.join(parent, f"snippet-service-{os.urandom(6).hex()}")
        try:
            os.mkdir(path, 0o700)
            return os.path.abspath(path)
        except FileExistsError:
            continue
