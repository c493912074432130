"""Find the fenced code blocks of a Markdown file, exactly as Python-Markdown does.

Python-Markdown's `fenced_code` only recognises fences that start at column 0
(so not inside lists or blockquotes with our configuration), closes a block at
the first line holding the very same fence followed only by spaces, and
ignores an opening line whose info string it cannot read. We follow the same
rules on the same lines, so the blocks we run are the blocks readers see.
"""

import re
from collections import namedtuple
from collections.abc import Iterator
from itertools import islice

_OPENING = re.compile(r"^(?P<fence>`{3,}|~{3,})[ ]*(?P<info>[^\n]*?)[ ]*$")
# What fenced_code itself accepts after the fence (language, hl_lines or {attrs}).
_NATIVE_INFO = re.compile(r"""^(\{[^\n]*\}|\.?[\w#.+-]*[ ]*(hl_lines=("|')[^\n]*?\3[ ]*)?)$""")
_ATTR_LANGUAGE = re.compile(r"\{\s*\.([\w#.+-]+)")
_FENCE_STARTS = ("```", "~~~")  # a cheap look at each line before the regex


class Fence(namedtuple("Fence", ["open_index", "close_index", "fence", "info", "language"])):
    """A fenced block as it stands in the file: 0-based line indexes, the fence, the raw info
    string, and its language in lower case ("" for none)."""

    __slots__ = ()

    @property
    def option_text(self) -> str:
        if self.info.startswith("{"):
            return ""
        parts = self.info.split(maxsplit=1)
        return parts[1] if len(parts) > 1 else ""


def language_of(info: str) -> str:
    """The language an info string names: its first word, or the first class of {.attrs}."""
    if info.startswith("{"):
        match = _ATTR_LANGUAGE.match(info)
        return match.group(1).lower() if match else ""
    words = info.split(maxsplit=1)  # none when it is only whitespace other than spaces
    return words[0].lstrip(".").lower() if words else ""


def find_fences(lines: list[str], understands=lambda language: False) -> Iterator[tuple[Fence | None, tuple | None]]:
    """Yield (Fence or None, problem) for every fenced block in `lines`.

    `understands(language)` tells whether our plugin reads that language's
    options; other fences count only if fenced_code can read their info string.
    An info string fenced_code cannot read, and an opening fence never closed,
    are reported as problems: Python-Markdown would print them as plain text.
    """
    # Only a line that starts like a fence can open or close one: the rest are passed over at once.
    starts = [index for index, line in enumerate(lines) if line.startswith(_FENCE_STARTS)]
    after = 0  # lines before this one are inside a block already found
    for at, index in enumerate(starts):
        match = _OPENING.match(lines[index]) if index >= after else None
        if not match:
            continue
        fence, info = match.group("fence"), match.group("info")
        language = language_of(info)
        if not (understands(language) or _NATIVE_INFO.match(info)):
            # fenced_code cannot read this info string, so the block would be shown as text
            yield None, (index, f"the fence {fence}{info} is not understood: options are read only on "
                                f"python, pycon, shell and output blocks; write just {fence}{language}")
            continue
        close = next((later for later in islice(starts, at + 1, None) if lines[later].rstrip(" ") == fence), None)
        if close is None:
            if info:  # a bare fence with no partner is ordinary text, not a mistake
                yield None, (index, f"the {fence}{info} fence opened here is never closed "
                                    f"(close it with a line holding exactly {fence})")
            continue
        yield Fence(index, close, fence, info, language), None
        after = close + 1
