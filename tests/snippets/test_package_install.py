"""The plugin as another blog gets it: pip-installed into a fresh virtual environment.

A new Pelican site of a few lines, with Pelican's default theme, builds with
a verified snippet; the `snippets` command and `pytest content/` (the
pytest11 entry point) find the same block; a broken snippet fails the build
naming its file and line.
"""

import shutil
import subprocess
import venv

import pytest

from .helpers import ON_THIS, ROOT, THIS

PACKAGE = ROOT / "plugins" / "pelican-snippets"
SETTINGS = """PATH = "content"
TIMEZONE = "UTC"
PLUGINS = ["pelican.plugins.snippets"]
SNIPPETS = {"cache_dir": None}
"""
POST = """Title: Hello
Date: 2026-01-01

```python
print(sum(range(4)))
```

```output
6
```
"""


def pinned(name):
    """The version requirements.txt pins, so the fresh environment matches the blog's."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.strip()
    raise AssertionError(f"{name} is not pinned in requirements.txt")


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    where = tmp_path_factory.mktemp("fresh-venv")
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    # A copy, as a downloaded source would be: pip builds in the folder it is given.
    source = shutil.copytree(PACKAGE, tmp_path_factory.mktemp("source") / PACKAGE.name,
                             ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"))
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source),
         pinned("pelican"), pinned("markdown"), pinned("pytest"), pinned("packaging"), pinned("uv")],
        capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stdout + install.stderr
    return where / "bin"


@pytest.fixture
def new_site(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "hello.md").write_text(POST)
    (tmp_path / "pelicanconf.py").write_text(SETTINGS)
    return tmp_path


def run(command, cwd):
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def test_a_new_site_builds_with_a_verified_snippet(fresh_env, new_site):
    result = run([fresh_env / "pelican", "content", "-s", "pelicanconf.py", "-o", "output"], new_site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"snippets: 1 block(s) in 1 file(s): Python {THIS}: 1 passed, 0 failed" in result.stdout
    page = (new_site / "output" / "hello.html").read_text()
    assert "range" in page and "<!--snippet" not in page  # the block is shown, its placeholder filled
    report = (new_site / "output" / "snippets" / "index.html").read_text()
    assert "Snippet verification report" in report and "1 of 1 passed" in report


def test_the_installed_command_and_pytest_items_verify_the_same_block(fresh_env, new_site):
    command = run([fresh_env / "snippets"], new_site)
    assert command.returncode == 0, command.stdout + command.stderr
    assert f"1 block(s) in 1 file(s): Python {THIS}: 1 passed" in command.stdout
    items = run([fresh_env / "pytest", "-p", "no:cacheprovider", "content", "-v"], new_site)
    assert items.returncode == 0, items.stdout + items.stderr
    assert f"content/hello.md::line 4: python block 1[py{THIS}] PASSED" in items.stdout


def test_a_broken_snippet_fails_the_new_sites_build_at_its_line(fresh_env, new_site):
    (new_site / "content" / "hello.md").write_text(POST.replace("print(sum(range(4)))", "print(sum(range(4))"))
    result = run([fresh_env / "pelican", "content", "-s", "pelicanconf.py", "-o", "output"], new_site)
    assert result.returncode == 1
    assert f"content/hello.md:5: error: python block 1 {ON_THIS} raised SyntaxError" in result.stdout + result.stderr


def test_the_package_declares_its_version_and_entry_points(fresh_env, tmp_path):
    probe = ("import importlib.metadata as m, pelican_snippets as p; d = m.distribution('pelican-snippets'); "
             "print(d.version == p.__version__, sorted(e.group + ':' + e.name for e in d.entry_points)); "
             "print(p.__file__)")
    result = run([fresh_env / "python", "-c", probe], tmp_path)
    assert result.returncode == 0, result.stderr
    declared, location = result.stdout.splitlines()
    assert declared == "True ['console_scripts:snippets', 'pytest11:snippets']"
    assert location.startswith(str(fresh_env.parent)), "imported from the blog's tree, not the installed copy"
