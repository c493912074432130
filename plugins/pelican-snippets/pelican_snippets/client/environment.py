"""The environment a post's process starts with: only what a block needs, nothing of the builder's."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from ..config import Config

RUNTIME = Path(__file__).resolve().parent.parent / "runtime"


def snippet_environment(home: str, tmp: str, python: str = sys.executable) -> dict:
    """The service's environment, which the posts' processes inherit: a fixed set of variables
    (the settings' pass_env go in its Settings).

    PATH starts with the folder of the interpreter that runs the blocks, so
    that `python` in a shell block is that one.
    """
    return {
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def passed_environment(config: Config) -> dict:
    """The builder's variables that the settings pass through by name (pass_env)."""
    return {name: os.environ[name] for name in config.pass_env if name in os.environ}


def sandbox_paths(config: Config, spawn: bool = False) -> tuple[list, list]:
    """What a sealed post cannot see beyond the usual places (runtime/sandbox.py), and what it
    can read within them.

    Hidden: the author's home, the project (the build's folder, and the
    content and output folders it names), the result cache, and the sockets
    and keys the environment points at. Kept: the runtime, for a spawned worker.
    """
    hide = [os.path.expanduser("~"), os.getcwd(), *config.private_paths]
    if config.cache_dir:
        hide.append(config.cache_dir)
    for name in ("XDG_RUNTIME_DIR", "GNUPGHOME", "SSH_AUTH_SOCK", "AWS_CONFIG_FILE", "KUBECONFIG"):
        value = os.environ.get(name)
        if value:
            hide.append(value if os.path.isdir(value) else os.path.dirname(value))
    with contextlib.suppress(KeyError, ImportError):
        import pwd
        hide.append(pwd.getpwuid(os.getuid()).pw_dir)
    keep = [str(RUNTIME)] if spawn else []
    return sorted({os.path.abspath(path) for path in hide if path}), keep
