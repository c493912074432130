"""Shared fixtures: real Pelican builds of this repository, made once per test session.

Fixtures
--------
built_site
    Path of the site built with the publish settings (publishconf.py), the way
    it is deployed: absolute https URLs, feeds, failing snippets fail the build.
dev_site
    Path of the site built with the development settings (pelicanconf.py), as
    `invoke build` makes it.
dev_build
    That same build as a ``Build``: its ``output`` directory and what it
    ``printed`` (stdout and stderr).
run_pelican
    The function both use: ``run_pelican(settings, output, content="content")``
    runs Pelican in a fresh process from the repository root and returns the
    ``subprocess.CompletedProcess`` (text output captured, not checked). Use it
    for builds of your own, e.g. a fixture site in ``tmp_path``.

Builds go to temporary directories, never to output/. BLOG_SITEURL is removed
from the environment so the publish build always uses the SITEURL default in
publishconf.py.

The blog's own plugins (plugins/) are importable by name (pytest.ini puts the
folder on the path, as Pelican's PLUGIN_PATHS does), so tests use what a
plugin knows instead of repeating it.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The posts' environments (uv venvs: numpy's and scikit-learn's on four Pythons) are made once
# for the whole session, where `./dev build` keeps them: every fixture site and clone has a cache
# of its own and would make them again. Tests about making environments choose their own folder.
os.environ.setdefault("SNIPPETS_ENVIRONMENTS_DIR", str(ROOT / ".snippets-cache" / "environments"))


class Build(NamedTuple):
    """A finished build: where it wrote the site, and what Pelican printed."""

    output: Path
    printed: str


def _run_pelican(settings, output, content="content"):
    env = {k: v for k, v in os.environ.items() if k != "BLOG_SITEURL"}
    command = [sys.executable, "-m", "pelican", str(content), "-s", str(settings), "-o", str(output)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _build(settings, output):
    result = _run_pelican(settings, output)
    assert result.returncode == 0, (
        f"pelican -s {settings} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-5000:]}\n--- stderr ---\n{result.stderr[-5000:]}"
    )
    return Build(Path(output), result.stdout + result.stderr)


@pytest.fixture(scope="session")
def run_pelican():
    return _run_pelican


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The site built once with publishconf.py; returns the output directory."""
    return _build("publishconf.py", tmp_path_factory.mktemp("publish") / "output").output


@pytest.fixture(scope="session")
def dev_build(tmp_path_factory):
    """The site built once with pelicanconf.py, and what the build printed."""
    return _build("pelicanconf.py", tmp_path_factory.mktemp("dev") / "output")


@pytest.fixture(scope="session")
def dev_site(dev_build):
    """The output directory of dev_build."""
    return dev_build.output
