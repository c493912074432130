"""Collect a Markdown file's blocks: tidy their fences, leave placeholders for results.

The collector works on the file's lines right after Python-Markdown's
whitespace normalisation and before the metadata header is removed, so its
line list still matches the file line for line: in a build as a
Python-Markdown preprocessor (extract/processors.py), and without Markdown
in `read_document` (the command line, pytest). It records each runnable block
with its source line, rewrites the fence's info string to the bare language
(options are ours, not the highlighter's), drops lines marked `# hide` from
what readers see, and puts an HTML comment after the block where the results
go once it has run. It also reads the header's declarations
(`Requires-Python:`, `Dependencies:`, named after PEP 723's fields), so that a
wrong one is a `file:line` error.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections import Counter
from html import escape
from pathlib import Path

from ..model import Block, Document, Expected, Options
from .fences import find_fences
from .options import OptionError, only_a_dot_zero, parse_options, parse_output_options, same_condition

METADATA_KEY = "snippet_document"
INPUTS_KEY = "snippet_inputs"
HIDDEN = re.compile(r"#\s*hide\s*$")
PROMPT = "$ "
SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
# The header keys we read, as the README spells them; Python-Markdown's meta lower-cases keys.
HEADER_KEYS = {"requires-python": "Requires-Python", "dependencies": "Dependencies", INPUTS_KEY: "Snippet_inputs"}
# Python-Markdown's meta rules (markdown/extensions/meta.py), so we read the header Pelican reads.
_META = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_META_MORE = re.compile(r"^[ ]{4,}(?P<value>.*)")
_META_BEGIN = re.compile(r"^-{3}(\s.*)?")
_META_END = re.compile(r"^(-{3}|\.{3})(\s.*)?")
_VERSION_OPERATORS = tuple("<>=!~")
STX, ETX = "\u0002", "\u0003"  # Python-Markdown's own placeholder delimiters (markdown.util)
_SPACES_LINE = re.compile(r"(?<=\n) +\n")


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


class Collector:
    """Collects the runnable blocks of one document and rewrites their fences.

    `stash` keeps the HTML it puts between the lines (the placeholders, the
    notes over version-qualified output): Python-Markdown's htmlStash in a
    build, which hands back a placeholder for each piece; anything with
    the same `store` elsewhere.
    """

    def __init__(self, document, python_languages, stash):
        self.document = document
        self.python_languages = set(python_languages)
        self.stash = stash
        self.placeholders = set()  # the stash placeholders it left, each a paragraph of its own

    def kind(self, language: str) -> str | None:
        return kind_of(language, self.python_languages)

    def run(self, lines: list) -> list:
        read_header(lines, self.document)
        replacements = {}   # line index -> the lines that take its place
        blocks = []
        previous = None     # (last fence's closing index, index in blocks) of the block an output fence may follow
        for fence, problem in find_fences(lines, understands=lambda lang: self.kind(lang) is not None):
            if problem:
                self.document.problem(problem[0] + 1, problem[1])
                continue
            kind = self.kind(fence.language)
            if kind == "output":
                attached = self._attach_output(fence, lines, previous, blocks, replacements)
                previous = (fence.close_index, previous[1]) if attached else None
                continue
            block = self._block(fence, lines, kind, len(blocks) + 1) if kind else None
            if block is None:
                previous = None
                continue
            blocks.append(block)
            previous = (fence.close_index, len(blocks) - 1)
            replacements[fence.open_index] = [_native_opening(fence, block.options)]
            if kind == "python":
                for index in range(fence.open_index + 1, fence.close_index):
                    if "hide" in lines[index] and HIDDEN.search(lines[index]):  # the regex only where it may match
                        replacements[index] = []
            placeholder = self.stash.store(self.document.placeholder(block))
            self.placeholders.add(placeholder)
            replacements[fence.close_index] = [lines[fence.close_index], "", placeholder, ""]
        self.document.blocks = blocks
        rewritten, kept = [], 0  # lines before `kept` are in rewritten
        for index in sorted(replacements):
            rewritten += lines[kept:index]
            rewritten += replacements[index]
            kept = index + 1
        return rewritten + lines[kept:]

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

    def _attach_output(self, fence, lines, previous, blocks, replacements) -> bool:
        """An `output` fence right after a python or shell block (or its other output fences) is
        what that block must print: on every Python, or, with a condition, on those it names.

        Returns whether the fence belongs to a block, so that another output fence may follow it.
        """
        replacements[fence.open_index] = [_native_opening(fence, Options())]
        line = fence.open_index + 1
        follows = previous is not None and all(not text.strip() for text in lines[previous[0] + 1:fence.open_index])
        block = blocks[previous[1]] if follows else None
        if block is None or block.kind == "pycon" or block.language == "console":
            self.document.problem(line, "an output fence must come right after the python or shell block "
                                        "whose output it shows (only blank lines between them)")
            return False
        try:
            options, when = parse_output_options(fence.option_text)
        except OptionError as error:
            self.document.problem(line, f"output fence: {error}")
            return True
        given = block.expected if not when else next(
            (other for other in block.expected_variants if same_condition(other.when, when)), None)
        if given is not None:
            which = f"for python{given.when}" if when else "for every Python (no version condition)"
            hint = "" if when else "; give this one a version condition, e.g. ```output python>=3.13"
            self.document.problem(line, f"{block.label} already has an output fence {which} at line {given.line}"
                                        f"{hint}")
            return True
        expected = Expected("\n".join(lines[fence.open_index + 1:fence.close_index]), line, options.ellipsis,
                            end_line=fence.close_index + 1, when=when)
        if when:
            block = dataclasses.replace(block, expected_variants=block.expected_variants + (expected,))
            # Readers see every fence: this one says which Pythons it is for.
            label = f'<p class="snippet-note snippet-when">On Python {escape(when)}:</p>'
            replacements[fence.open_index] = [self.stash.store(label), ""] + replacements[fence.open_index]
        else:
            if block.expected_variants:
                label = '<p class="snippet-note snippet-when">On the other Pythons:</p>'
                replacements[fence.open_index] = [self.stash.store(label), ""] + replacements[fence.open_index]
            block = dataclasses.replace(block, expected=expected)
        blocks[previous[1]] = block
        return True


def read_header(lines: list, document: Document) -> None:
    """Read the declarations of a post's header into its document; a wrong one is a problem at its line.

    `Requires-Python: >=3.11` is a PEP 440 specifier set: the post runs only on matching Pythons.
    `Dependencies: numpy>=2,<3, scikit-learn` are PEP 508 requirements, separated by commas (a
    piece that starts with a version operator continues the requirement before it).
    A key that is a near miss of one of ours is a problem too: it would be ignored without a word.
    `Snippet_inputs:` names files, separated by commas or continued on the next lines; given twice,
    they add up, as Python-Markdown's meta adds them up.
    """
    inputs = []
    for key, line, values in _header(lines):
        name = key.lower()
        if name not in HEADER_KEYS:
            _check_unknown_key(key, line, document)
        elif name == INPUTS_KEY:
            inputs += [value for _, value in values]
        elif name in document.header_lines:
            document.problem(line, f"{HEADER_KEYS[name]}: is given twice (first at line {document.header_lines[name]})")
        else:
            document.header_lines[name] = line
            if name == "requires-python":
                _requires_python(values, line, document)
            else:
                _dependencies(values, document)
    if inputs:
        document.inputs = declared_inputs(document.source, inputs)


def _header(lines):
    """(key as written, its 1-based line, [(line, value) of it and its continuation lines]) of the header."""
    index = 1 if lines and _META_BEGIN.match(lines[0]) else 0
    entries = []
    while index < len(lines):
        text = lines[index]
        if not text.strip() or _META_END.match(text):
            break
        key = _META.match(text)
        more = None if key else _META_MORE.match(text)
        if key:
            entries.append((key.group("key"), index + 1, [(index + 1, key.group("value").strip())]))
        elif more and entries:
            entries[-1][2].append((index + 1, more.group("value").strip()))
        else:
            break
        index += 1
    return entries


def _check_unknown_key(key, line, document):
    """Pelican's keys (Title, Tags...) are fine; a near miss of ours is a mistake."""
    close = _near_miss(key.lower())
    if close:
        document.problem(line, f"unknown header {key!r} (did you mean {HEADER_KEYS[close]!r}?)")


@functools.lru_cache(maxsize=256)
def _near_miss(name):
    """Our key that `name` nearly is, or None: asked once per name (every post has a Title and a Date)."""
    if not any(_maybe_close(name, ours) for ours in HEADER_KEYS):
        return None  # difflib is imported only for a key that may be a near miss
    import difflib

    close = difflib.get_close_matches(name, HEADER_KEYS, n=1, cutoff=0.8)
    return close[0] if close else None


def _maybe_close(word, other):
    """An upper bound of difflib's ratio (its quick_ratio): below 0.8, the two cannot be a near miss."""
    common = sum((Counter(word) & Counter(other)).values())
    return 2 * common >= 0.8 * (len(word) + len(other))


def _requires_python(values, line, document):
    value = ",".join(text for _, text in values if text)
    example = "write PEP 440 specifiers, e.g. >=3.11 or >=3.10,<3.14"
    if not value:
        document.problem(line, f"Requires-Python: names no versions; {example}")
        return
    if value[0].isdigit():
        document.problem(line, f"Requires-Python: {value!r} has no operator; write >={value} "
                               f"(that version and later) or =={value}.* (that version only)")
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only for a post that declares it

    try:
        requires = str(SpecifierSet(value))
    except InvalidSpecifier:
        document.problem(line, f"Requires-Python: {value!r} is not a valid version condition; {example}")
        return
    if exact := only_a_dot_zero(value):
        document.problem(line, f"Requires-Python: {exact} names Python {exact[2:].strip()}.0 alone; write "
                               f"{exact}.* for every {exact[2:].strip()}.x")
        return
    document.requires_python = requires


def _dependencies(values, document):
    """PEP 508 requirements, in the order written; each problem at the line of its requirement."""
    from packaging.requirements import InvalidRequirement, Requirement  # only for a post that declares them
    from packaging.utils import canonicalize_name

    example = "write PEP 508 requirements separated by commas, e.g. numpy>=2, scikit-learn"
    requirements, seen = [], {}
    for line, text in _requirement_texts(values):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            reason = str(error).splitlines()[0]
            document.problem(line, f"Dependencies: {text!r} is not a valid requirement ({reason}); {example}")
            continue
        name = (canonicalize_name(requirement.name), str(requirement.marker))
        if name in seen:
            document.problem(line, f"Dependencies: {requirement.name!r} is listed twice (also {seen[name]!r}); "
                                   f"give it once, with all its versions, e.g. {requirement.name}>=2,<3")
            continue
        seen[name] = text
        requirements.append(str(requirement))
    document.dependencies = tuple(requirements)


def _requirement_texts(values):
    """(line, requirement text): split on commas outside brackets, parentheses and quotes, and a
    piece that starts with a version operator joined to the one before (`numpy>=2,<3`)."""
    texts = []
    for line, value in values:
        pieces, piece, depth, quote = [], "", 0, ""
        for char in value:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                depth -= 1
            elif char == "," and depth <= 0:
                pieces.append(piece)
                piece = ""
                continue
            piece += char
        for text in map(str.strip, pieces + [piece]):
            if text.startswith(_VERSION_OPERATORS) and texts:
                texts[-1] = (texts[-1][0], f"{texts[-1][1]},{text}")
            elif text:
                texts.append((line, text))
    return texts


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


def declared_inputs(source_path, values: list) -> tuple:
    """Files a post lists in `Snippet_inputs:` (its values, one per line, each separated by
    commas), relative to the post, copied next to its blocks."""
    names = ",".join(values).split(",")
    folder = Path(source_path).resolve().parent
    return tuple(str(folder / name.strip()) for name in names if name.strip())


def read_document(text: str, source: str, languages=("python", "py", "python3")) -> Document:
    """Collect the blocks of Markdown text without Pelican or Markdown (the `snippets` command,
    pytest, tests).

    The collector sees the lines a build's sees, and the header is read by the
    rules a build's is: finding the blocks needs the lines, not the HTML.
    """
    document = new_document(source)
    lines = normalise_whitespace(text.removeprefix("\ufeff"))
    Collector(document, languages, _Unrendered()).run(lines)
    return document


def normalise_whitespace(text: str, tab_length: int = 4) -> list:
    """The lines of `text` as Python-Markdown's first preprocessor leaves them (its
    NormalizeWhitespace; internals.check() compares the two): no STX or ETX, Unix line
    ends, tabs expanded, lines of spaces emptied, two empty lines at the end."""
    text = text.replace(STX, "").replace(ETX, "")
    text = text.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
    return _SPACES_LINE.sub("\n", text.expandtabs(tab_length)).split("\n")


class _Unrendered:
    """A stash for a document that is not rendered: the collector's HTML is dropped."""

    def store(self, html: str) -> str:
        return ""
