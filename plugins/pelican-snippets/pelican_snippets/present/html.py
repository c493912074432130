"""Turn block results into the HTML that replaces each block's placeholder, and a post's badge."""

from __future__ import annotations

from collections import namedtuple
from html import escape

from ..model import FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, SKIPPED, Document, Result, block_status, version_numbers


def by_block(results: list) -> dict:
    """{block number: its results, one per interpreter, in the interpreters' order}."""
    grouped = {}
    for result in results:
        grouped.setdefault(result.block.number, []).append(result)
    return grouped


def block_html(results: list, show_failures: bool) -> str:
    """The HTML under one block, from its results on every interpreter: an error box for each
    way it failed, naming the Pythons it failed that way on, else what it passing shows (one
    output panel: the outputs agree)."""
    applicable = [result for result in results if result.status != NOT_APPLICABLE] or results[:1]
    alike = {}  # (line, message) -> the Pythons it failed that way on
    for result in applicable:
        if result.status == FAILED:
            alike.setdefault((result.line, result.message), []).append(result)
    if alike:
        if not show_failures:
            return ""
        return "".join(_error_box(failed[0], [result.python_minor for result in failed if result.python])
                       for failed in alike.values())
    first = applicable[0]
    if first.status == PASSED and first.block.options.raises_variants:
        passed = [result for result in applicable if result.status == PASSED]
        return _raised_by_version(passed) + (_output_panel(first.stdout) if first.block.options.output else "")
    return result_html(first, show_failures)


def _raised_by_version(results):
    """The note under a block expected to raise something different on some Pythons: each version's."""
    raised = {}
    for result in results:
        if result.block.options.raises_on(result.python):
            raised.setdefault(result.message, []).append(result.python_minor)
        else:
            raised.setdefault("", []).append(result.python_minor)
    notes = []
    for message, versions in raised.items():
        on = f"on Python {', '.join(versions)}"
        if not message:
            notes.append(f"Raised nothing {on}, as expected.")
        else:
            what, intended, _ = message.rpartition(", as intended")
            notes.append(_sentence(f"{what} {on}, as intended" if intended else f"{message} {on}"))
    return "".join(f'<p class="snippet-note snippet-raises">{escape(note)}</p>' for note in notes)


def result_html(result: Result, show_failures: bool) -> str:
    """The HTML under one block: output panel, skip note, or error box."""
    block = result.block
    if result.status == SKIPPED:
        return f'<p class="snippet-note snippet-skipped">Not run: {escape(block.options.skip)}</p>'
    if result.status == FAILED:
        if not show_failures:
            return ""
        return _error_box(result, [result.python_minor] if result.python else [])
    if result.status in (NOT_RUN, NOT_APPLICABLE):
        return f'<p class="snippet-note snippet-not-run">{escape(_sentence(result.message))}</p>'
    html = ""
    if result.status == PASSED and block.options.raises_on(result.python):
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


def _error_box(result, pythons=()):
    on = f" on Python {', '.join(pythons)}" if pythons else ""
    title = f"This snippet failed{on}: {result.where}: {result.block.label} {result.message}"
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
    """Replace every placeholder of the document; none may be left behind.

    A placeholder inside the end of its block's `<pre>` is followed by the closing tags noted
    in `document.closings`: what replaces it goes after them.
    """
    grouped = by_block(results)
    for block in document.blocks:
        results = grouped.get(block.number)
        replacement = block_html(results, show_failures) if results else ""
        placeholder, closing = document.placeholder(block), document.closings.get(block.number, "")
        if closing:
            html = html.replace(placeholder + closing, closing + replacement)
        html = html.replace(placeholder, replacement)  # not moved, or something changed its closing tags
    return html


class Summary(namedtuple("Summary", ["total", "passed", "failed", "skipped", "not_run", "verified_on", "pythons",
                                     "failed_on", "sealed", "network"], defaults=[(), (), False, False])):
    """Counts of one post's blocks for its verification badge: a block passed if it passed on every
    Python it applies to, and failed if it failed on any.

    `pythons`: the versions its blocks ran on ("3.12"); `failed_on`: those some block failed on;
    `sealed`: every block that passed ran in the sandbox, the proof the badge gives; `network`:
    some block's process had the network (its `network` option).
    """

    __slots__ = ()


def summarize(results: list, verified_on: str, pythons=()) -> Summary:
    """`pythons`: the build's interpreters, in order (default: those the results name)."""
    statuses = [block_status(block_results) for block_results in by_block(results).values()]
    counts = {status: statuses.count(status) for status in (PASSED, FAILED, SKIPPED, NOT_RUN)}
    ran = [result for result in results if result.status in (PASSED, FAILED)]
    order = list(pythons) or sorted({result.python_minor for result in ran}, key=version_numbers)
    on = {result.python_minor for result in ran}
    failed_on = {result.python_minor for result in ran if result.status == FAILED}
    passed = [result for result in results if result.status == PASSED]
    return Summary(total=len(statuses), passed=counts[PASSED], failed=counts[FAILED], skipped=counts[SKIPPED],
                   not_run=counts[NOT_RUN], verified_on=verified_on,
                   pythons=tuple(version for version in order if version in on),
                   failed_on=tuple(version for version in order if version in failed_on),
                   sealed=bool(passed) and all(result.sealed for result in passed),
                   network=any(result.network for result in results))
