"""Lets pytest verify the posts' code blocks directly: `pytest content/` (see README)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "plugins"))

pytest_plugins = ["snippets.pytest_plugin"]
