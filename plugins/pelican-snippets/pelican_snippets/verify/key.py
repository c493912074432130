"""The cache key of a job: everything that can change what its blocks do, as one digest.

It covers the blocks' code and execution options in order, the interpreter's
full version, the environment's lock (the exact version of every package in
it), the runtime's own code, the limits and passed-through environment, and
the bytes of the files the post declares as inputs. Prose, line numbers and
display-only options are not in it, so editing them re-runs nothing; and a
new version of one interpreter, or of one package of one environment,
re-runs only the jobs that ran there.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from ..config import Config
from ..plan import Job

KEY_VERSION = "4"  # changed when the meaning of a stored entry changes
PACKAGE = Path(__file__).resolve().parent.parent
# The code that decides a run's outcome: the runtime, and how the build asks it.
RUN_CODE = sorted((PACKAGE / "runtime").glob("*.py")) + [PACKAGE / "client" / "requests.py"]


@lru_cache(maxsize=1)
def runtime_fingerprint() -> str:
    """The runtime's code and the machine, as one digest."""
    digest = hashlib.sha256(f"{KEY_VERSION}|{os.uname().machine}".encode())
    for path in RUN_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def job_key(job: Job, config: Config, environment) -> str:
    """The key of a job run in `environment` (matrix/environments.py).

    Its two halves are each worked out once and reused: what the run depends on besides
    its blocks (the same for every job of that environment), and its blocks (the same on
    every interpreter, unless a `raises` is qualified by version).
    """
    version = environment.interpreter.version
    depends_on_version = any(block.options.raises_variants for block in job.blocks)
    passed = tuple(os.environ.get(name) for name in config.pass_env)
    digest = hashlib.sha256(_setting(config, passed, environment.interpreter, environment.lock))
    digest.update(_blocks(job.blocks, version if depends_on_version else ""))
    for path in job.inputs:
        digest.update(f"{Path(path).name}\0".encode() + hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=64)
def _setting(config: Config, passed: tuple, interpreter, lock) -> bytes:
    material = {
        "runtime": runtime_fingerprint(),
        "python": [interpreter.version, interpreter.magic],
        "lock": list(lock),
        "limits": [config.timeout, config.memory_limit_mb, config.output_limit_kb],
        "sandbox": config.sandbox,
        "environment_variables": dict(zip(config.pass_env, passed, strict=True)),
    }
    return json.dumps(material, sort_keys=True).encode()


@lru_cache(maxsize=4096)
def _blocks(blocks: tuple, version: str) -> bytes:
    return json.dumps([[block.kind, block.code, block.options.execution_key(version)] for block in blocks],
                      sort_keys=True).encode()
