"""What a published site was built from: the time (UTC) and the blog's commit."""

import subprocess
from datetime import UTC, datetime


def _git(root, *args):
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def source_commit(root):
    """`a1b2c3d`, `a1b2c3d (dirty: uncommitted changes)`, or None outside a git work tree."""
    commit = _git(root, "rev-parse", "--short", "HEAD")
    if commit is None:
        return None
    status = _git(root, "status", "--porcelain", "--untracked-files=normal")
    return f"{commit} (dirty: uncommitted changes)" if status else commit


def build_description(root, now=None):
    """`built 2026-05-01T12:00:00Z from a1b2c3d`, the line that names a published build."""
    now = now or datetime.now(UTC)
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    commit = source_commit(root) or "an unknown commit (not a git work tree)"
    return f"built {stamp} from {commit}"
