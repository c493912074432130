"""The Settings a service gets (see runtime/wire.py), from the build's Config."""

from __future__ import annotations

import contextlib
import os

from ..config import Config
from ..runtime.wire import Settings
from .environment import RUNTIME


def service_settings(config: Config, spawn: bool = False, keep: list = ()) -> Settings:
    """`keep`: what else its posts must see (their environment, which lies in the hidden cache)."""
    hide, kept = sandbox_paths(config, spawn)
    keep = kept + [os.path.abspath(path) for path in keep]
    return {"jobs": config.jobs, "spawn": spawn, "sandbox": config.sandbox, "hide": hide, "keep": keep,
            "tmp_size": config.memory_limit or 1 << 30, "environment": passed_environment(config)}


def passed_environment(config: Config) -> dict:
    """The builder's variables that the settings pass through by name (pass_env)."""
    return {name: os.environ[name] for name in config.pass_env if name in os.environ}


def sandbox_paths(config: Config, spawn: bool = False) -> tuple[list, list]:
    """What a sealed post must not see even where its root holds a system folder (a project
    under /opt, say: runtime/sandbox.py), and what it must see beyond them.

    Hidden: the author's home, the project (the build's folder, and the
    content and output folders it names), the result cache, and the sockets
    and keys the environment points at. Kept: the runtime, for a spawned worker
    (the interpreter's folders the service keeps itself).
    """
    hide = [os.path.expanduser("~"), os.getcwd(), *config.private_paths]
    hide += [folder for folder in (config.cache_dir, config.environments_dir) if folder]
    for name in ("XDG_RUNTIME_DIR", "GNUPGHOME", "SSH_AUTH_SOCK", "AWS_CONFIG_FILE", "KUBECONFIG"):
        value = os.environ.get(name)
        if value:
            hide.append(value if os.path.isdir(value) else os.path.dirname(value))
    with contextlib.suppress(KeyError, ImportError):
        import pwd
        hide.append(pwd.getpwuid(os.getuid()).pw_dir)
    keep = [RUNTIME] if spawn else []
    return sorted({os.path.abspath(path) for path in hide if path}), keep
