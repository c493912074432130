"""Shared helpers for the snippet plugin's tests: import the plugin as Pelican does."""

import contextlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plugins"))

from snippets.config import Config  # noqa: E402
from snippets.plan import plan_document  # noqa: E402
from snippets.reader import read_document  # noqa: E402
from snippets.runner import run_job, snippet_environment  # noqa: E402
from snippets.service import ServiceOnDemand  # noqa: E402


def run_markdown(text, source="content/posts/t.md", forked=True, **config):
    """Read Markdown text, run every job it plans, return {block number: result}.

    Forked children come from the service's pre-started interpreter, as in
    builds; otherwise each is a freshly started interpreter.
    """
    settings = Config(**{"timeout": 10, "memory_limit_mb": 512, "jobs": 1, **config})
    document = read_document(text, source)
    jobs, settled = plan_document(document)
    results = list(settled)
    environment = lambda home: snippet_environment(settings, home, home)  # noqa: E731
    with contextlib.closing(ServiceOnDemand(environment, settings.jobs, spawn=not forked)) as service:
        for job in jobs:
            results += run_job(job, settings, service())
    return {result.block.number: result for result in results}


def fence(code, info="python"):
    return f"```{info}\n{code}\n```\n"


@pytest.fixture(params=["spawned", "forked"])
def run(request):
    """run_markdown, once with fresh interpreters and once with children forked by the service."""
    forked = request.param == "forked"
    return lambda *args, **kwargs: run_markdown(*args, forked=forked, **kwargs)
