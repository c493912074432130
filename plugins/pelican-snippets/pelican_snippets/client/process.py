"""One snippet service process: started, told its settings, read from, stopped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
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
        self.scratch = tempfile.mkdtemp(prefix="snippet-service-")  # its home, and unsealed posts' folder
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = subprocess.Popen(
            [python, RUNTIME, "service", str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=self.scratch,
            env=snippet_environment(self.scratch, self.scratch, python),
            pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
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
            self.owner.on_stopped(self, self.process.wait())

    def close(self, unused: bool = False) -> None:
        """Stop it (`unused`: it ran nothing, so it need not finish starting); any job still
        running is killed, its directory removed."""
        if unused or self.reader is None:
            self.process.kill()
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        # The reader ends when the service has exited and been reaped. Joining it wakes
        # as soon as that happens; Popen.wait(timeout) would poll with growing sleeps.
        if self.reader is None:
            self.process.wait()
        elif threading.current_thread() is not self.reader:
            self.reader.join(5)
            if self.reader.is_alive():
                self.process.kill()
                self.reader.join()
        self.socket.close()
        try:
            os.rmdir(self.scratch)  # empty, unless unsealed posts left files behind
        except OSError:
            import shutil
            shutil.rmtree(self.scratch, ignore_errors=True)
