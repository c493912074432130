"""Tell the author what happened: compiler-style error lines, then a summary.

Printed through Pelican's own console (so its "Generating..." spinner stays
out of the way) but not through logging, and never wrapped, so a terminal or
CI log shows each `file:line:` line whole.
"""

import textwrap
from contextlib import contextmanager


from .results import FAILED, NOT_RUN, PASSED, SKIPPED


def failure_lines(results, problems):
    """The error lines, each followed by its traceback indented, in source order."""
    lines = [problem.error_line() for problem in problems]
    for result in results:
        if result.status == FAILED:
            lines.append(result.error_line())
            if result.details:
                lines.append(textwrap.indent(result.details, "    "))
    return lines


def summary_line(verification):
    results, problems = verification.all_results(), verification.problems
    count = {status: 0 for status in (PASSED, FAILED, SKIPPED, NOT_RUN)}
    for result in results:
        count[result.status] += 1
    documents = len({result.block.source for result in results})
    text = (f"snippets: {len(results)} block(s) in {documents} file(s): {count[PASSED]} passed, "
            f"{count[FAILED]} failed, {count[SKIPPED]} skipped, {count[NOT_RUN]} not run; "
            f"{verification.executed} run now, {verification.reused} from cache "
            f"({verification.elapsed:.2f} s)")
    if problems:
        text += f"; {len(problems)} problem(s) in the Markdown"
    return text


def slowest_lines(results, how_many=5):
    timed = sorted((r for r in results if r.duration and not r.cached), key=lambda r: r.duration, reverse=True)
    return [f"  {result.duration:7.3f} s  {result.block.where} {result.block.label}"
            for result in timed[:how_many]]


def print_report(verification, write=None):
    """Print the report; `write` defaults to Pelican's console, which keeps its spinner apart."""
    if write is None:
        from pelican.log import console

        write = lambda line: console.print(line, markup=False, highlight=False, soft_wrap=True)
    results = verification.all_results()
    lines = failure_lines(results, verification.problems)
    lines.append(summary_line(verification))
    slow = slowest_lines(results)
    if slow:
        lines += ["slowest blocks:", *slow]
    for line in lines:
        write(line)


@contextmanager
def progress_bar(total, out=None):
    """A progress bar over the blocks while they run; silent when not on a terminal.

    Yields the callback the pipeline calls with each finished job's results.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if out is None:
        from pelican.log import console as out
    if not out.is_terminal or total == 0:
        yield lambda job, results: None
        return
    columns = (TextColumn("verifying snippets"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task("snippets", total=total)
        yield lambda job, results: progress.advance(task, len(results))
