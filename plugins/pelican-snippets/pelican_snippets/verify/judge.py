"""Judge what a block printed against the output the post says it prints.

A block may have output fences for some Pythons only (```output python<3.13);
a result is judged against the one for the interpreter it ran on (see
Block.expected_on): the first qualified fence whose condition holds, else the
unqualified one. A result of unknown Python ("") meets only the unqualified one.
"""

from __future__ import annotations

import re

from ..model import PASSED, Result

ELLIPSIS = "..."


def normalise(text: str) -> str:
    """Trailing whitespace on each line and trailing blank lines never count."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def matches(expected: str, actual: str, ellipsis: bool = False) -> bool:
    expected, actual = normalise(expected), normalise(actual)
    if not ellipsis or ELLIPSIS not in expected:
        return expected == actual
    pattern = ".*?".join(re.escape(part) for part in expected.split(ELLIPSIS))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def judge(result: Result) -> Result:
    """A passed block with expected output on its Python fails if it printed something else."""
    expected = result.block.expected_on(result.python)
    if result.status != PASSED or expected is None:
        return result
    if matches(expected.text, result.stdout, expected.ellipsis):
        return result
    import difflib  # only for a block that printed something else

    diff = difflib.unified_diff(
        normalise(expected.text).splitlines(), normalise(result.stdout).splitlines(),
        "expected (in the post)", "actual (printed by the block)", lineterm="")
    return result.mismatched_output("\n".join(diff), expected)
