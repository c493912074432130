"""`pytest content/` and `invoke snippets --update`, run for real on a small project in tmp."""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

POST = """Title: P
Date: 2024-01-01
Summary: s

Intro.

```python
import sys
print("fine")
```

```output
fine
```

```python
print(undefined)
```
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "p.md").write_text(POST)
    (tmp_path / "pelicanconf.py").write_text(
        f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(tmp_path / 'cache')!r}}}\n")
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text().replace(
        'Path(__file__).parent / "plugins"', repr(str(ROOT / "plugins"))))
    return tmp_path


def pytest_in(project, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=project, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def test_pytest_collects_each_block_and_reports_file_line(project):
    result = pytest_in(project, "content", "-v")
    assert result.returncode == 1
    assert "content/posts/p.md::line 7: python block 1 PASSED" in result.stdout
    assert "content/posts/p.md::line 16: python block 2 FAILED" in result.stdout
    assert "content/posts/p.md:17: error: python block 2 raised NameError: name 'undefined' is not defined" in result.stdout


def test_pytest_checks_expected_output(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(POST.replace("```output\nfine", "```output\nfne").replace("print(undefined)", "pass"))
    result = pytest_in(project, "content")
    assert result.returncode == 1
    assert "content/posts/p.md:12: error: python block 1 printed something other than the expected output" in result.stdout
    assert "-fne" in result.stdout and "+fine" in result.stdout


def test_update_rewrites_only_the_output_fences(project):
    post = project / "content" / "posts" / "p.md"
    original = POST.replace("print(undefined)", "print('second')\nprint('lines')") + "\n```output\nstale\n```\n"
    original = original.replace('print("fine")', 'print("fine")\nprint("  and more  ")')
    post.write_bytes(original.replace("\n", "\r\n").encode())
    sys.path.insert(0, str(ROOT / "plugins"))
    from snippets.config import Config
    from snippets.update import update_file
    lines, failures = update_file(post, Config(jobs=1))
    assert lines == [13, 22] and failures == []
    expected = original.replace("```output\nfine\n```", "```output\nfine\n  and more\n```").replace(
        "```output\nstale\n```", "```output\nsecond\nlines\n```")
    assert post.read_bytes() == expected.replace("\n", "\r\n").encode()
    assert update_file(post, Config(jobs=1)) == ([], [])  # now everything matches


def test_command_line_verifies_without_pelican(project):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "snippets"], cwd=project,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")})
    assert result.returncode == 1
    assert "content/posts/p.md:17: error: python block 2 raised NameError: name 'undefined' is not defined" in result.stdout
    assert "snippets: 2 block(s) in 1 file(s): 1 passed, 1 failed" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "snippets.worker" not in imported and not any(name.startswith("pelican") for name in imported)


def test_command_line_update(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(POST.replace("print(undefined)", "print('x')").replace("```output\nfine", "```output\nold"))
    result = subprocess.run([sys.executable, "-m", "snippets", "--update"], cwd=project,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")})
    assert result.returncode == 0, result.stdout
    assert "content/posts/p.md:12: updated the expected output" in result.stdout
    assert "```output\nfine\n```" in post.read_text()


def test_settings_importing_their_neighbour_are_read_from_any_folder(project, tmp_path_factory):
    """publishconf.py imports pelicanconf; PATH is relative to the settings file, as in Pelican."""
    (project / "publishconf.py").write_text("from pelicanconf import *\nSNIPPETS = {**SNIPPETS, 'timeout': 5}\n")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = subprocess.run([sys.executable, "-m", "snippets", "--settings", str(project / "publishconf.py")],
                            cwd=elsewhere, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")})
    assert result.returncode == 1, result.stderr
    assert f"{project}/content/posts/p.md:17: error: python block 2 raised NameError" in result.stdout


def test_pytest_collection_does_not_import_pelican(project):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "pytest", "-s", "-p", "no:cacheprovider", "content"],
                            cwd=project, capture_output=True, text=True, timeout=120)
    assert "1 failed, 1 passed" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "snippets.config" in imported and not any(name.startswith("pelican") for name in imported)
