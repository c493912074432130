"""What a post's snippets are: its code blocks, in order, with their source lines."""

from dataclasses import dataclass, field

from .options import Options

SHELL_LANGUAGES = ("bash", "sh", "shell", "console")


def kind_of(language, python_languages):
    """What runs a fence's code: python, pycon, shell, output (expected output), or None."""
    if language in python_languages:
        return "python"
    if language == "pycon":
        return "pycon"
    if language in SHELL_LANGUAGES:
        return "shell"
    if language == "output":
        return "output"
    return None


@dataclass(frozen=True)
class Expected:
    """Output a block must print: from an `output` fence after it, or a console transcript."""

    text: str
    line: int          # the line of the output fence (or of the console block) in the source
    ellipsis: bool = False
    end_line: int = 0  # the output fence's closing line (0 for a console transcript)


@dataclass(frozen=True)
class Block:
    """One fenced code block of a post.

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
    kind: str = "python"
    expected: Expected | None = None

    @property
    def first_code_line(self):
        return self.line + 1

    @property
    def where(self):
        return f"{self.source}:{self.line}"

    @property
    def label(self):
        return f"{self.language} block {self.number}"


@dataclass
class Document:
    """The runnable blocks of one source file and the problems found while reading it.

    `marker` is unique per read, so the placeholders the reader left in the
    HTML cannot collide with anything an author wrote.
    """

    source: str
    marker: str
    blocks: list = field(default_factory=list)
    problems: list = field(default_factory=list)   # (line, message) of malformed fences
    inputs: tuple = ()                              # absolute paths of declared input files

    def placeholder(self, block):
        return f"<!--{self.marker}:{block.number}-->"
