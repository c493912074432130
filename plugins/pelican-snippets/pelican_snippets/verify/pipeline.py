"""Plan, run (bounded, cached, in parallel) and collect the results of many documents.

A Verifier takes documents as they are read, answers what it can from the
cache at once, and sends the other jobs to the snippet service, which runs
them in a bounded number of child processes on the other cores while Pelican
goes on reading and rendering; `finish()` waits for what is left and gathers
everything in one Verification.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..model import NOT_RUN, Document, Problem
from ..plan import plan_document
from .judge import judge
from .key import job_key
from .store import ResultCache

if TYPE_CHECKING:  # the client is imported when the first job runs
    from ..client.service import ServiceOnDemand


@dataclass
class Verification:
    """Everything one build learned about its snippets."""

    results: dict = field(default_factory=dict)    # source -> [Result] in block order
    problems: list = field(default_factory=list)   # Problem
    elapsed: float = 0.0
    pages: dict = field(default_factory=dict)      # source -> (title, url) of its page
    executed: int = 0                               # blocks run in this build
    reused: int = 0                                 # blocks whose results came from the cache
    sealed: bool | None = None                      # whether this build's runs were sealed (None: none ran)
    unsealed_because: str = ""

    def all_results(self) -> list:
        return [result for source in sorted(self.results) for result in self.results[source]]

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(result.failed for result in self.all_results())


class Verifier:
    """Runs the jobs of submitted documents in the background; `finish()` collects them.

    Each job is its own process, started and watched by the service, at most
    `config.jobs` at a time.
    """

    def __init__(self, config: Config, check_output: bool = True, service: ServiceOnDemand | None = None) -> None:
        self.config = config
        self.check_output = check_output
        self.cache = ResultCache(config.cache_dir) if config.cache_dir else None
        self.started = time.perf_counter()
        self.verification = Verification()
        self.submitted = set()           # sources already planned
        self.pending = []                # (job, cache key, results or a Future of the service's answer)
        self.service = service           # started by the first job that runs, unless given

    def submit(self, document: Document) -> None:
        """Plan a document and start its jobs; a document already submitted is ignored."""
        if document.source in self.submitted:
            return
        self.submitted.add(document.source)
        verification = self.verification
        verification.results[document.source] = []
        verification.problems += document.problems
        missing = [path for path in document.inputs if not Path(path).is_file()]
        if missing:
            verification.problems += [Problem(document.source, 1, f"declared input {path} does not exist")
                                      for path in missing]
            return
        jobs, settled = plan_document(document)
        verification.results[document.source] += settled
        for job in jobs:
            key = job_key(job, self.config) if self.cache else None
            reused = self.cache.load(key, job) if self.cache and not self.config.refresh else None
            self.pending.append((job, key, reused or self._start(job)))

    def _start(self, job):
        """Send a job to the service. The client is imported by the first job that runs: a warm
        build runs none."""
        from ..client.requests import job_request

        if self.service is None:
            from ..client.service import snippet_service

            self.service = snippet_service(self.config)
        return self.service().submit(job_request(job, self.config, self.service.python))

    def finish(self, on_result=None) -> Verification:
        """Wait for every job; judge, count and order the results. Stops the service."""
        verification = self.verification
        if on_result:
            settled = [result for results in verification.results.values() for result in results]
            if settled:
                on_result(None, settled)
        try:
            for job, key, reused_or_answer in self.pending:
                if isinstance(reused_or_answer, list):
                    results = reused_or_answer
                    verification.reused += len(results)
                else:
                    from ..client.requests import job_results

                    results = job_results(job, reused_or_answer)
                    if self.cache:
                        self.cache.store(key, results)
                    verification.executed += sum(1 for result in results if result.status != NOT_RUN)
                if self.check_output:
                    results = [judge(result) for result in results]
                verification.results[job.source] += results
                if on_result:
                    on_result(job, results)
        finally:
            self.close()
        for results in verification.results.values():
            results.sort(key=lambda result: result.block.number)
        verification.elapsed = time.perf_counter() - self.started
        return verification

    def close(self) -> None:
        """Stop the service and write the new cache entries."""
        try:
            if self.service is not None:
                self.service.close()
                self.verification.sealed = self.service.sealed
                self.verification.unsealed_because = self.service.unsealed_because
        finally:
            if self.cache:
                self.cache.close()


def verify_documents(documents: Iterable[Document], config: Config, on_result=None, check_output: bool = True,
                     service: ServiceOnDemand | None = None) -> Verification:
    """Verify documents all at once (the command line, pytest, `--update`).

    `service` is the caller's own snippet_service(config), for a caller that
    started it early, before reading its documents; it is closed here.
    """
    verifier = Verifier(config, check_output, service)
    try:
        for document in documents:
            verifier.submit(document)
    except BaseException:
        verifier.close()
        raise
    return verifier.finish(on_result)
