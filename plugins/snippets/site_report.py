"""The verification report for readers: a page listing every block, and the same as JSON.

A Pelican generator, so the page goes through the theme (template
`snippets.html`) and the writer like any other page; it runs after the
blocks, whose results the `verify` step left in the shared context.
"""

import html
import json
import platform
import re
from datetime import datetime, timezone
from pathlib import Path

from pelican.generators import Generator

from .results import FAILED, NOT_RUN, PASSED, SKIPPED

CONTEXT_KEY = "snippet_verification"
PAGE_SAVE_AS = "snippets/index.html"
PAGE_URL = "snippets/"
JSON_SAVE_AS = "snippets/report.json"


def report_data(verification, built_at):
    """Everything the page and the JSON show, in plain data."""
    documents = []
    for source in sorted(verification.results):
        title, url = verification.pages.get(source, (source, ""))
        documents.append({
            "source": source, "title": plain_text(title), "url": url,
            "blocks": [{
                "number": result.block.number, "line": result.block.line,
                "language": result.block.language, "status": result.status,
                "message": result.message, "duration": round(result.duration, 4),
                "cached": result.cached,
            } for result in verification.results[source]],
        })
    counts = {status: 0 for status in (PASSED, FAILED, SKIPPED, NOT_RUN)}
    for result in verification.all_results():
        counts[result.status] += 1
    return {
        "built_at": built_at.isoformat(timespec="seconds"),
        "python_version": platform.python_version(),
        "summary": {"blocks": sum(counts.values()), **{k.replace(" ", "_"): v for k, v in counts.items()}},
        "problems": [{"source": p.source, "line": p.line, "message": p.message}
                     for p in verification.problems],
        "documents": documents,
    }


def plain_text(markup):
    """A title without typogrify's tags and entities, for JSON and attributes."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


class SnippetReportGenerator(Generator):
    """Writes snippets/index.html and snippets/report.json."""

    def generate_context(self):
        pass  # everything it needs exists only after the blocks have run

    def share_templates_with(self, generator):
        """Render with another generator's Jinja environment, which has compiled base.html
        already: every generator gets an environment of its own, and compiling the theme's
        templates again cost more than rendering the page."""
        self.env = generator.env
        self._templates = {}

    def generate_output(self, writer):
        verification = self.context.get(CONTEXT_KEY)
        if verification is None:
            return
        data = report_data(verification, datetime.now(timezone.utc))
        writer.write_file(PAGE_SAVE_AS, self.get_template("snippets"), self.context,
                          relative_urls=self.settings["RELATIVE_URLS"], url=PAGE_URL,
                          page_name="snippets", report=data)
        path = Path(self.output_path, JSON_SAVE_AS)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: indenting switches json to its pure-Python encoder, several times slower.
        path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def get_generators(pelican_object):
    return SnippetReportGenerator
