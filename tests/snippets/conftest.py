"""Shared helpers for the snippet plugin's tests: import the plugin as Pelican does."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plugins"))

from snippets.config import Config  # noqa: E402
from snippets.plan import plan_document  # noqa: E402
from snippets.reader import read_document  # noqa: E402
from snippets.runner import run_job  # noqa: E402


def run_markdown(text, source="content/posts/t.md", **config):
    """Read Markdown text, run every job it plans, return {block number: result}."""
    settings = Config(**{"timeout": 10, "memory_limit_mb": 512, "jobs": 1, **config})
    document = read_document(text, source)
    jobs, settled = plan_document(document)
    results = list(settled)
    for job in jobs:
        results += run_job(job, settings)
    return {result.block.number: result for result in results}


def fence(code, info="python"):
    return f"```{info}\n{code}\n```\n"


@pytest.fixture
def run():
    return run_markdown
