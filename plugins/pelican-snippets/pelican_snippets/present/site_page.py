"""The verification report for readers: a page listing every block, and the same as JSON.

A Pelican generator, so the page goes through the theme (template
`snippets.html`) and the writer like any other page; it runs after the
blocks, whose results the `verify` step left in the shared context.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from pelican.generators import Generator, PelicanTemplateNotFound

from ..model import FAILED, PASSED, STATUSES, block_status, count, version_numbers
from .html import by_block

CONTEXT_KEY = "snippet_verification"
TEMPLATE = "snippets"
OWN_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "snippets.html"
PAGE_SAVE_AS = "snippets/index.html"
PAGE_URL = "snippets/"
JSON_SAVE_AS = "snippets/report.json"


def report_data(verification, built_at: datetime) -> dict:
    """Everything the page and the JSON show, in plain data: each block's result on each interpreter."""
    documents = []
    for source in sorted(verification.results):
        title, url = verification.pages.get(source, (source, ""))
        results = verification.results[source]
        documents.append({
            "source": source, "title": plain_text(title), "url": url,
            "blocks": [_block(block_results) for block_results in by_block(results).values()],
            "network": any(result.network for result in results),
        })
    results = verification.all_results()
    blocks = [block_status(block_results) for document in verification.results.values()
              for block_results in by_block(document).values()]
    passed = [result for result in results if result.status == PASSED]
    versions = {result.python_minor: result.python for result in results if result.python}
    pythons = verification.pythons or sorted(versions)
    return {
        "built_at": built_at.isoformat(timespec="seconds"),
        "pythons": [{"version": version, "full_version": versions.get(version, "")} for version in pythons],
        "missing_pythons": list(verification.matrix.missing) if verification.matrix else [],
        # What each post's environment held: the same interpreter with other packages is another one.
        "environments": sorted(({"python": environment.interpreter.version,
                                 "dependencies": list(environment.requirements), "lock": list(environment.lock)}
                                for environment in verification.environments.values()),
                               key=lambda environment: (version_numbers(environment["python"]),
                                                        environment["dependencies"])),
        # Whether every block that passed ran sealed (runtime/sandbox.py), and if this build's
        # runs could not be, why.
        "sandbox": {"sealed": bool(passed) and all(result.sealed for result in passed),
                    "unsealed_because": verification.unsealed_because if verification.sealed is False else ""},
        "summary": {"blocks": len(blocks), **{status.replace(" ", "_"): blocks.count(status) for status in STATUSES},
                    "by_python": {version: _counts(result for result in results if result.python_minor == version)
                                  for version in pythons}},
        "problems": [{"source": p.source, "line": p.line, "message": p.message}
                     for p in verification.problems],
        "documents": documents,
    }


def _block(results):
    """A block's row: its status over every interpreter, the message that matters, each run."""
    status = block_status(results)
    first = next((result for result in results if result.status == status), results[0])
    block = first.block
    return {
        "number": block.number, "line": block.line, "language": block.language, "status": status,
        "message": first.message, "failed_on": [r.python_minor for r in results if r.status == FAILED],
        "runs": {result.python_minor or "": {
            "python": result.python, "status": result.status, "message": result.message,
            "duration": round(result.duration, 4), "cached": result.cached, "sealed": result.sealed,
            "network": result.network} for result in results},
    }


def _counts(results):
    return {status.replace(" ", "_"): number for status, number in count(results).items()}


def plain_text(markup: str) -> str:
    """A title without typogrify's tags and entities, for JSON and attributes."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class SnippetReportGenerator(Generator):
    """Writes snippets/index.html and snippets/report.json."""

    templates: Generator | None = None   # the generator whose templates it renders with

    def generate_context(self) -> None:
        pass  # everything it needs exists only after the blocks have run

    def render_with(self, generator: Generator) -> None:
        """Take templates from another generator, which has compiled base.html already: every
        generator has a Jinja environment of its own, and compiling the theme's templates
        again cost more than rendering the page."""
        self.templates = generator

    def generate_output(self, writer) -> None:
        verification = self.context.get(CONTEXT_KEY)
        if verification is None:
            return
        data = report_data(verification, datetime.now(UTC))
        writer.write_file(PAGE_SAVE_AS, self._template(), self.context,
                          relative_urls=self.settings["RELATIVE_URLS"], url=PAGE_URL,
                          page_name="snippets", report=data)
        path = Path(self.output_path, JSON_SAVE_AS)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: indenting switches json to its pure-Python encoder, several times slower.
        path.write_text(json.dumps(data) + "\n", encoding="utf-8")

    def _template(self):
        """The theme's snippets.html, or the plugin's own for a theme that has none.

        Compiled once and kept in the cache directory (Jinja's bytecode cache, checked against
        the template's time): compiling it cost a warm build more than rendering it.
        """
        templates = self.templates or self
        cache_dir = self.settings["SNIPPETS_CONFIG"].cache_dir
        if cache_dir and templates.env.bytecode_cache is None:
            from jinja2 import FileSystemBytecodeCache

            folder = Path(cache_dir, "templates")
            with contextlib.suppress(OSError):
                folder.mkdir(parents=True, exist_ok=True)
                templates.env.bytecode_cache = FileSystemBytecodeCache(str(folder))
        try:
            return templates.get_template(TEMPLATE)
        except PelicanTemplateNotFound:
            return templates.env.from_string(OWN_TEMPLATE.read_text(encoding="utf-8"))


def get_generators(pelican_object) -> type:
    return SnippetReportGenerator
