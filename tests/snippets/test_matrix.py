"""The interpreter matrix on real builds: every post once on each Python it applies to, each in an
environment holding exactly what it declares, results cached per interpreter and lock.

The fixture sites build with the real settings (3.10 to 3.13, which CI's machine has), or with
a smaller `pythons` where that is the point; environments are made by uv, for real.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from required import require

from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.matrix.interpreters import find_interpreters
from pelican_snippets.verify.pipeline import verify_documents

from .helpers import PYTHONS, ROOT, N, build, settings_file

NEEDS_311 = """Title: Tomllib
Date: 2024-05-01 10:00
Slug: tomllib
Summary: A snippet that needs Python 3.11.

```python
import tomllib
print(tomllib.loads("answer = 42")["answer"])
```
"""

WITH_SIX = """Title: Six
Date: 2024-05-02 10:00
Slug: six
Summary: A post that declares a package.
Dependencies: six==1.16.0

```python
import six
print(six.__version__)
```

```output
1.16.0
```
"""

WITHOUT_SIX = """Title: No six
Date: 2024-05-03 10:00
Slug: no-six
Summary: A post that uses a package it does not declare.

```python
import six
```
"""


@pytest.fixture
def site(tmp_path):
    (tmp_path / "content" / "posts").mkdir(parents=True)
    return tmp_path


def post(site, name, text):
    path = site / "content" / "posts" / f"{name}.md"
    path.write_text(text)
    return path


def report_of(site):
    return json.loads((site / "out" / "snippets" / "report.json").read_text())


def badge(site, slug):
    page = (site / "out" / "2024" / slug / "index.html").read_text()
    markup = page.split('<a class="snippet-badge')[1].split(">", 1)[1].split("</a>")[0]
    return re.sub(r"<[^>]+>", "", markup)  # the text a reader sees


def test_every_configured_interpreter_is_on_this_machine():
    found = find_interpreters()
    missing = [version for version in PYTHONS if version not in found]
    require(not missing, f"Python {', '.join(missing)} not found (pyenv install them)")


def test_a_snippet_that_passes_on_311_and_later_fails_on_310_only(site):
    path = post(site, "tomllib", NEEDS_311)
    result = build(site / "content", site / "out")
    assert result.returncode == 1
    assert (f"{path}:7: error: python block 1 on Python 3.10 raised ModuleNotFoundError: No module named "
            "'tomllib'") in result.stdout
    assert result.stdout.count(": error: ") == 1, result.stdout  # only 3.10 failed
    assert "✗ 1 of 1 snippet failed on Python 3.10" in badge(site, "tomllib")
    [block] = report_of(site)["documents"][0]["blocks"]
    assert block["failed_on"] == ["3.10"]
    assert {version: run["status"] for version, run in block["runs"].items()} == {
        "3.10": "failed", **dict.fromkeys(PYTHONS[1:], "passed")}
    page = (site / "out" / "2024" / "tomllib" / "index.html").read_text()
    assert "This snippet failed on Python 3.10:" in page


def test_requires_python_leaves_the_others_not_applicable_never_failed(site):
    post(site, "tomllib", NEEDS_311.replace("Summary:", "Requires-Python: >=3.11\nSummary:"))
    result = build(site / "content", site / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Python 3.10: 0 passed, 0 failed, 0 skipped, 0 not run, 1 not applicable" in result.stdout
    assert "✓ 1 snippet verified on Python 3.11 · 3.12 · 3.13 · sealed" in badge(site, "tomllib")
    [block] = report_of(site)["documents"][0]["blocks"]
    assert block["status"] == "passed" and block["runs"]["3.10"]["status"] == "not applicable"
    page = (site / "out" / "snippets" / "index.html").read_text()
    assert "<th scope=\"col\">Python 3.10</th>" in page and "n/a" in page


def test_a_declared_dependency_is_there_and_an_undeclared_one_is_not(site):
    post(site, "six", WITH_SIX)
    without = post(site, "no-six", WITHOUT_SIX)
    result = build(site / "content", site / "out")
    assert result.returncode == 1
    assert (f"{without}:7: error: python block 1 on Python {', '.join(PYTHONS)} raised ModuleNotFoundError: No "
            "module named 'six'; a post's snippets can import the standard library and the packages of its "
            "Dependencies header, nothing else") in result.stdout
    assert result.stdout.count(": error: ") == 1, result.stdout
    assert f"✓ 1 snippet verified on Python {' · '.join(PYTHONS)}" in badge(site, "six")
    environments = report_of(site)["environments"]
    with_six = [environment for environment in environments if environment["dependencies"] == ["six==1.16.0"]]
    assert [environment["python"][:4] for environment in with_six] == PYTHONS
    assert all(environment["lock"] == ["six==1.16.0"] for environment in with_six)
    page = (site / "out" / "snippets" / "index.html").read_text()
    assert "six 1.16.0" in page and "the standard library only" in page


def test_the_builds_own_packages_are_out_of_reach(site):
    post(site, "mine", WITHOUT_SIX.replace("import six", "import pelican"))
    result = build(site / "content", site / "out")
    assert f"{' · '.join(PYTHONS)} raised ModuleNotFoundError: No module named 'pelican'".replace(" · ", ", ") \
        in result.stdout


def test_a_warm_rebuild_makes_no_environment_and_works_offline(site):
    require(shutil.which("unshare"), "unshare (util-linux) is needed to cut the network")
    post(site, "six", WITH_SIX)
    own = {"SNIPPETS_ENVIRONMENTS_DIR": ""}  # in the site's cache, not the session's shared folder
    first = build(site / "content", site / "out", **own)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "building the environment for Python" in first.stdout
    environments = site / "cache" / "environments"
    before = {path: path.stat().st_mtime_ns for path in environments.glob("*/snippets-environment.json")}
    assert len(before) == N  # one with six on each Python
    (site / "cache" / "results.sqlite3").unlink(missing_ok=True)
    # No network at all: a warm environment cache needs none, though every block runs again.
    offline = subprocess.run(
        ["unshare", "--net", "--map-root-user", sys.executable, "-m", "pelican", str(site / "content"),
         "-s", "pelicanconf.py", "-o", str(site / "out")],
        cwd=ROOT, capture_output=True, text=True,
        timeout=300, env={**os.environ, "SNIPPETS_CACHE_DIR": str(site / "cache"), **own})
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert f"{N} run now, 0 from cache" in offline.stdout
    assert "building the environment" not in offline.stdout
    assert {path: path.stat().st_mtime_ns for path in environments.glob("*/snippets-environment.json")} == before


def test_a_dependency_that_cannot_be_installed_is_an_error_at_its_line(site):
    path = post(site, "bad", WITH_SIX.replace("six==1.16.0", "snippets-no-such-package-xyz"))
    one = settings_file(site / "one.py", "SNIPPETS = {**SNIPPETS, 'pythons': ['3.12']}\n")
    result = build(site / "content", site / "out", one)
    assert result.returncode == 1
    assert f"{path}:5: error: Dependencies: could not install snippets-no-such-package-xyz for Python 3.12" \
        in result.stdout, result.stdout
    assert "Not run: its environment for Python 3.12 could not be made (line 5)." in (
        site / "out" / "2024" / "six" / "index.html").read_text()


def test_a_missing_interpreter_is_one_line_in_development_and_stops_a_publish_build(site):
    post(site, "tomllib", NEEDS_311)
    development = settings_file(site / "dev.py", "SNIPPETS = {**SNIPPETS, 'pythons': ['3.12', '3.99']}\n")
    result = build(site / "content", site / "out", development)
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if "3.99" in line]
    assert line.startswith("snippets: Python 3.99 is not on this machine (looked on PATH (")
    assert "pyenv's versions (" in line and line.endswith("verifying on 3.12 only")
    assert "verified on Python 3.12 ·" in badge(site, "tomllib")
    publish = settings_file(site / "publish.py", "from publishconf import *\n"
                                                 "SNIPPETS = {**SNIPPETS, 'pythons': ['3.12', '3.99']}\n")
    stopped = build(site / "content", site / "out2", publish)
    assert stopped.returncode != 0
    assert "Python 3.99 is not on this machine" in stopped.stderr and "Traceback" not in stopped.stderr
    assert not (site / "out2" / "2024").exists()


def test_adding_an_interpreter_runs_only_on_that_one(site):
    post(site, "tomllib", NEEDS_311)
    two = settings_file(site / "two.py", "SNIPPETS = {**SNIPPETS, 'pythons': ['3.11', '3.12']}\n")
    three = settings_file(site / "three.py", "SNIPPETS = {**SNIPPETS, 'pythons': ['3.11', '3.12', '3.13']}\n")
    assert "2 run now, 0 from cache" in build(site / "content", site / "out", two).stdout
    assert "1 run now, 2 from cache" in build(site / "content", site / "out", three).stdout


def test_version_qualified_expectations_pass_on_every_python(site):
    post(site, "versions", """Title: Versions
Date: 2024-05-04 10:00
Slug: versions
Summary: Expectations that differ by version.

```python raises[python<3.11]=ModuleNotFoundError
import tomllib
```

```python
import sys
print(sys.version_info >= (3, 12))
```

```output python<3.12
False
```

```output
True
```
""")
    result = build(site / "content", site / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✓ 2 snippets verified on Python {' · '.join(PYTHONS)}" in badge(site, "versions")
    page = (site / "out" / "2024" / "versions" / "index.html").read_text()
    assert "Raised ModuleNotFoundError: No module named &#x27;tomllib&#x27; on Python 3.10, as intended." in page
    assert f"Raised nothing on Python {', '.join(PYTHONS[1:])}, as expected." in page
    # Readers see both output fences, each saying which Pythons it is for.
    assert re.search(r'snippet-when">On Python(&nbsp;| )&lt;3.12:</p>', page)
    assert re.search(r'snippet-when">On the other(&nbsp;| )Pythons:</p>', page)


def test_the_command_line_runs_one_interpreter(site):
    post(site, "tomllib", NEEDS_311)
    (site / "pelicanconf.py").write_text(
        f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(site / 'cache')!r}, 'pythons': {PYTHONS!r}}}\n")
    one = subprocess.run([sys.executable, "-m", "pelican_snippets", "--python", "3.12"], cwd=site,
                         capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stdout + one.stderr
    assert "snippets: 1 block(s) in 1 file(s): Python 3.12: 1 passed" in one.stdout
    every = subprocess.run([sys.executable, "-m", "pelican_snippets"], cwd=site, capture_output=True, text=True,
                           timeout=120)
    assert every.returncode == 1 and "on Python 3.10 raised ModuleNotFoundError" in every.stdout
    assert "; ".join(f"Python {version}: " for version in PYTHONS)[:10] in every.stdout
    absent = subprocess.run([sys.executable, "-m", "pelican_snippets", "--python", "3.99"], cwd=site,
                            capture_output=True, text=True, timeout=120)
    assert absent.returncode == 2 and "Python 3.99 is not on this machine" in absent.stderr


def test_the_interpreters_share_the_jobs_places(tmp_path):
    """With jobs=1, no two runs overlap in time, whichever interpreter they are on."""
    documents = [read_document(f"```python\nimport time\nstarted = time.time()\ntime.sleep(0.3)\n"
                               f"print(started, time.time(), {n})\n```\n", f"content/posts/p{n}.md")
                 for n in range(3)]
    config = Config(jobs=1, pythons=("3.10", "3.12"), cache_dir=str(tmp_path / "cache"), timeout=20)
    verification = verify_documents(documents, config)
    results = verification.all_results()
    assert len(results) == 6 and all(result.status == "passed" for result in results), results
    assert {result.python_minor for result in results} == {"3.10", "3.12"}
    spans = sorted(tuple(map(float, result.stdout.split()[:2])) for result in results)
    assert all(end <= next_start for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False)), spans
    assert time.time() - spans[0][0] >= 6 * 0.3


@pytest.mark.parametrize(("pythons", "why"), [
    ("3.12", "a list of distinct Python versions such as"),
    (["3.12", "3.12"], "a list of distinct Python versions such as"),
    (["3.1O"], "a list of distinct Python versions such as"),
    ([3.12], "a list of distinct Python versions such as"),
])
def test_a_wrong_pythons_setting_is_refused_naming_it(pythons, why):
    from pelican_snippets.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"SNIPPETS\['pythons'\] must be " + why):
        load_config({"SNIPPETS": {"pythons": pythons}})
    with pytest.raises(ConfigError, match=r"SNIPPETS\['environments_dir'\] must be a directory path"):
        load_config({"SNIPPETS": {"environments_dir": ""}})


def test_a_run_is_keyed_by_its_interpreters_full_version_and_its_environments_lock():
    """An upgraded interpreter (3.12.1 to 3.12.2), or one package of one environment, changes the key
    of the runs on it; a key depends on nothing else of the machine (the other interpreters' runs
    keep theirs: test_adding_an_interpreter_runs_only_on_that_one)."""
    from pelican_snippets.matrix.environments import Environment
    from pelican_snippets.matrix.interpreters import Interpreter
    from pelican_snippets.plan import plan_document
    from pelican_snippets.verify.key import job_key

    config = Config()
    old, new = Interpreter("3.12.1", "/p/3.12/python", "cb0d0d0a"), Interpreter("3.12.2", "/p/3.12/python", "cb0d0d0a")
    document = read_document(WITH_SIX, "content/posts/six.md")

    def key(interpreter, lock=("six==1.16.0",)):
        [job], _ = plan_document(document, [interpreter])
        return job_key(job, config, Environment(interpreter, ("six==1.16.0",), "/e", lock, built=False))

    assert key(old) == key(Interpreter("3.12.1", "/elsewhere/python3.12", "cb0d0d0a"))  # where it is: no matter
    assert key(old) != key(new)                          # the interpreter upgraded
    assert key(old, ("six==1.17.0",)) != key(old)        # one package of its environment upgraded


def test_a_pre_release_counts_as_its_release_as_pip_does():
    from pelican_snippets.model import version_matches

    assert version_matches(">=3.13", "3.13.0rc1") and not version_matches("<3.13", "3.13.0rc1")


def test_an_invalid_option_is_an_error_even_where_the_post_is_not_applicable():
    from pelican_snippets.matrix.interpreters import Interpreter
    from pelican_snippets.plan import plan_document

    document = read_document("Requires-Python: >=3.99\n\n```python timeot=5\npass\n```\n", "content/posts/x.md")
    jobs, settled = plan_document(document, [Interpreter("3.12.1", "/p/python3.12", "cb0d0d0a")])
    assert jobs == [] and [result.status for result in settled] == ["failed"]
    assert "unknown option 'timeot'" in settled[0].error_line()


def test_no_interpreter_found_runs_nothing_rather_than_the_builds_own():
    from pelican_snippets.plan import plan_document

    document = read_document("```python\npass\n```\n", "content/posts/x.md")
    assert plan_document(document, ()) == ([], [])


def test_a_post_whose_environment_fails_on_one_python_says_where_it_ran(site):
    """Its requirement applies on 3.10 only (a marker) and cannot be installed there: the badge says
    where it did run, and the error names the line and the requirement."""
    path = post(site, "six", WITH_SIX.replace("six==1.16.0", 'snippets-no-such-package-xyz; python_version < "3.11"')
                .replace("import six\nprint(six.__version__)", "print('1.16.0')"))
    two = settings_file(site / "two.py", "SNIPPETS = {**SNIPPETS, 'pythons': ['3.10', '3.12']}\n")
    result = build(site / "content", site / "out", two)
    assert result.returncode == 1
    assert f"{path}:5: error: Dependencies: could not install snippets-no-such-package-xyz" in result.stdout
    assert "1 snippet, run on Python 3.12 only" in badge(site, "six")
