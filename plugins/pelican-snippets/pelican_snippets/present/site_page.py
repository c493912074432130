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
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pelican.generators import Generator, PelicanTemplateNotFound

from ..model import FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, SKIPPED, STATUSES, block_status, version_numbers
from .html import by_block

CONTEXT_KEY = "snippet_verification"
TEMPLATE = "snippets"
OWN_TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "snippets.html"
PAGE_SAVE_AS = "snippets/index.html"
PAGE_URL = "snippets/"
JSON_SAVE_AS = "snippets/report.json"
STATUS_LABELS = {PASSED: "✓ passed", FAILED: "✗ failed", SKIPPED: "– skipped", NOT_RUN: "– not run",
                 NOT_APPLICABLE: "n/a"}


def report_data(verification, built_at: datetime) -> dict:
    """Everything the page and the JSON show, in plain data: each block's result on each interpreter."""
    documents, blocks = [], []
    by_python = Counter()  # (version, status) -> runs
    versions = {}          # "3.12" -> "3.12.1"
    for source in sorted(verification.results):
        title, url = verification.pages.get(source, (source, ""))
        results = verification.results[source]
        rows = [_block(block_results, by_python, versions) for block_results in by_block(results).values()]
        blocks += [row["status"] for row in rows]
        documents.append({"source": source, "title": plain_text(title), "url": url, "blocks": rows,
                          "network": any(result.network for result in results)})
    passed = [result for result in verification.all_results() if result.status == PASSED]
    pythons = verification.pythons or sorted(versions, key=version_numbers)
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
        "summary": {"blocks": len(blocks), **{_name(status): blocks.count(status) for status in STATUSES},
                    "by_python": {version: {_name(status): by_python[version, status] for status in STATUSES}
                                  for version in pythons}},
        "problems": [{"source": p.source, "line": p.line, "message": p.message}
                     for p in verification.problems],
        "documents": documents,
    }


def _block(results, by_python, versions):
    """A block's row: its status over every interpreter, the message that matters, each run.

    Counts each run into `by_python` and notes its interpreter's full version in `versions`.
    """
    status = block_status(results)
    first = next((result for result in results if result.status == status), results[0])
    block = first.block
    runs, failed_on = {}, []
    for result in results:
        version = result.python_minor
        by_python[version, result.status] += 1
        if result.python:
            versions[version] = result.python
        if result.status == FAILED:
            failed_on.append(version)
        runs[version] = {"python": result.python, "status": result.status, "message": result.message,
                         "duration": round(result.duration, 4), "cached": result.cached, "sealed": result.sealed,
                         "network": result.network}
    return {"number": block.number, "line": block.line, "language": block.language, "status": status,
            "message": first.message, "failed_on": failed_on, "runs": runs}


def _name(status):
    return status.replace(" ", "_")


def add_page_cells(data: dict) -> None:
    """What the page's table shows of each block, worked out here rather than in the template,
    where a cell of every block on every interpreter cost more than the rest of the page: `css`
    (the row's class), `cells` ((class, label, time) per interpreter, in `pythons`' order) and
    `note`. Added once the JSON is written, whose readers want the data, not its display."""
    pythons = [python["version"] for python in data["pythons"]]
    for document in data["documents"]:
        for block in document["blocks"]:
            block["css"] = _css(block["status"])
            block["cells"] = [_cell(block["runs"].get(version)) for version in pythons]
            failed_on = block["failed_on"]
            on = f"On Python {', '.join(failed_on)}: " if failed_on and len(failed_on) < len(pythons) else ""
            block["note"] = on + block["message"]


def _cell(run):
    if run is None:
        return _css(NOT_RUN), "–", ""
    status = run["status"]
    time = ("cached" if run["cached"] else f"{run['duration']:.3f} s") if status in (PASSED, FAILED) else ""
    return _css(status), STATUS_LABELS[status], time


def _css(status):
    return "is-" + status.replace(" ", "-")


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
        path = Path(self.output_path, JSON_SAVE_AS)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: indenting switches json to its pure-Python encoder, several times slower.
        path.write_text(json.dumps(data) + "\n", encoding="utf-8")
        add_page_cells(data)
        writer.write_file(PAGE_SAVE_AS, self._template(), self.context,
                          relative_urls=self.settings["RELATIVE_URLS"], url=PAGE_URL,
                          page_name="snippets", report=data)

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
