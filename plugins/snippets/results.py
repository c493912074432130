"""What running a block gave: its status, what it printed, and why it failed."""

from dataclasses import dataclass

PASSED, FAILED, SKIPPED, NOT_RUN = "passed", "failed", "skipped", "not run"


@dataclass
class BlockResult:
    block: object              # the Block
    status: str
    message: str = ""          # one line: "raised NameError: name 'y' is not defined"
    details: str = ""          # the traceback or other multi-line explanation
    line: int = 0              # the source line the failure points at (0: the fence line)
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0
    cached: bool = False       # taken from the result cache rather than run in this build

    @property
    def where(self):
        return f"{self.block.source}:{self.line or self.block.line}"

    @property
    def failed(self):
        return self.status == FAILED

    def error_line(self):
        """The compiler-style line: `content/posts/x.md:42: error: python block 3 raised ...`."""
        return f"{self.where}: error: {self.block.label} {self.message}"


@dataclass
class DocumentProblem:
    """Something wrong with the post itself rather than with a block (an unclosed fence)."""

    source: str
    line: int
    message: str

    def error_line(self):
        return f"{self.source}:{self.line}: error: {self.message}"
