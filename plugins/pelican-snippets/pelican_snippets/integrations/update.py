"""Rewrite `output` fences from what their blocks really print (`invoke snippets --update`).

Only the lines between an output fence's opening and closing lines change,
and new fences are put in where one Python prints something else; every other
byte of the file, line endings included, stays as it was. A block that failed
(on any Python) for another reason is left alone and reported instead, and so
is a block with no output fence at all.

With several interpreters, each block has a result per Python. The versions
are grouped by the fence that applies to them (Block.expected_on), and each
group is settled on its own:

- all its versions print what the fence says: nothing changes;
- they all print the same other output: the fence is rewritten with it;
- they differ: the fence keeps (or is rewritten with) the output most of its
  versions print (on a tie, what the fence already says if it is one of the
  tied outputs, else the output of the lowest version), and each other output
  gets a new fence `output python==3.13.*`, one per minor version, or one per
  run of consecutive minor versions (`output python>=3.12,<3.14`). A group of
  the unqualified fence gets its new fences after the block's last output
  fence; a group of a qualified fence gets them just before that fence, since
  the first qualified fence that holds is the one that applies.

Versions whose run passed take part; not run, skipped and not applicable ones do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..extract.collect import display_path, read_document
from ..model import PASSED, Expected, version_numbers
from ..verify.judge import matches, normalise
from ..verify.pipeline import verify_documents

_FENCE_MARK = re.compile(r"`{3,}|~{3,}")


@dataclass(frozen=True)
class Edit:
    """One change to a post: `fence`'s body replaced by `text`, or, with `when`, a new fence holding it."""

    fence: Expected         # the fence rewritten, or the one whose versions the new fence splits off
    text: str               # what the block printed (or, for versions that still match, the fence's text)
    when: str = ""          # a new fence's condition, e.g. "==3.13.*"; "" rewrites `fence`
    ellipsis: bool = False  # a new fence carrying the fence's own text keeps its `ellipsis`
    at: int = 0             # a new fence: the 0-based index of the line it goes in before
    before: bool = False    # a new fence: it precedes the line at `at` (a qualified fence), else follows a fence

    @property
    def line(self) -> int:
        """The line reported, in the file as it was: the fence rewritten, or the line the new fence goes in at."""
        return self.at + 1 if self.when else self.fence.line


def update_file(path, config: Config, matrix=None) -> tuple:
    """Update one Markdown file; return the lines of the fences rewritten or put in, the failures left,
    and the problems of the post itself (a dependency that cannot be installed, say)."""
    path = Path(path)
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    document = read_document(text, display_path(path), config.languages)
    verification = verify_documents([document], config, check_output=False, matrix=matrix)
    results = verification.all_results()
    failures = [result for result in results if result.status != PASSED]
    edits = plan_edits(results)
    if edits:
        path.write_bytes(apply_edits(raw, edits))
    return sorted({edit.line for edit in edits}), failures, verification.problems


def plan_edits(results) -> list:
    """The edits that make one post's output fences say what its blocks print on each Python."""
    runs = {}   # block number -> (block, its results)
    for result in results:
        runs.setdefault(result.block.number, (result.block, []))[1].append(result)
    edits = []
    for block, block_results in runs.values():
        fences = [fence for fence in (block.expected, *block.expected_variants) if fence and fence.end_line]
        if not fences or any(result.failed for result in block_results):
            continue
        groups = {}  # fence line -> (fence, the passed results it applies to)
        for result in sorted(block_results, key=lambda result: version_numbers(result.python)):
            fence = block.expected_on(result.python)
            if result.status == PASSED and fence is not None and fence.end_line:
                groups.setdefault(fence.line, (fence, []))[1].append(result)
        after = max(fence.end_line for fence in fences)   # the index of the line after the last fence
        for fence, group in groups.values():
            edits += _group_edits(fence, group, after)
    return edits


def _group_edits(fence, group, after):
    """The edits for the versions one fence applies to (in version order): see the module's rules."""
    current = normalise(fence.text)
    outputs = {}   # the output they print, normalised -> (its text, ellipsis, [versions]); first: the lowest
    for result in group:
        if matches(fence.text, result.stdout, fence.ellipsis):
            outputs.setdefault(current, (fence.text, fence.ellipsis, []))[2].append(result.python)
        else:
            outputs.setdefault(normalise(result.stdout), (result.stdout, False, []))[2].append(result.python)
    if list(outputs) == [current]:
        return []
    kept = max(outputs, key=lambda output: (len(outputs[output][2]), output == current))  # ties: the first
    edits = [] if kept == current else [Edit(fence, outputs[kept][0])]
    at, before = (fence.line - 1, True) if fence.when else (after, False)
    for output, (text, ellipsis, versions) in outputs.items():
        if output != kept:
            edits += [Edit(fence, text, when, ellipsis, at, before) for when in conditions(versions)]
    return edits


def conditions(versions) -> list:
    """Specifiers that select exactly these Pythons' minor versions, one per run of consecutive ones:
    ["3.10.4", "3.11.9", "3.13.1"] -> [">=3.10,<3.12", "==3.13.*"]."""
    minors = sorted({version_numbers(version)[:2] for version in versions if version})
    runs = []
    for minor in minors:
        if runs and runs[-1][-1] == (minor[0], minor[1] - 1):
            runs[-1].append(minor)
        else:
            runs.append([minor])
    return [f"=={run[0][0]}.{run[0][1]}.*" if len(run) == 1
            else f">={run[0][0]}.{run[0][1]},<{run[-1][0]}.{run[-1][1] + 1}" for run in runs]


def apply_edits(raw: bytes, edits) -> bytes:
    """The file with the edits made, every other byte as it was."""
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    lines = raw[len(bom):].decode("utf-8").splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    changes = {}   # 0-based start -> (stop, new lines): rewritten bodies, and new fences put in
    for edit in edits:
        if not edit.when:   # between the fence lines (1-based open and close)
            changes[edit.fence.line] = (edit.fence.end_line - 1, _body(edit.text, newline))
            continue
        new = _new_fence(edit, lines, newline)
        stop, added = changes.get(edit.at, (edit.at, []))
        changes[edit.at] = (stop, added + (new + [newline] if edit.before else [newline] + new))
    for start in sorted(changes, reverse=True):
        stop, new = changes[start]
        if start and start == len(lines) and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += newline   # a fence put in after the file's last line, which had no line end
        lines[start:stop] = new
    return bom + "".join(lines).encode("utf-8")


def _body(output, newline):
    return [line.rstrip() + newline for line in output.rstrip("\n").split("\n")] if output.strip() else []


def _new_fence(edit, lines, newline):
    """A fence like the one it splits off from (``` or ~~~), long enough for its text."""
    mark = _FENCE_MARK.match(lines[edit.fence.line - 1]).group()
    body = _body(edit.text, newline)
    while any(line.rstrip() == mark for line in body):
        mark += mark[0]
    options = " ellipsis" if edit.ellipsis else ""
    return [f"{mark}output{options} python{edit.when}{newline}", *body, f"{mark}{newline}"]
