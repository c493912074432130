"""Find the CPython interpreters on this machine: on PATH, in pyenv's versions folder, among uv's.

Each candidate is asked for its own version and executable, so a pyenv shim
or a symbolic link counts once, as the interpreter it really runs, and a
broken one is passed over. Asking costs a process per candidate, so the
answers are kept in a file, keyed by the executable's real path and its
inode, size and time: a warm build runs none.
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple
from functools import lru_cache
from pathlib import Path

PROBE = ("import importlib.util, platform, sys; "
         "print(sys.implementation.name, platform.python_version(), importlib.util.MAGIC_NUMBER.hex(), sys.executable)")
PRERELEASE = {"alpha": "a", "beta": "b", "candidate": "rc"}  # as platform.python_version() writes them
NAMES = ["python3"] + [f"python3.{minor}" for minor in range(6, 20)]
CACHE_FORMAT = 1


class Interpreter(namedtuple("Interpreter", ["version", "path", "magic"], defaults=[""])):
    """One CPython: its full `version` ("3.12.1"), its executable's `path`, and the `magic` number
    of its bytecode (hex): code objects travel only between equal ones. (Named tuples here and in
    the modules the command line reads first come from collections: importing typing would delay
    the start of the snippet service.)"""

    __slots__ = ()

    @property
    def minor(self) -> str:
        """The version as posts and settings name it: "3.12"."""
        return ".".join(self.version.split(".")[:2])


@lru_cache(maxsize=1)
def this_interpreter() -> Interpreter:
    """The build's own interpreter, known without asking it."""
    import importlib.util

    major, minor, micro, level, serial = sys.version_info
    version = f"{major}.{minor}.{micro}" + ("" if level == "final" else f"{PRERELEASE[level]}{serial}")
    return Interpreter(version, sys.executable, importlib.util.MAGIC_NUMBER.hex())


def search_places() -> list:
    """Where interpreters are looked for, in order, as readers of a message would want them named."""
    return [f"PATH ({os.environ.get('PATH', '')})", f"pyenv's versions ({pyenv_root() / 'versions'})",
            f"uv's managed Pythons ({uv_python_dir()})"]


def candidates() -> list:
    """Executables that may be Pythons: the build's own, then PATH, pyenv, uv."""
    import glob
    import shutil

    found = [sys.executable]
    found += [path for name in NAMES if (path := shutil.which(name))]
    # Within a folder, the newest first: of 3.12.1 and 3.12.10, the latter is the 3.12 used.
    found += sorted(glob.glob(str(pyenv_root() / "versions" / "*" / "bin" / "python3")), key=_newest_first)
    found += sorted(glob.glob(str(uv_python_dir() / "*" / "bin" / "python3")), key=_newest_first)
    return list(dict.fromkeys(found))


def _newest_first(path):
    """A sort key putting versions/3.12.10/bin/python3 before versions/3.12.1/bin/python3."""
    import re

    name = Path(path).parent.parent.name
    return tuple(-int(part) if part.isdigit() else 0 for part in re.split(r"[.-]", name)), name


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def uv_python_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or Path(data) / "uv" / "python")


def probe(path: str) -> Interpreter | None:
    """The CPython at `path`, or None if it is something else or does not run."""
    import subprocess

    try:
        answer = subprocess.run([path, "-I", "-c", PROBE], capture_output=True, text=True, timeout=20,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    words = answer.stdout.split(maxsplit=3)
    if answer.returncode != 0 or len(words) != 4 or words[0] != "cpython":
        return None
    return Interpreter(version=words[1], magic=words[2], path=words[3].strip())


def find_interpreters(cache_file: str | os.PathLike | None = None) -> dict:
    """{"3.12": Interpreter}, for every minor version found; the first place that has one wins.

    `cache_file` keeps the answers of earlier probes (see the module's docstring).
    """
    known = _read_cache(cache_file)
    stamps = {path: _stamp(path) for path in candidates()}
    stamps = {path: stamp for path, stamp in stamps.items() if stamp}
    own = this_interpreter()
    answers = {path: known[path]["interpreter"] for path, stamp in stamps.items()
               if path in known and known[path]["stamp"] == stamp}
    answers[sys.executable] = own
    unknown = [path for path in stamps if path not in answers]
    if unknown:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=4) as pool:
            answers.update(zip(unknown, pool.map(probe, unknown), strict=True))
        _write_cache(cache_file, {path: {"stamp": stamps[path], "interpreter": answers[path]} for path in stamps})
    found, seen = {}, set()
    for path in stamps:
        interpreter = answers.get(path)
        if interpreter is None or os.path.realpath(interpreter.path) in seen:
            continue
        seen.add(os.path.realpath(interpreter.path))
        found.setdefault(interpreter.minor, interpreter)
    return found


def _stamp(path):
    """What changes when the executable a candidate leads to is replaced; None if there is none."""
    try:
        real = os.path.realpath(path)
        status = os.stat(real)
    except OSError:
        return None
    return [real, status.st_ino, status.st_size, status.st_mtime_ns]


def _read_cache(cache_file):
    if not cache_file:
        return {}
    import json

    try:
        data = json.loads(Path(cache_file).read_text())
        if data.get("format") != CACHE_FORMAT:
            return {}
        return {path: {"stamp": entry["stamp"],
                       "interpreter": Interpreter(**entry["interpreter"]) if entry["interpreter"] else None}
                for path, entry in data["candidates"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_cache(cache_file, entries):
    if not cache_file:
        return
    import json

    data = {"format": CACHE_FORMAT, "candidates": {
        path: {"stamp": entry["stamp"], "interpreter": entry["interpreter"]._asdict() if entry["interpreter"] else None}
        for path, entry in entries.items()}}
    try:
        Path(cache_file).parent.mkdir(parents=True, exist_ok=True)
        temporary = f"{cache_file}.{os.getpid()}"
        Path(temporary).write_text(json.dumps(data))
        os.replace(temporary, cache_file)
    except OSError:
        pass  # a cache: without it, the next build asks again
