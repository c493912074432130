"""Per-post environments, built with the real uv on the real interpreters, with small packages from PyPI.

iniconfig and six are pure Python: after the first run uv installs them from
its cache in a fraction of a second. Each test has its own cache directory.
"""

import fcntl
import functools
import json
import os
import pickle
import re
import subprocess
import sys
import time

import pytest
from required import require

from pelican_snippets.matrix import environments
from pelican_snippets.matrix.environments import MARKER, EnvironmentFailed, Environments, condense
from pelican_snippets.matrix.interpreters import find_interpreters

PACKAGE = "iniconfig==2.0.0"


@functools.cache
def _found():
    return find_interpreters()


def python(minor):
    """The interpreter for `minor`; this machine image has 3.6 to 3.13 under pyenv."""
    require(minor in _found(), f"Python {minor} not found on this machine (pyenv install {minor})")
    return _found()[minor]


def _run(env, code, cwd):
    """`code` under the environment's Python, outside the repository and without the test's PYTHONPATH."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([env.python, "-c", code], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60)


def _folders(directory):
    return sorted(name for name in os.listdir(directory) if not name.endswith(".lock"))


def _quiet(lines):
    return lines.append


@pytest.mark.parametrize("minor", ["3.10", "3.12"])
def test_a_declared_package_is_importable_and_the_build_is_not(tmp_path, minor):
    interpreter = python(minor)
    with Environments(str(tmp_path / "envs"), report=_quiet([])) as envs:
        env = envs.get(interpreter, [PACKAGE]).result()
    assert env.built and env.lock == (PACKAGE,) and env.packages == "iniconfig 2.0.0"
    assert re.fullmatch(rf"py{minor}-[0-9a-f]{{12}}", os.path.basename(env.path))
    assert env.python == os.path.join(env.path, "bin", "python")
    ran = _run(env, "import sys, iniconfig; print(sys.version.split()[0], iniconfig.__file__)", tmp_path)
    assert ran.returncode == 0, ran.stderr
    version, where = ran.stdout.split()
    assert version == interpreter.version and where.startswith(env.path + os.sep)
    for package in ("pelican", "pelican_snippets", "packaging", "pip"):
        ran = _run(env, f"import {package}", tmp_path)
        assert ran.returncode != 0 and "ModuleNotFoundError" in ran.stderr, package


def test_the_lock_holds_exact_versions_of_normalised_requirements(tmp_path):
    with Environments(str(tmp_path / "envs"), report=_quiet([])) as envs:
        env = envs.get(python("3.12"), ["six <1.17, >=1.15", "iniconfig == 2.0.0", PACKAGE]).result()
        empty = envs.get(python("3.12")).result()
    assert env.requirements == (PACKAGE, "six<1.17,>=1.15")
    assert env.lock == (PACKAGE, "six==1.16.0")
    assert env.packages == "iniconfig 2.0.0, six 1.16.0"
    assert empty.lock == () and empty.packages == "" and empty.path != env.path
    marker = json.loads((tmp_path / "envs" / os.path.basename(env.path) / MARKER).read_text())
    assert marker["lock"] == list(env.lock) and marker["version"] == "3.12.1"


def test_a_warm_cache_runs_nothing_and_needs_no_network(tmp_path, monkeypatch):
    interpreter = python("3.12")
    directory = str(tmp_path / "envs")
    with Environments(directory, report=_quiet([])) as envs:
        cold = envs.get(interpreter, [PACKAGE]).result()
        assert envs.get(interpreter).result().built
    marker = os.path.join(cold.path, MARKER)
    written = os.stat(marker).st_mtime_ns

    def refuse(*args, **kwargs):
        raise AssertionError(f"a subprocess on the warm path: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    lines = []
    with Environments(directory, report=lines.append) as envs:
        started = time.perf_counter()
        future = envs.get(interpreter, [PACKAGE])
        empty = envs.get(interpreter)
        took = time.perf_counter() - started
        assert future.done() and empty.done() and envs.get(interpreter, [PACKAGE]) is future
        warm = future.result()
        assert not empty.result().built
    monkeypatch.undo()
    assert not warm.built and warm.lock == cold.lock and warm.path == cold.path
    assert took < 0.05 and lines == []
    assert os.stat(marker).st_mtime_ns == written

    # The same, in a process with no network at all.
    cut = _network_cut()
    child = f"""
import json, pickle, socket, subprocess, sys
def refuse(*args, **kwargs):
    raise AssertionError("a subprocess on the warm path")
subprocess.run = subprocess.Popen = refuse
try:
    socket.create_connection(("pypi.org", 443), timeout=3)
    sys.exit("the network is not cut")
except OSError:
    pass
from pelican_snippets.matrix.environments import Environments
envs = Environments({directory!r}, report=print)
future = envs.get(pickle.loads(bytes.fromhex({pickle.dumps(interpreter).hex()!r})), [{PACKAGE!r}])
print(json.dumps([future.done(), future.result().built, list(future.result().lock)]))
envs.close()
"""
    ran = subprocess.run([*cut, sys.executable, "-c", child], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout) == [True, False, [PACKAGE]]
    assert os.stat(marker).st_mtime_ns == written


@functools.cache
def _cut_prefix():
    for prefix in (["unshare", "--net"], ["unshare", "--user", "--net"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.SubprocessError):
            pass
    return None


def _network_cut():
    prefix = _cut_prefix()
    require(prefix, "unshare cannot make a network namespace here (root, or user namespaces, are needed)")
    return prefix


def test_refresh_rebuilds_each_environment_once(tmp_path):
    interpreter = python("3.12")
    directory = str(tmp_path / "envs")
    with Environments(directory, report=_quiet([])) as envs:
        first = envs.get(interpreter, [PACKAGE]).result()
    (tmp_path / "envs" / os.path.basename(first.path) / "left-over").write_text("")
    lines = []
    with Environments(directory, refresh=True, report=lines.append) as envs:
        future = envs.get(interpreter, [PACKAGE])
        again = envs.get(interpreter, [PACKAGE])
        empty = envs.get(interpreter).result()
        assert again is future
        rebuilt = future.result()
    assert rebuilt.built and empty.built and rebuilt.path == first.path and rebuilt.lock == first.lock
    assert not os.path.exists(os.path.join(rebuilt.path, "left-over"))
    assert lines[0] == "snippets: building the environment for Python 3.12.1 with iniconfig==2.0.0"
    assert re.fullmatch(r"snippets: environment for Python 3\.12\.1 ready in \d+\.\d s: iniconfig 2\.0\.0", lines[1])
    assert len(lines) == 2  # the empty environment is built silently


def test_an_unresolvable_requirement_fails_naming_it_and_leaves_nothing(tmp_path):
    directory = tmp_path / "envs"
    with Environments(str(directory), report=_quiet([])) as envs:
        future = envs.get(python("3.12"), ["six==1.16.0", "snippets-no-such-package-xyz"])
        error = future.exception()
    assert isinstance(error, EnvironmentFailed)
    assert error.requirements == ("snippets-no-such-package-xyz",)
    message = str(error)
    assert message.startswith("could not install snippets-no-such-package-xyz for Python 3.12.1: ")
    assert "not found in the package registry" in message
    assert "\n" not in message and "\x1b" not in message
    assert _folders(directory) == []


def test_no_uv_is_a_clear_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(environments, "find_uv", lambda: None)
    with Environments(str(tmp_path / "envs"), report=_quiet([])) as envs:
        error = envs.get(python("3.12"), [PACKAGE]).exception()
    assert isinstance(error, EnvironmentFailed) and error.requirements == (PACKAGE,)
    assert str(error).startswith("could not install iniconfig==2.0.0 for Python 3.12.1: uv is not installed")
    assert _folders(tmp_path / "envs") == []


def test_uv_reasons_are_condensed_to_one_line():
    coloured = ("Using Python 3.12.1 environment at: /c/py3.12-0\n"
                "\x1b[31merror\x1b[0m: No solution found when resolving dependencies:\n"
                "  ╰─▶ Because pytest==8.0.0 depends on pluggy>=1.3.0 and you require pytest==8.0.0, ...\n"
                "      And because you require pluggy==99, your requirements are unsatisfiable.\n")
    assert condense(coloured) == ("No solution found when resolving dependencies: Because pytest==8.0.0 depends on "
                                  "pluggy>=1.3.0 and you require pytest==8.0.0, ... And because you require "
                                  "pluggy==99, your requirements are unsatisfiable.")
    offline = ("error: Request failed after 3 retries\n  cause: Failed to fetch: https://pypi.org/simple/six/\n"
               "  cause: client error (Connect)\n  cause: dns error\n"
               "  cause: failed to lookup address information: Temporary failure in name resolution\n")
    assert condense(offline) == ("Request failed after 3 retries: Failed to fetch: https://pypi.org/simple/six/ … "
                                 "failed to lookup address information: Temporary failure in name resolution")


@pytest.mark.parametrize("damage", ["no marker", "garbled marker", "interpreter changed", "no python"])
def test_a_folder_without_a_valid_marker_is_rebuilt(tmp_path, damage):
    interpreter = python("3.12")
    directory = str(tmp_path / "envs")
    with Environments(directory, report=_quiet([])) as envs:
        first = envs.get(interpreter, [PACKAGE]).result()
    marker = os.path.join(first.path, MARKER)
    if damage == "no marker":
        os.remove(marker)
    elif damage == "garbled marker":
        with open(marker, "w") as file:
            file.write('{"lock": [')
    elif damage == "interpreter changed":  # as if it were reinstalled in place: same version, another file
        with open(marker) as file:
            data = json.load(file)
        data["stat"][2] += 1
        with open(marker, "w") as file:
            json.dump(data, file)
    else:
        os.remove(os.path.join(first.path, "bin", "python"))
    open(os.path.join(first.path, "left-over"), "w").close()
    with Environments(directory, report=_quiet([])) as envs:
        again = envs.get(interpreter, [PACKAGE]).result()
    assert again.built and again.path == first.path and again.lock == (PACKAGE,)
    assert not os.path.exists(os.path.join(first.path, "left-over"))
    assert _run(again, "import iniconfig", tmp_path).returncode == 0


def test_two_builds_of_one_environment_make_it_once(tmp_path):
    interpreter = python("3.12")
    directory = str(tmp_path / "envs")
    lines = []
    one, two = Environments(directory, report=lines.append), Environments(directory, report=lines.append)
    # Holding the environment's lock makes both wait for it, so they really do race when it is let go.
    with open(one.folder(interpreter, (PACKAGE,)) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        futures = [one.get(interpreter, [PACKAGE]), two.get(interpreter, [PACKAGE])]
        time.sleep(0.3)
        assert not any(future.done() for future in futures)
    made = [future.result(timeout=60) for future in futures]
    one.close()
    two.close()
    assert sorted(env.built for env in made) == [False, True]
    assert made[0].path == made[1].path and made[0].lock == made[1].lock == (PACKAGE,)
    assert _folders(directory) == [os.path.basename(made[0].path)]
    assert len(lines) == 2 and lines[0].startswith("snippets: building")


def test_a_temporary_directory_is_removed_by_close(tmp_path):
    envs = Environments(None, report=_quiet([]))
    env = envs.get(python("3.12")).result()
    assert env.built and env.lock == () and os.path.isfile(env.python)
    assert os.path.dirname(env.path) == envs.directory
    envs.close()
    assert not os.path.exists(envs.directory)


def test_a_project_around_the_cache_is_ignored(tmp_path):
    """uv must read neither the project's pyproject.toml nor uv.toml above the cache folder."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "blog"\nversion = "1"\nrequires-python = ">=3.13"\n'
                                             '[tool.uv]\nindex-url = "http://127.0.0.1:9/simple"\n')
    (tmp_path / "uv.toml").write_text('index-url = "http://127.0.0.1:9/simple"\n')
    with Environments(str(tmp_path / "cache" / "envs"), report=_quiet([])) as envs:
        env = envs.get(python("3.10"), [PACKAGE]).result()
    assert env.lock == (PACKAGE,) and env.interpreter.minor == "3.10"
