"""Hook into Pelican's Markdown reader: collect the blocks, tidy the fences, leave placeholders.

The preprocessor runs right after Python-Markdown's whitespace normalisation
and before the metadata header is removed, so its line list still matches the
file line for line. It records each runnable block with its source line,
rewrites the fence's info string to the bare language (options are ours, not
the highlighter's), and puts an HTML comment after the block where the
results go once the blocks have run.
"""

import secrets
from pathlib import Path

from markdown import Markdown
from markdown.preprocessors import Preprocessor
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from .document import Block, Document
from .fences import find_fences
from .options import Options, OptionError, parse_options

METADATA_KEY = "snippet_document"
PRIORITY = 29  # after normalize_whitespace (30), before meta (27) and fenced_code (25)


class SnippetCollector(Preprocessor):
    """Collects the runnable blocks of one document; leaves other text alone."""

    def __init__(self, md, document, languages):
        super().__init__(md)
        self.document = document
        self.languages = languages
        self.done = False

    def run(self, lines):
        if self.done:  # Pelican converts formatted metadata (summary) with the same instance
            return lines
        self.done = True
        lines = list(lines)
        found = list(find_fences(lines, understands=self.languages.__contains__))
        for fence, problem in found:
            if problem:
                index, message = problem
                self.document.problems.append((index + 1, message))
        # Rewrite from the bottom up so earlier indexes stay valid.
        blocks = []
        for fence in [f for f, _ in found if f is not None]:
            if fence.language in self.languages:
                blocks.append(self._collect(fence, lines, len(blocks) + 1))
        self.document.blocks = blocks
        runnable = {block.line - 1: block for block in blocks}
        for fence in reversed([f for f, _ in found if f is not None]):
            block = runnable.get(fence.open_index)
            if block is None:
                continue
            lines[fence.open_index] = _native_opening(fence, block.options)
            lines[fence.close_index + 1:fence.close_index + 1] = [
                "", self.document.placeholder(block), ""]
        return lines

    def _collect(self, fence, lines, number):
        code = "\n".join(lines[fence.open_index + 1:fence.close_index])
        options, problem = Options(), ""
        try:
            options = parse_options(fence.option_text)
        except OptionError as error:
            problem = str(error)
        return Block(source=self.document.source, line=fence.open_index + 1,
                     language=fence.language, code=code, options=options,
                     number=number, problem=problem)


def _native_opening(fence, options):
    """The fence as fenced_code understands it: language and hl_lines only."""
    if fence.info.startswith("{"):
        return f"{fence.fence}{fence.info}"
    language = fence.info.split(maxsplit=1)[0]
    if options.hl_lines:
        return f'{fence.fence}{language} hl_lines="{options.hl_lines}"'
    return f"{fence.fence}{language}"


def display_path(source_path):
    """The path as messages show it: relative to the working directory when inside it."""
    path = Path(source_path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class SnippetMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, plus the block collector; the document goes into the metadata."""

    def read(self, source_path):
        config = self.settings["SNIPPETS_CONFIG"]
        self._source_path = source_path
        document = Document(source=display_path(source_path), marker=f"snippet-{secrets.token_hex(6)}")
        self._md = Markdown(**self.settings["MARKDOWN"])
        self._md.preprocessors.register(
            SnippetCollector(self._md, document, set(config.languages)), "snippets", PRIORITY)
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        if document.blocks or document.problems:
            metadata[METADATA_KEY] = document
        return content, metadata


def read_document(text, source, languages=("python", "py", "python3")):
    """Collect the blocks of Markdown text without Pelican (for tests and pytest collection).

    Uses a real Markdown instance, so the lines are normalised exactly as in a build.
    """
    document = Document(source=source, marker=f"snippet-{secrets.token_hex(6)}")
    md = Markdown(extensions=["markdown.extensions.fenced_code", "markdown.extensions.meta"])
    md.preprocessors.register(SnippetCollector(md, document, set(languages)), "snippets", PRIORITY)
    md.convert(text.removeprefix("\ufeff"))
    return document
