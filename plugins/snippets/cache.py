"""Content-addressed results: a job whose inputs did not change is not run again.

The key covers everything that can change what a job's blocks do: their code
and execution options in order, the interpreter, every installed distribution
and its version, the runner's own code, the limits and passed-through
environment, and the bytes of the files the post declares as inputs. Prose,
line numbers and display-only options are not in it, so editing them re-runs
nothing. Only jobs whose blocks all ran cleanly are stored: a failure is
always re-run.

The entries are rows of one SQLite database in the cache directory, so a
cold build of a thousand posts creates one file, not a thousand (on some
file systems creating a file costs more than running a short post).
SQLite's locking keeps builds that run at once consistent, and a build's new
entries are written in one transaction when it finishes. A row that does not
read back as the results of its job is ignored and replaced; a file that is
not a database, or a damaged one, is removed and started afresh. The cache
never fails a build: when it cannot be read or written, results are simply
not reused or not kept, with a warning.
"""

import hashlib
import json
import logging
import os
import platform
import sqlite3
import sys
from functools import lru_cache
from pathlib import Path

from .results import FAILED, NOT_RUN, PASSED, SKIPPED, BlockResult

FORMAT = 1
PLUGIN_VERSION = "2"
_RUNNER_FILES = ("runner.py", "supervisor.py", "worker.py")
_STATUSES = {PASSED, FAILED, SKIPPED, NOT_RUN}
DATABASE = "results.sqlite3"
LOCK_TIMEOUT = 60  # seconds to wait while another build writes its entries
_DAMAGED = {sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT}
log = logging.getLogger(__name__)


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
    """A SQLite database of entries (the results of one job, as JSON) keyed by job key."""

    def __init__(self, directory):
        self.path = Path(directory) / DATABASE
        self._connection = None
        self._unsaved = {}   # key -> entry, stored since the last save
        self._warned = False  # one warning per build about a cache it cannot use

    def load(self, key, job):
        """The job's results from an earlier run, or None if absent or unusable."""
        try:
            row = self._database().execute("SELECT entry FROM results WHERE key = ?", (key,)).fetchone()
        except (sqlite3.Error, OSError) as error:
            self._trouble("read", error)
            return None
        try:
            entry = json.loads(row[0]) if row else None
            if entry is None or entry["format"] != FORMAT or len(entry["results"]) != len(job.blocks):
                return None
            results = []
            for block, fields in zip(job.blocks, entry["results"]):
                if fields["status"] not in _STATUSES:
                    return None
                results.append(BlockResult(
                    block, fields["status"], message=str(fields["message"]), details=str(fields["details"]),
                    line=int(fields["line"]), stdout=str(fields["stdout"]), stderr=str(fields["stderr"]),
                    duration=float(fields["duration"]), cached=True))
            return results
        except (ValueError, KeyError, TypeError):
            return None

    def store(self, key, results):
        """Keep a job's results, to be written by the next save()."""
        if any(result.status == FAILED for result in results):
            return
        fields = [{"status": r.status, "message": r.message, "details": r.details, "line": r.line,
                   "stdout": r.stdout, "stderr": r.stderr, "duration": r.duration} for r in results]
        self._unsaved[key] = json.dumps({"format": FORMAT, "results": fields})

    def save(self):
        """Write the stored entries in one transaction."""
        unsaved, self._unsaved = self._unsaved, {}
        if not unsaved:
            return
        for attempt in (1, 2):  # a second time after a damaged database was started afresh
            try:
                with self._database() as database:
                    database.executemany("INSERT OR REPLACE INTO results (key, entry) VALUES (?, ?)",
                                         unsaved.items())
                return
            except (sqlite3.Error, OSError) as error:
                if not self._trouble("write", error):
                    return

    def close(self):
        """Save what was stored and let go of the database."""
        try:
            self.save()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _database(self):
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, check_same_thread=False)
            try:
                # A cache: after a crash a torn file is detected and started afresh, so no fsync.
                connection.execute("PRAGMA synchronous = OFF")
                connection.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, entry TEXT NOT NULL)")
            except BaseException:
                connection.close()
                raise
            self._connection = connection
        return self._connection

    def _trouble(self, action, error):
        """Deal with a database error; True if the database was damaged and is now removed."""
        if getattr(error, "sqlite_errorcode", None) not in _DAMAGED:
            if not self._warned:
                log.warning("snippets: could not %s the result cache %s: %s", action, self.path, error)
                self._warned = True
            return False
        log.warning("snippets: the result cache %s was damaged (%s); starting it afresh", self.path, error)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        for suffix in ("", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except OSError:
                pass
        return True
