"""The `snippets` command (integrations/cli.py, `python -m pelican_snippets`): verify and update without Pelican."""

import subprocess
import sys

import pytest

from .helpers import ON_THIS, PROJECT_POST, THIS


def test_command_line_verifies_without_pelican(project):
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "pelican_snippets"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert (f"content/posts/p.md:17: error: python block 2 {ON_THIS} raised NameError: name 'undefined' is not "
            "defined" in result.stdout)
    assert f"snippets: 2 block(s) in 1 file(s): Python {THIS}: 1 passed, 1 failed" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert "pelican_snippets.runtime.worker" not in imported
    assert not any(name == "pelican" or name.startswith("pelican.") for name in imported)


def test_command_line_update(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(PROJECT_POST.replace("print(undefined)", "print('x')").replace("```output\nfine", "```output\nold"))
    result = subprocess.run([sys.executable, "-m", "pelican_snippets", "--update"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert "content/posts/p.md:12: updated the expected output" in result.stdout
    assert "```output\nfine\n```" in post.read_text()


def test_settings_importing_their_neighbour_are_read_from_any_folder(project, tmp_path_factory):
    """publishconf.py imports pelicanconf; PATH is relative to the settings file, as in Pelican."""
    (project / "publishconf.py").write_text("from pelicanconf import *\nSNIPPETS = {**SNIPPETS, 'timeout': 5}\n")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = subprocess.run([sys.executable, "-m", "pelican_snippets", "--settings", str(project / "publishconf.py")],
                            cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"{project}/content/posts/p.md:17: error: python block 2 {ON_THIS} raised NameError" in result.stdout


def test_command_line_update_reports_a_dependency_that_cannot_be_installed(project):
    post = project / "content" / "posts" / "p.md"
    post.write_text(PROJECT_POST.replace("Summary: s", "Summary: s\nDependencies: snippets-no-such-package-xyz"))
    result = subprocess.run([sys.executable, "-m", "pelican_snippets", "--update"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "content/posts/p.md:4: error: Dependencies: could not install snippets-no-such-package-xyz" \
        in result.stdout


@pytest.mark.parametrize(("pelicanconf", "publishconf", "said"), [
    ("PATH = 'content'\nSNIPPETS = {\n", "", "pelicanconf.py:2: SyntaxError: '{' was never closed"),
    ("PATH = 'content'\nimport no_such_module_xyz\n", "",
     "pelicanconf.py:2: ModuleNotFoundError: No module named 'no_such_module_xyz'"),
    ("PATH = 'content'\nSNIPPETS = {'timeout': TIMEOUT}\n", "from pelicanconf import *\n",
     "pelicanconf.py:2: NameError: name 'TIMEOUT' is not defined"),
])
def test_a_settings_file_that_does_not_run_is_named_with_its_line(project, pelicanconf, publishconf, said):
    """Through the file that imports it too: the line is the project's file that failed."""
    (project / "pelicanconf.py").write_text(pelicanconf)
    (project / "publishconf.py").write_text(publishconf)
    settings = "publishconf.py" if publishconf else "pelicanconf.py"
    result = subprocess.run([sys.executable, "-m", "pelican_snippets", "--settings", settings], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"{settings}: {project / said}\n"
