"""Judge what a block printed against the output the post says it prints."""

import dataclasses
import difflib
import re

from .results import FAILED, PASSED

ELLIPSIS = "..."


def normalise(text):
    """Trailing whitespace on each line and trailing blank lines never count."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def matches(expected, actual, ellipsis=False):
    expected, actual = normalise(expected), normalise(actual)
    if not ellipsis or ELLIPSIS not in expected:
        return expected == actual
    pattern = ".*?".join(re.escape(part) for part in expected.split(ELLIPSIS))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def judge(result):
    """A passed block with expected output fails if it printed something else."""
    expected = result.block.expected
    if result.status != PASSED or expected is None:
        return result
    if matches(expected.text, result.stdout, expected.ellipsis):
        return result
    diff = difflib.unified_diff(
        normalise(expected.text).splitlines(), normalise(result.stdout).splitlines(),
        "expected (in the post)", "actual (printed by the block)", lineterm="")
    return dataclasses.replace(
        result, status=FAILED, line=expected.line,
        message="printed something other than the expected output",
        details="\n".join(diff))
