"""Helpers of the publishing tests: finding real tools, running commands, comparing trees."""

import hashlib
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(available, what):
    """Fail under CI, skip elsewhere, when a real component is missing."""
    if available:
        return
    message = f"{what} is not available (./dev test installs it)"
    if in_ci():
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


def require_tool(name):
    require(shutil.which(name) is not None, f"`{name}`")


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
