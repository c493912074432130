"""The pytest plugin (integrations/pytest_plugin.py): `pytest content/`, run for real on a small project in tmp."""

import os
import subprocess
import sys

from .helpers import ON_THIS, PROJECT_POST, THIS


def pytest_in(project, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=project, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def test_pytest_collects_each_block_and_reports_file_line(project):
    result = pytest_in(project, "content", "-v")
    assert result.returncode == 1
    assert f"content/posts/p.md::line 7: python block 1[py{THIS}] PASSED" in result.stdout
    assert f"content/posts/p.md::line 16: python block 2[py{THIS}] FAILED" in result.stdout
    assert (f"content/posts/p.md:17: error: python block 2 {ON_THIS} raised NameError: name 'undefined' is not "
            "defined" in result.stdout)


def test_pytest_checks_expected_output(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(PROJECT_POST.replace("```output\nfine", "```output\nfne").replace("print(undefined)", "pass"))
    result = pytest_in(project, "content")
    assert result.returncode == 1
    assert (f"content/posts/p.md:12: error: python block 1 {ON_THIS} printed something other than the expected "
            "output" in result.stdout)
    assert "-fne" in result.stdout and "+fine" in result.stdout


def test_pytest_collection_does_not_import_pelican(project):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "pytest", "-s", "-p", "no:cacheprovider",
                             "content"], cwd=project, capture_output=True, text=True, timeout=120)
    assert "1 failed, 1 passed" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "pelican_snippets.config" in imported
    assert not any(name == "pelican" or name.startswith("pelican.") for name in imported)


MATRIX_POST = """Title: M
Date: 2024-01-01
Requires-Python: >=3.11

```python
import tomllib
print(tomllib.loads("a = 1"))
```
"""


def test_pytest_items_are_parametrized_by_interpreter(project):
    """One item per block and interpreter; where Requires-Python excludes one, its item is skipped."""
    (project / "pelicanconf.py").write_text(
        f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(project / 'cache')!r}, 'pythons': ['3.10', '3.12']}}\n")
    (project / "content" / "posts" / "p.md").write_text(MATRIX_POST)
    result = pytest_in(project, "content", "-v", "-rs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content/posts/p.md::line 5: python block 1[py3.10] SKIPPED" in result.stdout
    assert "not applicable: the post requires Python >=3.11" in result.stdout
    assert "content/posts/p.md::line 5: python block 1[py3.12] PASSED" in result.stdout
    only = pytest_in(project, "content", "-v", "--snippets-python", "3.12")
    assert "[py3.12] PASSED" in only.stdout and "[py3.10]" not in only.stdout, only.stdout


def test_a_dependency_that_cannot_be_installed_fails_the_items_with_its_line(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(PROJECT_POST.replace("Summary: s", "Summary: s\nDependencies: snippets-no-such-package-xyz"))
    result = pytest_in(project, "content")
    assert result.returncode == 1, result.stdout
    assert ("content/posts/p.md:4: error: Dependencies: could not install snippets-no-such-package-xyz"
            in result.stdout), result.stdout
