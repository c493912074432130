"""The Python-Markdown side of a build: the collector as a preprocessor, and what keeps its placeholders cheap.

integrations/build.py registers all three on Pelican's Markdown instance at
the priorities internals.py names.
"""

from __future__ import annotations

import re

from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..model import Document
from .collect import Collector

_PRE_END = "</pre>"
_CLOSING_TAGS = re.compile(r"(?:</\w+>)*")


class SnippetCollector(Preprocessor):
    """The collector (extract/collect.py) on a build's Markdown: its HTML goes into the stash."""

    def __init__(self, md, document: Document, python_languages):
        super().__init__(md)
        self.collector = Collector(document, python_languages, md.htmlStash)
        self.done = False

    @property
    def placeholders(self) -> set:
        return self.collector.placeholders

    def run(self, lines: list) -> list:
        if self.done:  # Pelican converts formatted metadata (summary) with the same instance
            return lines
        self.done = True
        return self.collector.run(lines)


class AtomicPlaceholders(Treeprocessor):
    """Marks the paragraphs that hold a collector's placeholders atomic, before the inline
    patterns run: a placeholder has no Markdown in it, and trying every pattern on each one
    cost a build as much as collecting its blocks."""

    def __init__(self, md, collector: SnippetCollector):
        super().__init__(md)
        self.collector = collector

    def run(self, root) -> None:
        placeholders = self.collector.placeholders
        if placeholders:
            for element in root:  # fences start at column 0, so their paragraphs are the root's
                if element.tag == "p" and element.text in placeholders:
                    element.text = AtomicString(element.text)


class PlaceholdersIntoPre(Postprocessor):
    """Moves each placeholder to the end of its block's `<pre>`, once the HTML is text.

    typogrify leaves what is inside `<pre>` alone but tokenizes everything else and runs each
    of its filters on it: a placeholder between the blocks cost a build more than collecting
    them. The closing tags it is moved past are noted in the document, and the results go
    after them (present/html.py). A block whose HTML does not end in `</pre>` and closing
    tags keeps its placeholder where it was, joined to the block.
    """

    def __init__(self, md, document: Document):
        super().__init__(md)
        self.document = document

    def run(self, text: str) -> str:
        start = self.document.placeholder_start
        pieces = text.split(start)  # each but the first starts with a placeholder's "N-->"
        for index in range(1, len(pieces)):
            before = pieces[index - 1].rstrip("\n")
            number, _, after = pieces[index].partition("-->")
            pre = before.rfind(_PRE_END)
            closing = before[pre:] if pre >= 0 and _CLOSING_TAGS.fullmatch(before, pre + len(_PRE_END)) else ""
            if closing:
                self.document.closings[int(number)] = closing
            pieces[index - 1] = before[:len(before) - len(closing)]
            pieces[index] = f"{number}-->{closing}{after}"
        return start.join(pieces)
