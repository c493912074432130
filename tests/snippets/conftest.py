"""Fixtures of the snippet plugin's tests; the helpers they use are in helpers.py.

run
    run_markdown (see helpers.py), once with fresh interpreters and once with
    children forked by the service.
project
    A small project in tmp_path, verified without Pelican: pelicanconf.py and
    one post, PROJECT_POST, at content/posts/p.md.
"""

import pytest

from .helpers import PROJECT_POST, run_markdown


@pytest.fixture(params=["spawned", "forked"])
def run(request):
    """run_markdown, once with fresh interpreters and once with children forked by the service."""
    forked = request.param == "forked"
    return lambda *args, **kwargs: run_markdown(*args, forked=forked, **kwargs)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "p.md").write_text(PROJECT_POST)
    (tmp_path / "pelicanconf.py").write_text(
        f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(tmp_path / 'cache')!r}}}\n")
    return tmp_path
