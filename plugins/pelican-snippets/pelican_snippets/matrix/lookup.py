"""Where an environment lives, and whether the one there is whole: its folder and its marker.

A warm build only looks: no subprocess, no thread, no network. This is kept
apart from making environments (environments.py) so that the command line
can find the environment it starts the snippet service in before it imports
anything the making needs.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import namedtuple

from .interpreters import Interpreter

MARKER = "snippets-environment.json"  # written last: the environment is complete


class Environment(namedtuple("Environment", ["interpreter", "requirements", "path", "lock", "built"])):
    """An `interpreter`'s venv at `path`, holding its `requirements` (the declared PEP 508 ones,
    normalised, sorted, deduplicated); `lock`: what is really installed, "name==version" sorted by
    name; `built`: made by this build (False: found ready in the cache)."""

    __slots__ = ()

    @property
    def python(self) -> str:
        return os.path.join(self.path, "bin", "python")

    @property
    def packages(self) -> str:
        """The lock as readers see it: "numpy 2.2.1, scikit-learn 1.6.0"."""
        return ", ".join(pin.replace("==", " ", 1) for pin in self.lock)


def environments_folder(config) -> str | None:
    """Where the environments are kept: `environments_dir`, else in the cache directory, or (None)
    a temporary folder when there is no cache, or it cannot be written."""
    if not (config.environments_dir or config.cache_dir):
        return None
    folder = config.environments_dir or os.path.join(config.cache_dir, "environments")
    try:
        os.makedirs(folder, exist_ok=True)
        return os.path.abspath(folder)
    except OSError as error:
        import logging  # only to say why

        logging.getLogger(__name__).warning(
            "snippets: the environments are made in a temporary folder, %s being unusable (%s)", folder, error)
        return None


def folder(directory: str, interpreter: Interpreter, requirements: tuple) -> str:
    """`<directory>/py<minor>-<digest>`: one folder per interpreter and (normalised) dependency set."""
    identity = json.dumps([os.path.realpath(interpreter.path), interpreter.version, list(requirements)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return os.path.join(directory, f"py{interpreter.minor}-{digest}")


def fingerprint(interpreter: Interpreter) -> dict:
    """What identifies the interpreter on disk: an in-place upgrade changes its real path's stat."""
    real = os.path.realpath(interpreter.path)
    stat = os.stat(real)
    return {"interpreter": interpreter.path, "realpath": real, "version": interpreter.version,
            "stat": [stat.st_ino, stat.st_size, stat.st_mtime_ns]}


def ready(directory: str, interpreter: Interpreter, requirements: tuple) -> Environment | None:
    """The environment its marker describes, if the marker is whole and the interpreter unchanged."""
    path = folder(directory, interpreter, requirements)
    try:
        with open(os.path.join(path, MARKER), encoding="utf-8") as file:
            marker = json.load(file)
        lock = tuple(marker["lock"])
        wanted = tuple(marker["requirements"])
        expected = fingerprint(interpreter)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(marker.get(field) != expected[field] for field in ("realpath", "version", "stat")):
        return None
    if wanted != requirements or not os.path.exists(os.path.join(path, "bin", "python")):
        return None
    return Environment(interpreter, requirements, path, lock, built=False)
