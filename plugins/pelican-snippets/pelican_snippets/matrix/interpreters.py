"""Find the CPython interpreters on this machine: on PATH, in pyenv's versions folder, among uv's.

Each candidate is asked for its own version and executable, so a pyenv shim
or a symbolic link counts once, as the interpreter it really runs, and a
broken one is passed over.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROBE = "import platform, sys; print(sys.implementation.name, platform.python_version(), sys.executable)"
NAMES = ["python3"] + [f"python3.{minor}" for minor in range(6, 20)]


@dataclass(frozen=True)
class Interpreter:
    version: str   # the full version, "3.12.1"
    path: str      # the executable

    @property
    def minor(self) -> str:
        """The version as posts and settings name it: "3.12"."""
        return ".".join(self.version.split(".")[:2])


def search_places() -> list:
    """Where interpreters are looked for, in order, as readers of a message would want them named."""
    places = [f"PATH ({os.environ.get('PATH', '')})"]
    places.append(f"pyenv versions ({pyenv_root() / 'versions'})")
    places.append(f"uv's managed Pythons ({uv_python_dir()})")
    return places


def candidates() -> list:
    """Executables that may be Pythons: the build's own, then PATH, pyenv, uv."""
    found = [sys.executable]
    found += [path for name in NAMES if (path := shutil.which(name))]
    found += sorted(glob.glob(str(pyenv_root() / "versions" / "*" / "bin" / "python3")))
    found += sorted(glob.glob(str(uv_python_dir() / "*" / "bin" / "python3")))
    return list(dict.fromkeys(found))


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def uv_python_dir() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or Path(data) / "uv" / "python")


def probe(path: str) -> Interpreter | None:
    """The CPython at `path`, or None if it is something else or does not run."""
    try:
        answer = subprocess.run([path, "-I", "-c", PROBE], capture_output=True, text=True, timeout=20,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    words = answer.stdout.split(maxsplit=2)
    if answer.returncode != 0 or len(words) != 3 or words[0] != "cpython":
        return None
    return Interpreter(version=words[1], path=words[2].strip())


def find_interpreters() -> dict:
    """{"3.12": Interpreter}, for every minor version found; the first place that has one wins."""
    found = {}
    seen = set()
    for path in candidates():
        interpreter = probe(path)
        if interpreter is None or os.path.realpath(interpreter.path) in seen:
            continue
        seen.add(os.path.realpath(interpreter.path))
        found.setdefault(interpreter.minor, interpreter)
    return found
