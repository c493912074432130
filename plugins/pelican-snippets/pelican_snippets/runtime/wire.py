"""The protocol between the build, the snippet service and a post's process, written down once.

Three channels, each with its own messages:

- **build <-> service**, a Unix socket: `frame()`d messages, each a 4-byte
  big-endian length and then marshal data. The build sends `Settings`
  first, then one `Request` per job. The service sends `Ready` first (it
  sealed itself, or why not), then answers each request with an `Answer`.
  Before it lets a post's process start its blocks, it names the post in a
  `Started` message: if the service dies, the build knows which posts were
  running. The messages of one wake-up of the service go in one write. marshal, not JSON: it is several
  times faster, and it carries the code objects the build compiled when
  both ends share a bytecode version (for another Python, the service
  compiles each block before it forks).
- **service -> child**, a `Plan`: handed over in memory to a forked child,
  or in a marshal file to a spawned one.
- **child -> service**, the report pipe (file descriptor `REPORT_FD`, not
  inherited by what a block starts): one JSON object per line, for each
  block a `Start` then an `End`, in the plan's order, and finally `Done`
  (after the last block, or after the first that failed). Every line
  carries the plan's token. Anything else on the pipe (a line without the
  token, out of order, repeated, or after `Done`) fails the block. The pipe
  is the worker's alone, but a block runs in the worker's process: code
  that set out to read the token from its memory could still forge a line
  (README, "The threat model"). What a block prints goes to
  stdout and stderr, each block's output ending with the plan's boundary
  marker.

Standard library only, and valid on CPython 3.9 and later: this package
runs in the service's interpreter, which need not be the build's.
"""

from __future__ import annotations

import json
import marshal
import os
import struct
from types import CodeType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypedDict
else:
    class TypedDict(dict):
        """At run time: the classes below document the messages, which are plain dicts, and
        importing typing would only slow the service's start and make it bigger."""

        def __init_subclass__(cls, total: bool = True) -> None:
            pass

PASSED, FAILED, SKIPPED, NOT_RUN = "passed", "failed", "skipped", "not run"
STATUSES = (PASSED, FAILED, SKIPPED, NOT_RUN)

SANDBOX_MODES = AUTO, REQUIRED, OFF = ("auto", "required", "off")

REPORT_FD = 3  # in a child: the report pipe
GO_FD = 4      # in a child: the pipe that lets it start its blocks (a byte: go; end of file: never)

HEADER = struct.Struct(">I")


class Raises(TypedDict):
    name: str                  # an exception class name, or dotted module.Class
    pattern: str | None     # a regex searched in str(exception), or None


class BlockRequest(TypedDict):
    number: int                # 1-based among the post's runnable blocks
    label: str                 # "python block 3", for messages
    filename: str              # the post's path as messages show it
    kind: str                  # python, pycon or shell: a key of evaluators.EVALUATORS
    first_line: int            # the line of the post where the code starts
    code: str
    timeout: float             # seconds
    ellipsis: bool             # pycon: `...` matches anything
    raises: Raises | None
    compiled: object           # a python block's code object, or None (the service compiles it)


class Settings(TypedDict):
    jobs: int                  # posts' processes running blocks at once
    spawn: bool                # start each as a fresh interpreter rather than fork it
    sandbox: str               # one of SANDBOX_MODES
    hide: list[str]            # paths a sealed post cannot see, even within the system folders it sees
    keep: list[str]            # paths beyond those a sealed post can read (besides the interpreter's)
    tmp_size: int              # bytes a sealed post's own /tmp and /dev/shm may hold
    environment: dict[str, str]  # the builder's variables the settings pass through (pass_env)


class Ready(TypedDict):
    kind: str                  # "ready"
    sealed: bool
    unsealed_because: str      # why it could not seal ("" when sealed, or not asked to)


class Request(TypedDict):
    id: int                    # chosen by the build, unique per service
    memory_limit: int          # bytes of address space (0: none)
    output_limit: int          # bytes of stdout and of stderr kept per block
    network: bool              # a sealed post's process shares the build's network
    inputs: dict[str, bytes]   # the files written into the job's directory first: name -> contents
    blocks: list[BlockRequest]


class Outcome(TypedDict):
    """What one block came to; every key is always there."""

    status: str                # one of STATUSES
    message: str               # one line: "raised NameError: name 'y' is not defined"
    details: str               # a traceback or other multi-line explanation
    line: int                  # the post's line the failure points at (0: the fence's)
    stdout: str
    stderr: str
    duration: float            # seconds the block ran
    sealed: bool               # set by the service: the process ran in the sandbox
    network: bool              # set by the service: it had the build's network


class Answer(TypedDict):
    kind: str                  # "answer"
    id: int
    outcomes: list[Outcome]    # one per block of the request, in order


class Started(TypedDict):
    kind: str                  # "started"
    started: list[int]         # the requests whose blocks start now


class Plan(TypedDict):
    boundary: str              # printed on stdout and stderr after each block
    token: str                 # in every report line: what a block writes there lacks it
    memory_limit: int
    directory: str             # the job's working directory, also its HOME and TMPDIR
    sealed: bool               # the directory is the sandbox's own file system, made by the service's child
    blocks: list[BlockRequest]


class Start(TypedDict):
    event: str                 # "start"
    token: str
    number: int
    at: float                  # time.monotonic() when the block started: its deadline counts from here


class End(TypedDict, total=False):
    event: str                 # "end"
    token: str
    number: int
    status: str                # PASSED or FAILED
    message: str
    details: str
    line: int
    duration: float


class Done(TypedDict):
    event: str                 # "done": the worker ran its plan and is exiting
    token: str


def frame(message: object) -> bytes:
    """A message as it goes on the socket, either way."""
    data = marshal.dumps(message)
    return HEADER.pack(len(data)) + data


def unframe(buffer: bytes) -> tuple:
    """The whole messages at the start of buffer, and the bytes of the next, incomplete one."""
    messages, start = [], 0
    while (end := frame_end(buffer, start, len(buffer))) is not None:
        messages.append(read_frame(buffer, start, end))
        start = end
    return messages, buffer[start:]


def frame_end(buffer, start: int, stop: int) -> int | None:
    """Where the message framed at buffer[start] ends, if all of it lies before stop."""
    if stop - start < HEADER.size:
        return None
    (length,) = HEADER.unpack_from(buffer, start)
    end = start + HEADER.size + length
    return end if end <= stop else None


def read_frame(buffer, start: int, end: int) -> object:
    """The message framed at buffer[start:end], copied out first: parsed straight from the
    inbox's mapping, every post measured slower."""
    return marshal.loads(buffer[start + HEADER.size:end])


def read_message(fd: int) -> object:
    """One message read from fd, and not a byte more (the service's Settings); None at end of file."""
    data = b""
    for size in (HEADER.size, None):
        wanted = HEADER.size if size else HEADER.unpack(data)[0] + HEADER.size
        while len(data) < wanted:
            chunk = os.read(fd, wanted - len(data))
            if not chunk:
                return None
            data += chunk
    return marshal.loads(data[HEADER.size:])


def new_boundary() -> bytes:
    """A marker no block prints by chance: it ends each block's stdout and stderr."""
    return f"\0snippet-boundary-{os.urandom(8).hex()}\0".encode()


def new_token() -> str:
    return os.urandom(8).hex()


WORDS = ("event", "status", "token")  # report fields whose values are plain words


def report_line(message: dict) -> str:
    """A report message as its line. The usual ones (numbers, the event, status and token
    words) are put together by hand, in a plain loop: json.dumps makes a forked child copy some
    sixty pages, and generator expressions and f-strings several more than this."""
    fields = []
    for key, value in message.items():
        if key in WORDS and type(value) is str:
            fields.append('"' + key + '": "' + value + '"')
        elif type(value) is int or type(value) is float:
            fields.append('"' + key + '": ' + repr(value))
        else:
            return json.dumps(message) + "\n"
    return "{" + ", ".join(fields) + "}\n"


def read_report_line(line: bytes) -> dict | None:
    """A report line's message, or None for a line that is not one."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def compile_block(block: BlockRequest) -> CodeType:
    """A Python block's code object, its line numbers those of the post.

    The build calls it before sending a block to a service of its own
    bytecode version, the service for one that came without it, and a child
    again for a block that did not compile, to report why.
    """
    source = "\n" * (block["first_line"] - 1) + block["code"]
    return compile(source, block["filename"], "exec", dont_inherit=True, optimize=0)
