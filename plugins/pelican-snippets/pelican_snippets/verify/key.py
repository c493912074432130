"""The cache key of a job: everything that can change what its blocks do, as one digest.

It covers the blocks' code and execution options in order, the interpreter,
every installed distribution and its version, the runtime's own code, the
limits and passed-through environment, and the bytes of the files the post
declares as inputs. Prose, line numbers and display-only options are not in
it, so editing them re-runs nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path

from ..config import Config
from ..plan import Job

KEY_VERSION = "3"  # changed when the meaning of a stored entry changes
PACKAGE = Path(__file__).resolve().parent.parent
# The code that decides a run's outcome: the runtime, and how the build asks it.
RUN_CODE = sorted((PACKAGE / "runtime").glob("*.py")) + [PACKAGE / "client" / "requests.py"]


@lru_cache(maxsize=1)
def environment_fingerprint() -> str:
    """The interpreter, the installed distributions and the runtime's code, as one digest."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}|{os.uname().machine}|{sys.implementation.cache_tag}".encode())
    digest.update(json.dumps(installed_distributions()).encode())
    digest.update(KEY_VERSION.encode())
    for path in RUN_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def installed_distributions() -> list:
    """The name-version of every distribution on sys.path, from its metadata directory's name.

    The same set importlib.metadata finds, without parsing each METADATA file
    (which costs more than the rest of a warm build's lookups).
    """
    found = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as entries:
                found.update(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)


def job_key(job: Job, config: Config) -> str:
    material = {
        "environment": environment_fingerprint(),
        "limits": [config.timeout, config.memory_limit_mb, config.output_limit_kb],
        "sandbox": config.sandbox,
        "environment_variables": {name: os.environ.get(name) for name in config.pass_env},
        "blocks": [[block.kind, block.code, block.options.execution_key()] for block in job.blocks],
        "inputs": [[Path(path).name, hashlib.sha256(Path(path).read_bytes()).hexdigest()]
                   for path in job.inputs],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
