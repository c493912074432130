"""The environment a post's process starts with: only what a block needs, nothing of the builder's."""

from __future__ import annotations

import os
import sys

RUNTIME = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime")


def snippet_environment(home: str, tmp: str, python: str = sys.executable) -> dict:
    """The service's environment, which the posts' processes inherit: a fixed set of variables
    (the settings' pass_env go in its Settings).

    PATH starts with the folder of the interpreter that runs the blocks, so
    that `python` in a shell block is that one.
    """
    return {
        "PATH": os.pathsep.join([os.path.dirname(python), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
