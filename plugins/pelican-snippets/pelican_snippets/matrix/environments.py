"""Virtual environments, one per interpreter and dependency set, built with uv and cached across builds.

A post's snippets run in its environment's Python, so they see the standard
library plus the packages the post declares, and nothing of the build's own
environment. Each environment lives in `<directory>/py<minor>-<digest>/`; a JSON
marker, written last, says it is complete (lookup.py). A warm build only reads
the markers (no subprocess, no network); a cold one builds in background
threads, one flock per environment so that two builds never make the same one
at once. What only making one needs (subprocess, tempfile, fcntl, glob) is
imported where one is made: the command line imports this module before it
reads the first post.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import os
import re
import shutil
import sys
import threading
import time

from .interpreters import Interpreter
from .lookup import MARKER, Environment, environments_folder, fingerprint, folder, ready

UV_TIMEOUT = 900  # seconds; a hung download or sdist build must not hang the blog's build
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Where uv's report on stderr starts a new clause; colour terminals get the box-drawing arrows.
CLAUSE = re.compile(r"^\s*(error:|cause:|├─▶|╰─▶)\s*")


class EnvironmentFailed(Exception):
    """uv could not make an environment; str() is one line, `requirements` the declared ones to blame."""

    def __init__(self, message: str, requirements: tuple = ()):
        super().__init__(message)
        self.requirements = tuple(requirements)


def normalise(requirements) -> tuple:
    """Sorted, deduplicated `str(Requirement)`s, so that spelling differences share one environment.

    packaging is imported only for a post that declares something: it costs more than a warm
    build's whole lookup of its environments.
    """
    if not requirements:
        return ()
    from packaging.requirements import Requirement

    return tuple(sorted({str(Requirement(text)) for text in requirements}))


_FINDING_UV = threading.Lock()


@functools.lru_cache(maxsize=1)
def _uv() -> str | None:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def find_uv() -> str | None:
    """The uv that requirements.txt pins (the `uv` package's binary), else one on PATH.

    Looked up once, by one thread: the package asks sysconfig, whose first use is not
    safe from two threads at once.
    """
    with _FINDING_UV:
        return _uv()


def condense(stderr: str) -> str:
    """uv's reason in one line: its error, the first cause, and the last line (the conclusion or the root cause)."""
    lines = [ANSI.sub("", line).rstrip() for line in stderr.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("error:")), None)
    if start is None:
        kept = [line.strip() for line in lines if line.strip()]
        return " … ".join(kept[-2:]) or "uv failed without a message"
    # (starts a clause, text): a cause's further lines continue it, so they join with a space.
    body = [(bool(CLAUSE.match(line)), CLAUSE.sub("", line).strip().rstrip(":")) for line in lines[start:]
            if line.strip()]
    kept = body[:2] + body[-1:] if len(body) > 2 else body
    text = kept[0][1]
    for index, (clause, part) in enumerate(kept[1:], 1):
        skipped = index == 2 and len(body) > 3
        text += (" … " if skipped else ": " if clause else " ") + part
    return text


def culprits(requirements: tuple, message: str) -> tuple:
    """The declared requirements whose names uv's message mentions; all of them if it names none."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    named = []
    for text in requirements:
        parts = re.split(r"[-_.]+", canonicalize_name(Requirement(text).name))
        pattern = r"(?<![\w.-])" + r"[-_.]+".join(map(re.escape, parts)) + r"(?![\w-])(?!\.\w)"
        if re.search(pattern, message, re.IGNORECASE):
            named.append(text)
    return tuple(named) or requirements


def read_lock(venv: str) -> tuple:
    """"name==version" of each distribution in the venv's site-packages, read from the dist-info metadata."""
    import glob

    from packaging.utils import canonicalize_name  # only where an environment was just made

    pins = {}
    for metadata in glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "*.dist-info", "METADATA")):
        fields = {}
        with open(metadata, encoding="utf-8", errors="replace") as file:
            for line in file:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields.setdefault(key.strip().lower(), value.strip())
        if fields.get("name") and fields.get("version"):
            pins[canonicalize_name(fields["name"])] = fields["version"]
    return tuple(f"{name}=={pins[name]}" for name in sorted(pins))


class Environments:
    """The environments of one build, under `directory` (None: a temporary folder that close() removes)."""

    def __init__(self, directory: str | None, refresh: bool = False, report=None, workers: int = 2):
        self.temporary = directory is None
        # Absolute: uv runs in this folder, and the snippets' runs elsewhere.
        if directory is None:
            import tempfile

            directory = tempfile.mkdtemp(prefix="snippets-environments-")
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, exist_ok=True)
        self.refresh = refresh
        self.report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        self.pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="snippets-environment")
        self.futures = {}
        self.mutex = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def get(self, interpreter: Interpreter, requirements=()) -> concurrent.futures.Future:
        """The environment, at once if the cache has it (no subprocess), else built in the background."""
        try:
            requirements = normalise(requirements)
        except ValueError as error:  # packaging's InvalidRequirement
            return failed(EnvironmentFailed(f"invalid requirement: {error}", tuple(requirements)))
        key = (interpreter.path, interpreter.version, requirements)
        with self.mutex:
            if key in self.futures:
                return self.futures[key]
            found = None if self.refresh else self.ready(interpreter, requirements)
            if found:
                future = concurrent.futures.Future()
                future.set_result(found)
            else:
                future = self.pool.submit(self.build, interpreter, requirements)
            self.futures[key] = future
            return future

    def close(self) -> None:
        """Waits for the builds in progress (those not started are cancelled); removes a temporary directory."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)

    def folder(self, interpreter: Interpreter, requirements: tuple) -> str:
        return folder(self.directory, interpreter, requirements)

    def ready(self, interpreter: Interpreter, requirements: tuple) -> Environment | None:
        return ready(self.directory, interpreter, requirements)

    def build(self, interpreter: Interpreter, requirements: tuple) -> Environment:
        """Under the environment's flock: reuse what another build just made, else make it anew.

        A folder that cannot be written (no space, no permission) fails this environment with
        the reason, as uv's failures do, rather than the build.
        """
        path = self.folder(interpreter, requirements)
        try:
            return self._build(interpreter, requirements, path)
        except OSError as error:
            raise EnvironmentFailed(f"could not make the environment for Python {interpreter.version} in "
                                    f"{path}: {error}", requirements) from None

    def _build(self, interpreter, requirements, path):
        import fcntl

        with open(path + ".lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            found = None if self.refresh else self.ready(interpreter, requirements)
            if found:
                return found
            shutil.rmtree(path, ignore_errors=True)
            try:
                return self.make(interpreter, requirements, path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise

    def make(self, interpreter: Interpreter, requirements: tuple, path: str) -> Environment:
        """uv venv, uv pip install, then the marker, last and atomically."""
        import tempfile

        started = time.monotonic()
        if requirements:
            self.report(f"snippets: building the environment for Python {interpreter.version} "
                        f"with {', '.join(requirements)}")
        try:
            identity = fingerprint(interpreter)
        except OSError as error:
            raise EnvironmentFailed(f"could not use Python {interpreter.version} at {interpreter.path}: {error}",
                                    requirements) from None
        self.uv(interpreter, requirements, ["venv", "--quiet", "--no-config", "--no-project",
                                            "--python", interpreter.path, path])
        python = os.path.join(path, "bin", "python")
        if requirements:
            # Compiled now: posts run with PYTHONDONTWRITEBYTECODE, and a sealed post could not write
            # the bytecode anyway, so without it every run would compile each module it imports.
            self.uv(interpreter, requirements, ["pip", "install", "--quiet", "--no-config", "--compile-bytecode",
                                                "--python", python, *requirements])
        lock = read_lock(path)
        marker = dict(identity, requirements=list(requirements), lock=list(lock))
        with tempfile.NamedTemporaryFile("w", dir=path, prefix=MARKER, delete=False, encoding="utf-8") as file:
            json.dump(marker, file, indent=1)
        os.replace(file.name, os.path.join(path, MARKER))
        environment = Environment(interpreter, requirements, path, lock, built=True)
        if requirements:
            self.report(f"snippets: environment for Python {interpreter.version} ready in "
                        f"{time.monotonic() - started:.1f} s: {environment.packages}")
        return environment

    def uv(self, interpreter: Interpreter, requirements: tuple, arguments: list) -> None:
        """Runs uv without colour or Python downloads, outside any project; its failure as EnvironmentFailed."""
        import subprocess

        uv = find_uv()
        what = (f"could not install {{}} for Python {interpreter.version}" if requirements
                else f"could not create an environment for Python {interpreter.version}")
        if uv is None:
            raise EnvironmentFailed(what.format(", ".join(requirements)) + ": uv is not installed "
                                    "(pip install uv, as requirements.txt pins it)", requirements)
        env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", NO_COLOR="1")
        try:
            done = subprocess.run([uv, *arguments], cwd=self.directory, env=env, capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, timeout=UV_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise EnvironmentFailed(what.format(", ".join(requirements)) +
                                    f": uv did not finish in {UV_TIMEOUT} s", requirements) from None
        except OSError as error:
            raise EnvironmentFailed(what.format(", ".join(requirements)) + f": {error}", requirements) from None
        if done.returncode != 0:
            reason = condense(done.stderr)
            named = culprits(requirements, reason)
            raise EnvironmentFailed(what.format(", ".join(named)) + f": {reason}", named)


def failed(error: Exception) -> concurrent.futures.Future:
    future = concurrent.futures.Future()
    future.set_exception(error)
    return future


def environments_for(config, report=None) -> Environments:
    """The Environments of a build with these settings (config.py's Config)."""
    return Environments(environments_folder(config), refresh=config.refresh_environments, report=report)
