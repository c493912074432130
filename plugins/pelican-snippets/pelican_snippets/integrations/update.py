"""Rewrite `output` fences from what their blocks really print (`invoke snippets --update`).

Only the lines between an output fence's opening and closing lines change;
every other byte of the file, line endings included, stays as it was. A block
that failed for another reason is left alone and reported instead.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..extract.collect import display_path, read_document
from ..model import PASSED
from ..verify.judge import matches
from ..verify.pipeline import verify_documents


def update_file(path, config: Config) -> tuple:
    """Update one Markdown file; return the lines of the fences rewritten and the failures left."""
    path = Path(path)
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    document = read_document(text, display_path(path), config.languages)
    verification = verify_documents([document], config, check_output=False)
    edits, failures = [], []
    for result in verification.all_results():
        expected = result.block.expected
        if result.status != PASSED:
            failures.append(result)
            continue
        if expected is None or not expected.end_line:
            continue
        if not matches(expected.text, result.stdout, expected.ellipsis):
            edits.append((expected.line, expected.end_line, result.stdout))
    if edits:
        path.write_bytes(_rewrite(raw, edits))
    return [line for line, _, _ in edits], failures


def _rewrite(raw, edits):
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    lines = raw[len(bom):].decode("utf-8").splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for open_line, close_line, output in sorted(edits, reverse=True):
        body = [line.rstrip() + newline for line in output.rstrip("\n").split("\n")] if output.strip() else []
        lines[open_line:close_line - 1] = body   # between the fence lines (1-based open/close)
    return bom + "".join(lines).encode("utf-8")

