"""Turn block results into the HTML that replaces each block's placeholder, and a post's badge."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..model import FAILED, NOT_RUN, PASSED, SKIPPED, Document, Result, count


def result_html(result: Result, show_failures: bool) -> str:
    """The HTML under one block: output panel, skip note, or error box."""
    block = result.block
    if result.status == SKIPPED:
        return f'<p class="snippet-note snippet-skipped">Not run: {escape(block.options.skip)}</p>'
    if result.status == FAILED:
        if not show_failures:
            return ""
        return _error_box(result)
    if result.status == NOT_RUN:
        return f'<p class="snippet-note snippet-not-run">{escape(_sentence(result.message))}</p>'
    html = ""
    if result.status == PASSED and block.options.raises:
        html += f'<p class="snippet-note snippet-raises">{escape(_sentence(result.message))}</p>'
    if result.status == PASSED and block.options.output:
        html += _output_panel(result.stdout)
    return html


def _sentence(message):
    """A result's message as a sentence under the block: "not run: ..." becomes "Not run: ...."."""
    return message[:1].upper() + message[1:] + "."


def _output_panel(stdout):
    return ('<div class="snippet-output"><p class="snippet-output-label">Output</p>'
            f'<pre><code>{escape(stdout.rstrip()) or "(nothing printed)"}</code></pre></div>')


def _error_box(result):
    title = f"This snippet failed: {result.where}: {result.block.label} {result.message}"
    body = "\n\n".join(part for part in (result.details, _printed(result)) if part)
    pre = f"<pre><code>{escape(body)}</code></pre>" if body else ""
    return (f'<div class="snippet-error" role="alert">'
            f'<p class="snippet-error-title">{escape(title)}</p>{pre}</div>')


def _printed(result):
    parts = []
    if result.stdout.strip():
        parts.append("stdout:\n" + result.stdout.rstrip())
    if result.stderr.strip() and result.stderr.strip() not in result.details:
        parts.append("stderr:\n" + result.stderr.rstrip())
    return "\n\n".join(parts)


def fill_placeholders(html: str, document: Document, results: list, show_failures: bool) -> str:
    """Replace every placeholder of the document; none may be left behind."""
    by_number = {result.block.number: result for result in results}
    for block in document.blocks:
        result = by_number.get(block.number)
        replacement = result_html(result, show_failures) if result else ""
        html = html.replace(document.placeholder(block), replacement)
    return html


@dataclass(frozen=True)
class Summary:
    """Counts for one post's verification badge."""

    total: int
    passed: int
    failed: int
    skipped: int
    not_run: int
    python_version: str
    verified_on: str
    sealed: bool = False    # every block that passed ran in the sandbox: the proof the badge gives
    network: bool = False   # some block's process had the network (its `network` option)


def summarize(results: list, python_version: str, verified_on: str) -> Summary:
    counts = count(results)
    passed = [result for result in results if result.status == PASSED]
    return Summary(total=len(results), passed=counts[PASSED], failed=counts[FAILED],
                   skipped=counts[SKIPPED], not_run=counts[NOT_RUN],
                   python_version=python_version, verified_on=verified_on,
                   sealed=bool(passed) and all(result.sealed for result in passed),
                   network=any(result.network for result in results))
