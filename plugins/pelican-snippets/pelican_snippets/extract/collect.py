"""Collect a Markdown file's blocks: tidy their fences, leave placeholders for results.

A Python-Markdown preprocessor (integrations/build.py puts it into Pelican's
reader). It runs right after Python-Markdown's whitespace normalisation and
before the metadata header is removed, so its line list still matches the
file line for line. It records each runnable block with its source line,
rewrites the fence's info string to the bare language (options are ours, not
the highlighter's), drops lines marked `# hide` from what readers see, and
puts an HTML comment after the block where the results go once it has run.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from pathlib import Path

from markdown import Markdown
from markdown.extensions.meta import MetaExtension
from markdown.preprocessors import Preprocessor

from ..internals import META, NORMALIZE_WHITESPACE
from ..model import Block, Document, Expected, Options
from .fences import find_fences
from .options import OptionError, parse_options

METADATA_KEY = "snippet_document"
INPUTS_KEY = "snippet_inputs"
HIDDEN = re.compile(r"#\s*hide\s*$")
PROMPT = "$ "
SHELL_LANGUAGES = ("bash", "sh", "shell", "console")


def kind_of(language: str, python_languages) -> str | None:
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


class SnippetCollector(Preprocessor):
    """Collects the runnable blocks of one document and rewrites their fences."""

    def __init__(self, md, document, python_languages):
        super().__init__(md)
        self.document = document
        self.python_languages = set(python_languages)
        self.done = False

    def kind(self, language: str) -> str | None:
        return kind_of(language, self.python_languages)

    def run(self, lines: list) -> list:
        if self.done:  # Pelican converts formatted metadata (summary) with the same instance
            return lines
        self.done = True
        replacements = {}   # line index -> the lines that take its place
        blocks = []
        previous = None     # (fence, index in blocks) of the last block an output fence may follow
        for fence, problem in find_fences(lines, understands=lambda lang: self.kind(lang) is not None):
            if problem:
                self.document.problem(problem[0] + 1, problem[1])
                continue
            kind = self.kind(fence.language)
            if kind == "output":
                self._attach_output(fence, lines, previous, blocks, replacements)
                previous = None
                continue
            block = self._block(fence, lines, kind, len(blocks) + 1) if kind else None
            if block is None:
                previous = None
                continue
            blocks.append(block)
            previous = (fence, len(blocks) - 1)
            replacements[fence.open_index] = [_native_opening(fence, block.options)]
            if kind == "python":
                for index in range(fence.open_index + 1, fence.close_index):
                    if HIDDEN.search(lines[index]):
                        replacements[index] = []
            replacements[fence.close_index] = [lines[fence.close_index], "",
                                               self.md.htmlStash.store(self.document.placeholder(block)), ""]
        self.document.blocks = blocks
        rewritten = []
        for index, line in enumerate(lines):
            replacement = replacements.get(index)
            if replacement is None:
                rewritten.append(line)
            else:
                rewritten += replacement
        return rewritten

    def _block(self, fence, lines, kind, number):
        body = lines[fence.open_index + 1:fence.close_index]
        options, problem = Options(), ""
        try:
            options = parse_options(fence.option_text, kind)
        except OptionError as error:
            problem = str(error)
        if kind == "shell" and not (options.run or options.skip or problem):
            return None  # a shell block shown, not run: shell blocks run only when asked to
        code, expected = "\n".join(body), None
        if fence.language == "console":
            code, expected = _console(body, fence.open_index + 1, options)
        return Block(source=self.document.source, line=fence.open_index + 1,
                     language=fence.language, code=code, options=options,
                     number=number, problem=problem, kind=kind, expected=expected)

    def _attach_output(self, fence, lines, previous, blocks, replacements):
        """An `output` fence right after a python or shell block is what that block must print."""
        replacements[fence.open_index] = [_native_opening(fence, Options())]
        line = fence.open_index + 1
        try:
            options = parse_options(fence.option_text, "output")
        except OptionError as error:
            self.document.problem(line, f"output fence: {error}")
            return
        follows = previous is not None and all(
            not text.strip() for text in lines[previous[0].close_index + 1:fence.open_index])
        block = blocks[previous[1]] if follows else None
        if block is None or block.kind == "pycon" or block.expected is not None:
            self.document.problem(line, "an output fence must come right after the python or shell block "
                                        "whose output it shows (only blank lines between them)")
            return
        text = "\n".join(lines[fence.open_index + 1:fence.close_index])
        blocks[previous[1]] = dataclasses.replace(
            block, expected=Expected(text, line, options.ellipsis, end_line=fence.close_index + 1))


def _console(body, first_line, options):
    """Split a console transcript into the commands (`$ ` lines) and the output they must print."""
    commands, output, continued = [], [], False
    for line in body:
        if line.startswith(PROMPT) or continued:
            command = line[len(PROMPT):] if line.startswith(PROMPT) and not continued else line
            commands.append(command)
            continued = command.endswith("\\")
        else:
            output.append(line)
    expected = Expected("\n".join(output), first_line, options.ellipsis) if output else None
    return "\n".join(commands), expected


def _native_opening(fence, options):
    """The fence as fenced_code understands it: language and hl_lines only."""
    if fence.info.startswith("{"):
        return f"{fence.fence}{fence.info}"
    language = fence.info.split(maxsplit=1)[0]
    if options.hl_lines:
        return f'{fence.fence}{language} hl_lines="{options.hl_lines}"'
    return f"{fence.fence}{language}"


def display_path(source_path) -> str:
    """The path as messages show it: relative to the working directory when inside it.

    Lexical (no symbolic links resolved): it runs once per file read, and
    resolving costs a system call per path component.
    """
    path = os.path.abspath(source_path)
    here = os.path.join(os.getcwd(), "")  # with its trailing separator
    return path[len(here):] if path.startswith(here) else path


def new_document(source: str) -> Document:
    """An empty document for the file shown as `source`, with a marker of its own."""
    return Document(source=source, marker=f"snippet-{os.urandom(6).hex()}")


def declared_inputs(source_path, value) -> tuple:
    """Files a post lists in `Snippet_inputs:`, relative to the post, copied next to its blocks."""
    names = value if isinstance(value, list) else str(value).split(",")
    folder = Path(source_path).resolve().parent
    return tuple(str(folder / name.strip()) for name in names if name.strip())


def read_document(text: str, source: str, languages=("python", "py", "python3")) -> Document:
    """Collect the blocks of Markdown text without Pelican (for the `snippets` command, pytest, tests).

    Runs the same preprocessors as a build up to the metadata header, on a
    reused Markdown instance, and stops there: finding the blocks needs the
    lines, not the HTML.
    """
    document = new_document(source)
    md = _markdown()
    md.reset()
    lines = md.preprocessors[NORMALIZE_WHITESPACE].run(text.removeprefix("\ufeff").split("\n"))
    lines = SnippetCollector(md, document, languages).run(lines)
    md.preprocessors[META].run(lines)
    if INPUTS_KEY in md.Meta:
        document.inputs = declared_inputs(source, md.Meta[INPUTS_KEY])
    return document


@functools.lru_cache(maxsize=1)
def _markdown():
    # An instance, not the extension's name: a name is first looked up among every installed
    # package's entry points, which takes longer than reading a hundred posts.
    return Markdown(extensions=[MetaExtension()])
