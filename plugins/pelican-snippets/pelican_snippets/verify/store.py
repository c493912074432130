"""The result cache: a job whose key (verify/key.py) is known is not run again.

Only jobs whose blocks all ran cleanly are stored: a failure is always re-run.
The entries are rows of one SQLite database in the cache directory, so a
cold build of a thousand posts creates one file, not a thousand (on some
file systems creating a file costs more than running a short post).
SQLite's locking keeps builds that run at once consistent, and a build's new
entries are written in one transaction when it finishes. A row that does not
read back as the results of its job is ignored and replaced; a file that is
not a database, or a damaged one, is removed and started afresh. The cache
never fails a build: when it cannot be read or written, results are simply
not reused or not kept, with a warning. sqlite3 is imported when the database
is first opened: the command line imports this module before it reads the
first post, and sqlite3 (with datetime) would delay that.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path

from ..model import FAILED, Result
from ..plan import Job

FORMAT = 4  # of an entry: {"format": FORMAT, "outcomes": [Outcome, ...]}
DATABASE = "results.sqlite3"
QUERY_KEYS = 500  # keys per query: SQLite limits the parameters of one
LOCK_TIMEOUT = 60  # seconds to wait while another build writes its entries
log = logging.getLogger(__name__)


class ResultCache:
    """A SQLite database of entries (the results of one job, as JSON) keyed by job key."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.path = Path(directory) / DATABASE
        self._connection = None
        self._unsaved = {}   # key -> entry, stored since the last save
        self._warned = False  # one warning per build about a cache it cannot use
        self._lock = threading.Lock()  # a job whose environment was being built is looked up from that thread

    def stored_keys(self) -> set:
        """The keys of every entry, read at once: a build asks whether each job is stored as it
        is submitted, and a query per post cost more than reading every key."""
        import sqlite3

        try:
            with self._lock:
                return {key for key, in self._database().execute("SELECT key FROM results")}
        except (sqlite3.Error, OSError) as error:
            self._trouble("read", error)
            return set()

    def entries(self, keys: list) -> dict:
        """{key: its stored entry, undecoded} of those of `keys` that are stored."""
        import sqlite3

        found = {}
        try:
            with self._lock:
                database = self._database()
                for start in range(0, len(keys), QUERY_KEYS):
                    chunk = keys[start:start + QUERY_KEYS]
                    found.update(database.execute(
                        f"SELECT key, entry FROM results WHERE key IN ({', '.join('?' * len(chunk))})", chunk))
        except (sqlite3.Error, OSError) as error:
            self._trouble("read", error)
        return found

    def decode(self, stored: str | None, job: Job) -> list[Result] | None:
        """The job's results from its stored entry, or None if there is none or it is unusable."""
        try:
            entry = json.loads(stored) if stored else None
            if entry is None or entry["format"] != FORMAT or len(entry["outcomes"]) != len(job.blocks):
                return None
            python = job.interpreter.version
            return [Result.from_outcome(block, outcome, cached=True, python=python)
                    for block, outcome in zip(job.blocks, entry["outcomes"], strict=True)]
        except (ValueError, KeyError, TypeError):
            return None

    def store(self, key: str, results: list[Result]) -> None:
        """Keep a job's results, to be written by the next save()."""
        if any(result.status == FAILED for result in results):
            return
        with self._lock:
            self._unsaved[key] = json.dumps({"format": FORMAT, "outcomes": [result.outcome() for result in results]})

    def save(self) -> None:
        """Write the stored entries in one transaction."""
        import sqlite3

        with self._lock:
            unsaved, self._unsaved = self._unsaved, {}
        if not unsaved:
            return
        for _attempt in (1, 2):  # a second time after a damaged database was started afresh
            try:
                with self._database() as database:
                    database.executemany("INSERT OR REPLACE INTO results (key, entry) VALUES (?, ?)",
                                         unsaved.items())
                return
            except (sqlite3.Error, OSError) as error:
                if not self._trouble("write", error):
                    return

    def close(self) -> None:
        """Save what was stored and let go of the database."""
        try:
            self.save()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _database(self):
        import sqlite3

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
        import sqlite3

        if getattr(error, "sqlite_errorcode", None) not in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            if not self._warned:
                log.warning("snippets: could not %s the result cache %s: %s", action, self.path, error)
                self._warned = True
            return False
        log.warning("snippets: the result cache %s was damaged (%s); starting it afresh", self.path, error)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        for suffix in ("", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
        return True
