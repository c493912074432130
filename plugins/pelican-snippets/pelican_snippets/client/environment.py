"""The environment a post's process starts with: only what a block needs, nothing of the builder's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import Config


def snippet_environment(config: Config, home: str, tmp: str, python: str = sys.executable) -> dict:
    """A fixed set of variables, plus those the settings pass through by name.

    PATH starts with the folder of the interpreter that runs the blocks, so
    that `python` in a shell block is that one.
    """
    env = {
        "PATH": os.pathsep.join([str(Path(python).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in config.pass_env:
        if name in os.environ:
            env[name] = os.environ[name]
    return env
