"""What every stage talks about: blocks, documents, options, and the one result type.

A `Result` is what became of one block. The build makes results in one
place per cause: `invalid_option`, `skipped` and `service_stopped` here,
`from_outcome` for whatever the runtime reported (see runtime/outcomes.py
for its wording), and `mismatched_output` when the output is judged.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .runtime.wire import FAILED, NOT_RUN, PASSED, SKIPPED, Outcome
from .runtime.wire import STATUSES as RUNTIME_STATUSES

__all__ = ["PASSED", "FAILED", "SKIPPED", "NOT_RUN", "NOT_APPLICABLE", "STATUSES", "Raises", "Options",
           "Expected", "Block", "Document", "Problem", "Result", "block_status", "count", "version_matches",
           "version_numbers"]

NOT_APPLICABLE = "not applicable"  # the post's Requires-Python excludes the interpreter: never a failure
STATUSES = RUNTIME_STATUSES + (NOT_APPLICABLE,)


def version_numbers(version: str) -> tuple:
    """A version as numbers, for sorting: "3.12.1" -> (3, 12, 1), "3.10" -> (3, 10); () for ""."""
    import re

    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def version_matches(when: str, version: str) -> bool:
    """Whether a full Python version ("3.12.1") meets a condition such as ">=3.11,<3.13".

    An empty condition holds for every Python; an unknown version ("") meets only that one. A
    pre-release is taken as its release, as pip takes Requires-Python: 3.13.0rc1 is >=3.13.
    """
    if not when:
        return True
    if not version:
        return False
    from packaging.specifiers import SpecifierSet  # only where a post or fence names versions
    from packaging.version import Version

    return SpecifierSet(when).contains(Version(version).base_version)


@dataclass(frozen=True)
class Raises:
    """An expected exception: its class name and an optional regex for the message."""

    name: str
    pattern: str | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.pattern}" if self.pattern else self.name


@dataclass(frozen=True)
class Options:
    """A fence's options, as extract/options.py read them."""

    skip: str | None = None
    raises: Raises | None = None
    timeout: float | None = None
    isolated: bool = False
    output: bool = False
    hl_lines: str | None = None
    run: bool = False
    ellipsis: bool = False
    network: bool = False   # a sealed run of its post's process may use the build's network
    raises_variants: tuple = ()  # (condition, Raises): `raises[python<3.13]=...`, in the fence's order

    def raises_on(self, version: str) -> Raises | None:
        """The exception expected on this Python: the first qualified `raises` that holds, else `raises`."""
        for when, raises in self.raises_variants:
            if version_matches(when, version):
                return raises
        return self.raises

    def execution_key(self, version: str = "") -> dict:
        """What of these options changes how a block runs on this Python (display-only ones left out).

        `ellipsis` only changes how the output is judged, which happens after
        the run, so it is not part of the key either.
        """
        raises = self.raises_on(version) if version else self.raises
        return {"raises": str(raises) if raises else None,
                "timeout": self.timeout, "isolated": self.isolated,
                "skip": self.skip is not None, "network": self.network}


@dataclass(frozen=True)
class Expected:
    """Output a block must print: from an `output` fence after it, or a console transcript."""

    text: str
    line: int          # the line of the output fence (or of the console block) in the source
    ellipsis: bool = False
    end_line: int = 0  # the output fence's closing line (0 for a console transcript)
    when: str = ""     # the Pythons it is for, as a condition (```output python<3.13): "" for every one


@dataclass(frozen=True)
class Block:
    """One runnable fenced code block of a post.

    `line` is the line of the opening fence in the source file (metadata
    header counted, 1-based); the code starts on the next line.
    """

    source: str          # the post's path as shown in messages, e.g. content/posts/x.md
    line: int
    language: str
    code: str
    options: Options
    number: int = 0      # 1-based among the post's runnable blocks
    problem: str = ""    # why the block cannot run (an invalid option), if anything
    kind: str = "python"  # python, pycon or shell
    expected: Expected | None = None     # the output it must print on every Python (unqualified)
    expected_variants: tuple = ()        # Expected for some Pythons only (their `when`), in the post's order

    def expected_on(self, version: str) -> Expected | None:
        """The output it must print on this Python: the first qualified fence that holds, else the plain one."""
        for expected in self.expected_variants:
            if version_matches(expected.when, version):
                return expected
        return self.expected

    @property
    def first_code_line(self) -> int:
        return self.line + 1

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    @property
    def label(self) -> str:
        return f"{self.language} block {self.number}"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the post itself rather than with a block (an unclosed fence)."""

    source: str
    line: int
    message: str

    def error_line(self) -> str:
        return f"{self.source}:{self.line}: error: {self.message}"


@dataclass
class Document:
    """The runnable blocks of one source file and the problems found while reading it.

    `marker` is unique per read, so the placeholders the reader leaves in the
    HTML cannot collide with anything an author wrote.
    """

    source: str
    marker: str
    blocks: list = field(default_factory=list)
    problems: list = field(default_factory=list)   # Problem
    inputs: tuple = ()                              # absolute paths of declared input files
    requires_python: str = ""                       # its `Requires-Python:` condition ("": every Python)
    dependencies: tuple = ()                        # its `Dependencies:`, PEP 508 requirements as written
    header_lines: dict = field(default_factory=dict)  # header key, lower case -> its line in the source
    closings: dict = field(default_factory=dict)   # block number -> the closing tags its placeholder
                                                    # comes before (extract/processors.py, PlaceholdersIntoPre)

    def __setstate__(self, state: dict) -> None:
        """Unpickled (Pelican's content cache keeps documents): one an older plugin pickled
        lacks the fields added since, which take their defaults."""
        self.__dict__.update({**Document(state["source"], state["marker"]).__dict__, **state})

    def placeholder(self, block: Block) -> str:
        return f"{self.placeholder_start}{block.number}-->"

    @property
    def placeholder_start(self) -> str:
        """What every placeholder of this document starts with."""
        return f"<!--{self.marker}:"

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.source, line, message))


@dataclass(slots=True)
class Result:
    """What running a block gave: its status, what it printed, and why it failed.

    Treated as immutable (`dataclasses.replace` makes a changed one), though not frozen: a warm
    build makes one per block and interpreter from the cache, and a frozen one costs twice as
    much to make.
    """

    block: Block
    status: str
    message: str = ""          # one line: "raised NameError: name 'y' is not defined"
    details: str = ""          # the traceback or other multi-line explanation
    line: int = 0              # the source line the failure points at (0: the fence line)
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    cached: bool = False       # taken from the result cache rather than run in this build
    sealed: bool = False       # it ran in the sandbox (runtime/sandbox.py)
    network: bool = False      # its process had the build's network
    python: str = ""           # the full version of the interpreter it ran on ("3.12.1")
    # The interpreter as the matrix names it: "3.12" (of "3.12.1", or "3.13.0rc1").
    python_minor: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        python = self.python
        self.python_minor = python[:python.rfind(".")] if python.count(".") > 1 else python

    @classmethod
    def invalid_option(cls, block: Block) -> Result:
        return cls(block, FAILED, message=f"has an invalid option: {block.problem}")

    @classmethod
    def skipped(cls, block: Block) -> Result:
        return cls(block, SKIPPED, message=f"skipped: {block.options.skip}")

    @classmethod
    def service_stopped(cls, block: Block, why: str) -> Result:
        return cls(block, FAILED, message=f"could not run: {why}")

    @classmethod
    def from_outcome(cls, block: Block, outcome: Outcome, cached: bool = False, python: str = "") -> Result:
        """A result from the runtime's report on a block (see runtime/wire.py), fresh or cached."""
        if outcome["status"] not in RUNTIME_STATUSES:
            raise ValueError(f"unknown status {outcome['status']!r}")
        return cls(block, outcome["status"], message=str(outcome["message"]), details=str(outcome["details"]),
                   line=int(outcome["line"]), stdout=str(outcome["stdout"]), stderr=str(outcome["stderr"]),
                   duration=float(outcome["duration"]), cached=cached,
                   sealed=bool(outcome["sealed"]), network=bool(outcome["network"]), python=python)

    def mismatched_output(self, diff: str, expected: Expected | None = None) -> Result:
        """This passed block, failed because it printed something other than the post says
        (in `expected`, the fence for its Python; default: the unqualified one)."""
        expected = expected or self.block.expected
        return dataclasses.replace(self, status=FAILED, line=expected.line, details=diff,
                                   message="printed something other than the expected output")

    def outcome(self) -> Outcome:
        """The fields the runtime reported, as the cache keeps them."""
        return {"status": self.status, "message": self.message, "details": self.details, "line": self.line,
                "stdout": self.stdout, "stderr": self.stderr, "duration": self.duration,
                "sealed": self.sealed, "network": self.network}

    @property
    def where(self) -> str:
        return f"{self.block.source}:{self.line or self.block.line}"

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def error_line(self, pythons: Iterable[str] = ()) -> str:
        """The compiler-style line: `content/posts/x.md:42: error: python block 3 on Python 3.12 raised ...`.

        `pythons`: the versions it failed on alike (default: its own).
        """
        versions = list(pythons) or ([self.python_minor] if self.python else [])
        on = f" on Python {', '.join(versions)}" if versions else ""
        return f"{self.where}: error: {self.block.label}{on} {self.message}"


def block_status(results: Iterable[Result]) -> str:
    """One block's status over every interpreter: failed on any, else not run on any, else passed,
    else skipped; "not applicable" only where it applies to none."""
    statuses = {result.status for result in results if result.status != NOT_APPLICABLE}
    return next((status for status in (FAILED, NOT_RUN, PASSED, SKIPPED) if status in statuses), NOT_APPLICABLE)


def count(results: Iterable[Result]) -> dict:
    """{status: how many results have it}, every status present."""
    counts = Counter(result.status for result in results)
    return {status: counts[status] for status in STATUSES}
