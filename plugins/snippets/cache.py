"""Content-addressed results: a job whose inputs did not change is not run again.

The key covers everything that can change what a job's blocks do: their code
and execution options in order, the interpreter, every installed distribution
and its version, the runner's own code, the limits and passed-through
environment, and the bytes of the files the post declares as inputs. Prose,
line numbers and display-only options are not in it, so editing them re-runs
nothing. Only jobs whose blocks all ran cleanly are stored: a failure is
always re-run. Entries are written atomically (a temporary file renamed into
place), so concurrent builds never see half an entry; an unreadable or
inconsistent entry is ignored and replaced.
"""

import hashlib
import itertools
import json
import os
import platform
import sys
from functools import lru_cache
from pathlib import Path

from .results import FAILED, NOT_RUN, PASSED, SKIPPED, BlockResult

FORMAT = 1
PLUGIN_VERSION = "2"
_RUNNER_FILES = ("runner.py", "supervisor.py", "worker.py")
_STATUSES = {PASSED, FAILED, SKIPPED, NOT_RUN}
_WRITES = itertools.count()


@lru_cache(maxsize=1)
def environment_fingerprint():
    """The interpreter, the installed distributions and the runner's code, as one digest."""
    digest = hashlib.sha256()
    digest.update(f"{sys.version}|{platform.machine()}|{sys.implementation.cache_tag}".encode())
    digest.update(json.dumps(installed_distributions()).encode())
    digest.update(PLUGIN_VERSION.encode())
    here = Path(__file__).parent
    for name in _RUNNER_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def installed_distributions():
    """The name-version of every distribution on sys.path, from its metadata directory's name.

    The same set importlib.metadata finds, without parsing each METADATA file
    (which costs a third of a second in a typical environment).
    """
    found = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as entries:
                found.update(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)


def job_key(job, config):
    material = {
        "environment": environment_fingerprint(),
        "limits": [config.timeout, config.memory_limit_mb, config.output_limit_kb],
        "environment_variables": {name: os.environ.get(name) for name in config.pass_env},
        "blocks": [[block.kind, block.code, block.options.execution_key()] for block in job.blocks],
        "inputs": [[Path(path).name, hashlib.sha256(Path(path).read_bytes()).hexdigest()]
                   for path in job.inputs],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class ResultCache:
    """A directory of JSON entries, one per job key."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def load(self, key, job):
        """The job's results from an earlier run, or None if absent or unusable."""
        try:
            entry = json.loads((self.directory / f"{key}.json").read_text(encoding="utf-8"))
            stored = entry["results"]
            if entry["format"] != FORMAT or entry["key"] != key or len(stored) != len(job.blocks):
                return None
            results = []
            for block, fields in zip(job.blocks, stored):
                if fields["status"] not in _STATUSES:
                    return None
                results.append(BlockResult(
                    block, fields["status"], message=str(fields["message"]), details=str(fields["details"]),
                    line=int(fields["line"]), stdout=str(fields["stdout"]), stderr=str(fields["stderr"]),
                    duration=float(fields["duration"]), cached=True))
            return results
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, key, results):
        if any(result.status == FAILED for result in results):
            return
        fields = [{"status": r.status, "message": r.message, "details": r.details, "line": r.line,
                   "stdout": r.stdout, "stderr": r.stderr, "duration": r.duration} for r in results]
        # A temporary name no other writer can be using (this process's id and a
        # count), renamed into place once written: readers never see half an entry.
        temporary = self.directory / f".{key}.{os.getpid()}-{next(_WRITES)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            handle = os.open(temporary, flags, 0o644)
        except FileNotFoundError:  # the first entry, or the directory was removed meanwhile
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = os.open(temporary, flags, 0o644)
        try:
            data = json.dumps({"format": FORMAT, "key": key, "results": fields}).encode()
            try:
                while data:  # straight to the file: no file object, and its system calls, per entry
                    data = data[os.write(handle, data):]
            finally:
                os.close(handle)
            os.replace(temporary, self.directory / f"{key}.json")
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
