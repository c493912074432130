"""The requests the service has not started yet, kept as framed bytes the children do not inherit."""

from __future__ import annotations

import mmap
import os

from .wire import Request, frame_end, read_frame


class Inbox:
    """The requests not started yet, as bytes, in memory the children do not inherit.

    A build sends its jobs far ahead of the ones running. Decoded and queued,
    hundreds of them grow the service by megabytes, and every fork copies,
    and every child later unmaps, the page tables of all of its memory. Kept
    here, in a mapping marked MADV_DONTFORK, they cost a fork nothing; each is
    decoded just before its child is forked.
    """

    def __init__(self, size: int = 1 << 20) -> None:
        self.buffer = _unshared_memory(size)
        self.head = self.tail = 0   # the bytes not yet taken are buffer[head:tail]

    def read_from(self, fd: int) -> bool:
        """Read what fd holds (at most what fits); False at end of file."""
        if self.tail == len(self.buffer):
            self._make_room()
        with memoryview(self.buffer) as view, view[self.tail:] as free:
            count = os.readv(fd, [free])
        self.tail += count
        return count > 0

    def take(self) -> Request | None:
        """The next whole request, or None."""
        end = self._end_of_next()
        if end is None:
            return None
        request = read_frame(self.buffer, self.head, end)
        self.head = end
        if self.head == self.tail:
            self.head = self.tail = 0
        return request

    def has_request(self) -> bool:
        return self._end_of_next() is not None

    def _end_of_next(self):
        """Where the next request ends, if all of it is here."""
        return frame_end(self.buffer, self.head, self.tail)

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

