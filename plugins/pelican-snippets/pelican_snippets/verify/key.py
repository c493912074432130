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


class JobKeys:
    """The keys of one build's jobs.

    A key has two halves, each worked out once: what a run depends on besides its blocks (the
    same for every job of an environment), and its blocks (the same on every interpreter, unless
    a `raises` is qualified by version). plan.py gives a post's jobs on each interpreter the same
    tuple of blocks, so they are known by identity.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.passed = tuple(os.environ.get(name) for name in config.pass_env)
        self._environments = {}  # environment path -> sha256 of what its runs depend on
        self._blocks = {}        # id of a tuple of blocks -> (it, whether a `raises` names versions,
                                 # {version, or "" for every one: its part of the key})

    def key(self, job: Job, environment) -> str:
        """The key of a job run in `environment` (matrix/environments.py)."""
        setting = self._environments.get(environment.path)
        if setting is None:
            setting = hashlib.sha256(_setting(self.config, self.passed, environment.interpreter, environment.lock))
            self._environments[environment.path] = setting
        known = self._blocks.get(id(job.blocks))
        if known is None or known[0] is not job.blocks:
            known = self._blocks[id(job.blocks)] = (job.blocks, _depends_on_version(job.blocks), {})
        blocks, depends_on_version, materials = known
        version = environment.interpreter.version if depends_on_version else ""
        material = materials.get(version)
        if material is None:
            material = materials[version] = _blocks(blocks, version)
        digest = setting.copy()
        digest.update(material)
        for path in job.inputs:
            digest.update(f"{Path(path).name}\0".encode() + hashlib.sha256(Path(path).read_bytes()).digest())
        return digest.hexdigest()


def job_key(job: Job, config: Config, environment) -> str:
    """The key of one job, on its own."""
    return JobKeys(config).key(job, environment)


def _depends_on_version(blocks) -> bool:
    return any(block.options.raises_variants for block in blocks)


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


def _blocks(blocks: tuple, version: str) -> bytes:
    return json.dumps([[block.kind, block.code, block.options.execution_key(version)] for block in blocks],
                      sort_keys=True).encode()
