"""Tell the author what happened: compiler-style error lines, then a summary.

Printed through Pelican's own console (so its "Generating..." spinner stays
out of the way) but not through logging, and never wrapped, so a terminal or
CI log shows each `file:line:` line whole.
"""

import textwrap

from pelican.log import console

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


def summary_line(results, problems, elapsed):
    count = {status: 0 for status in (PASSED, FAILED, SKIPPED, NOT_RUN)}
    for result in results:
        count[result.status] += 1
    ran = count[PASSED] + count[FAILED]
    documents = len({result.block.source for result in results})
    text = (f"snippets: {ran} run in {documents} file(s), {count[PASSED]} passed, "
            f"{count[FAILED]} failed, {count[SKIPPED]} skipped, {count[NOT_RUN]} not run "
            f"({elapsed:.2f} s)")
    if problems:
        text += f", {len(problems)} malformed fence(s)"
    return text


def slowest_lines(results, how_many=5):
    timed = sorted((r for r in results if r.duration), key=lambda r: r.duration, reverse=True)
    return [f"  {result.duration:7.3f} s  {result.block.where} {result.block.label}"
            for result in timed[:how_many]]


def print_report(results, problems, elapsed):
    lines = failure_lines(results, problems)
    lines.append(summary_line(results, problems, elapsed))
    slow = slowest_lines(results)
    if slow:
        lines += ["slowest blocks:", *slow]
    for line in lines:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
