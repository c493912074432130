"""Tell the author what happened: compiler-style error lines, then a summary.

Printed through Pelican's own console (so its "Generating..." spinner stays
out of the way) but not through logging, and never wrapped, so a terminal or
CI log shows each `file:line:` line whole.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

from ..model import FAILED, NOT_RUN, PASSED, SKIPPED, count


def failure_lines(results: list, problems: list) -> list:
    """The error lines, each followed by its traceback indented, in source order."""
    lines = [problem.error_line() for problem in problems]
    for result in results:
        if result.status == FAILED:
            lines.append(result.error_line())
            if result.details:
                lines.append(textwrap.indent(result.details, "    "))
    return lines


def summary_line(verification) -> str:
    results, problems = verification.all_results(), verification.problems
    counts = count(results)
    documents = len({result.block.source for result in results})
    text = (f"snippets: {len(results)} block(s) in {documents} file(s): {counts[PASSED]} passed, "
            f"{counts[FAILED]} failed, {counts[SKIPPED]} skipped, {counts[NOT_RUN]} not run; "
            f"{verification.executed} run now, {verification.reused} from cache "
            f"({verification.elapsed:.2f} s)")
    if problems:
        text += f"; {len(problems)} problem(s) in the Markdown"
    return text


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
            for result in timed[:how_many]]


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
