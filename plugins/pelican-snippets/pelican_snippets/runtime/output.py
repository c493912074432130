"""Split a child's stdout or stderr into each block's output, at the boundary marker, capped."""

from __future__ import annotations


class OutputSplitter:
    """One stream's per-block segments; each kept to `limit` bytes, with a note of what was cut."""

    def __init__(self, boundary: bytes, limit: int) -> None:
        self.boundary = boundary
        self.limit = limit
        self.pending = b""          # bytes that may be the start of a boundary
        self.current = bytearray()  # the running block's output so far
        self.dropped = 0
        self.segments: list = []    # the finished blocks' output, in order

    def feed(self, data: bytes) -> None:
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

    def segment(self, index: int) -> str:
        """The output of the block at this index, "" if it never finished."""
        return self.segments[index] if index < len(self.segments) else ""

    def finish(self) -> str:
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
