"""Helpers of the publishing tests: finding real tools, running commands, comparing trees."""

import hashlib
import shutil
import socket
import subprocess
from pathlib import Path

from required import require


def require_tool(name):
    require(shutil.which(name) is not None, f"`{name}` is not available (./dev test installs it)")


def run(command, cwd=None, check=True, **kwargs):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def git(cwd, *args):
    return run(["git", *args], cwd=cwd).stdout.strip()


def snapshot(directory):
    """Every file (sha256) and directory under `directory`, by relative path."""
    directory = Path(directory)
    files, dirs = {}, set()
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_dir():
            dirs.add(relative)
        else:
            files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"files": files, "dirs": dirs}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
