"""Tell the author what happened: compiler-style error lines, then a summary.

Printed through Pelican's own console (so its "Generating..." spinner stays
out of the way) but not through logging, and never wrapped, so a terminal or
CI log shows each `file:line:` line whole.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from ..matrix.pythons import missing_line
from ..model import FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, SKIPPED, STATUSES, count, version_numbers


def failure_lines(results: list, problems: list, details: bool = True) -> list:
    """The error lines, each followed by its traceback indented (`details`), in source order.

    A block that failed alike on several Pythons (at the same line, with the
    same message) gets one line naming them all, and the first one's traceback:
    theirs differ only in how each version draws it.
    """
    lines = [problem.error_line() for problem in problems]
    alike = {}   # (where, label, message) -> the failed results
    for result in results:
        if result.status == FAILED:
            alike.setdefault((result.where, result.block.label, result.message), []).append(result)
    for failed in alike.values():
        lines.append(failed[0].error_line([result.python_minor for result in failed if result.python]))
        if details and failed[0].details:
            lines.append(textwrap.indent(failed[0].details, "    "))
    return lines


def summary_line(verification) -> str:
    """Blocks and files, the counts on each interpreter, what ran now and what came from the cache."""
    results, problems = verification.all_results(), verification.problems
    blocks = {(result.block.source, result.block.number) for result in results}
    documents = len({source for source, _ in blocks})
    runs = Counter((result.python_minor, result.status) for result in results)  # one pass: they are many
    pythons = verification.pythons or sorted({version for version, _ in runs}, key=version_numbers)
    counts = [(version, {status: runs[version, status] for status in STATUSES}) for version in pythons]
    if len(counts) == 1 or not counts:
        counts = [(counts[0][0] if counts else "", count(results))]
    per_python = "; ".join((f"Python {version}: " if version else "") + _counted(numbers)
                           for version, numbers in counts)
    text = (f"snippets: {len(blocks)} block(s) in {documents} file(s): {per_python}; "
            f"{verification.executed} run now, {verification.reused} from cache "
            f"({verification.elapsed:.2f} s)")
    if problems:
        text += f"; {len(problems)} problem(s) in the Markdown"
    return text


def _counted(numbers):
    shown = [f"{numbers[PASSED]} passed", f"{numbers[FAILED]} failed", f"{numbers[SKIPPED]} skipped",
             f"{numbers[NOT_RUN]} not run"]
    if numbers[NOT_APPLICABLE]:
        shown.append(f"{numbers[NOT_APPLICABLE]} not applicable")
    return ", ".join(shown)


def missing_pythons_line(verification) -> str | None:
    matrix = verification.matrix
    return missing_line(matrix) if matrix is not None and matrix.missing else None


def sandbox_line(verification) -> str | None:
    """The one line that says what holds when runs could not be sealed (sandbox "auto")."""
    if verification.sealed is not False or not verification.unsealed_because:
        return None  # sealed, nothing ran, or sandbox "off"
    return (f"snippets: runs are not sealed ({verification.unsealed_because}): each post still has its own "
            "process group, directory, time, memory and output limits and a scrubbed environment, but it "
            "can see the build's processes and files and use the network")


def slowest_lines(results: list, how_many: int = 5) -> list:
    timed = sorted((r for r in results if r.duration and not r.cached), key=lambda r: r.duration, reverse=True)
    return [f"  {result.duration:7.3f} s  {result.block.where} {result.block.label}"
            + (f" (Python {result.python_minor})" if result.python else "") for result in timed[:how_many]]


def print_report(verification, write=None) -> None:
    """Print the report; `write` defaults to Pelican's console, which keeps its spinner apart."""
    if write is None:
        from pelican.log import console

        def write(line):
            return console.print(line, markup=False, highlight=False, soft_wrap=True)
    results = verification.all_results()
    lines = failure_lines(results, verification.problems)
    lines.append(summary_line(verification))
    if sandbox := sandbox_line(verification):
        lines.append(sandbox)
    if missing := missing_pythons_line(verification):
        lines.append(missing)
    slow = slowest_lines(results)
    if slow:
        lines += ["slowest blocks:", *slow]
    for line in lines:
        write(line)


@contextmanager
def progress_bar(total: int, out=None) -> Iterator:
    """A progress bar over the blocks while they run; silent when not on a terminal.

    Yields the callback the pipeline calls with each finished job's results.
    """
    if out is None:
        from pelican.log import console as out
    if not out.is_terminal or total == 0:
        yield lambda job, results: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("verifying snippets"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task("snippets", total=total)
        yield lambda job, results: progress.advance(task, len(results))
