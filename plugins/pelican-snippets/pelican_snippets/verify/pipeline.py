"""Plan, run (bounded, cached, in parallel, on every interpreter) and collect the results of many documents.

A Verifier takes documents as they are read. Each job is planned for an
interpreter and goes to the environment of that interpreter and the post's
dependencies (matrix/environments.py): a warm one is found at once, a new
one is built in the background. Once its environment is there, a job is
found in the cache (whose keys are read once, with the first job) or sent
to that environment's snippet service,
which runs it in a child process on the other cores while Pelican goes on
reading and rendering; `finish()` waits for what is left and gathers
everything in one Verification.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from ..config import Config
from ..matrix.environments import EnvironmentFailed, Environments, environments_for, failed
from ..matrix.pythons import Matrix, resolve_pythons
from ..model import NOT_RUN, Document, Problem, Result
from ..plan import plan_document
from .judge import judge
from .key import JobKeys
from .store import ResultCache

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:  # the client is imported when the first job runs
    from ..client.services import Services



@dataclass
class Verification:
    """Everything one build learned about its snippets."""

    results: dict = field(default_factory=dict)    # source -> [Result] in block order, then interpreter order
    problems: list = field(default_factory=list)   # Problem
    elapsed: float = 0.0
    pages: dict = field(default_factory=dict)      # source -> (title, url) of its page
    executed: int = 0                               # blocks run in this build
    reused: int = 0                                 # blocks whose results came from the cache
    sealed: bool | None = None                      # whether this build's runs were sealed (None: none ran)
    unsealed_because: str = ""
    matrix: Matrix | None = None                    # the interpreters verified on, and those missing
    environments: dict = field(default_factory=dict)  # path -> Environment the jobs ran in

    def all_results(self) -> list:
        return [result for source in sorted(self.results) for result in self.results[source]]

    @property
    def pythons(self) -> list:
        """The interpreters verified on, "3.12", in the settings' order."""
        return self.matrix.versions if self.matrix else []

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(result.failed for result in self.all_results())


@dataclass
class Begun:
    """What became of a job once its environment was known."""

    key: str | None = None
    stored: bool = False              # the cache has its entry: finish() reads and decodes it (with the others)
    environment: object = None        # where it runs, should that entry turn out unusable
    answer: Future | None = None      # the service's answer to come
    settled: list | None = None       # its results without running (its environment could not be made)
    problem: Problem | None = None


class Verifier:
    """Runs the jobs of submitted documents in the background; `finish()` collects them.

    Each job is its own process, started and watched by a service, at most
    `config.jobs` at a time over every interpreter.
    """

    def __init__(self, config: Config, check_output: bool = True, services: Services | None = None,
                 matrix: Matrix | None = None, report=None, environments: Environments | None = None) -> None:
        self.config = config
        self.check_output = check_output
        self.cache = ResultCache(config.cache_dir) if config.cache_dir else None
        self.keys = JobKeys(config)
        self.stored = None               # the keys the cache holds, read when the first job is looked up
        self.started = time.perf_counter()
        self.verification = Verification(matrix=matrix or resolve_pythons(config))
        self.environments = environments or environments_for(config, report)
        self.submitted = set()           # sources already planned
        self.header_lines = {}           # source -> its header's lines, for messages about its declarations
        self.pending = []                # (job, its Begun, or the Future of one while its environment is made)
        self.services = services         # started by the first job that runs, unless given
        self.lock = threading.Lock()     # jobs begin in the threads that make environments, too
        self.closed = False              # a job whose environment is made after this does not run

    def submit(self, document: Document) -> None:
        """Plan a document and start its jobs; a document already submitted is ignored."""
        if document.source in self.submitted:
            return
        self.submitted.add(document.source)
        self.header_lines[document.source] = document.header_lines
        verification = self.verification
        verification.results[document.source] = []
        verification.problems += document.problems
        missing = [path for path in document.inputs if not Path(path).is_file()]
        if missing:
            verification.problems += [Problem(document.source, 1, f"declared input {path} does not exist")
                                      for path in missing]
            return
        jobs, settled = plan_document(document, verification.matrix.interpreters)
        verification.results[document.source] += settled
        ready = []  # (job, its environment's Future) whose environment is there
        for job in jobs:
            made = self.environments.get(job.interpreter, job.dependencies)
            if made.done():
                ready.append((job, made))
            else:  # begun in the thread that builds the environment, once it is made
                later = Future()
                self.pending.append((job, later))
                made.add_done_callback(partial(self._begin_later, job, later))
        try:
            begun = self._begin(ready)
        except BaseException as error:  # noqa: BLE001 - raised by finish(), not into Pelican's reader
            begun = [failed(error) for _ in ready]
        self.pending += zip([job for job, _ in ready], begun, strict=True)

    def _begin_later(self, job, later: Future, made: Future) -> None:
        try:
            later.set_result(self._begin([(job, made)])[0])
        except BaseException as error:  # noqa: BLE001 - a callback's error would otherwise be lost
            later.set_exception(error)

    def _begin(self, jobs: list) -> list:
        """The Begun of each job whose environment is made (or could not be): found in the cache, or running."""
        begun = []
        for job, made in jobs:
            if self.closed:
                begun.append(Begun(settled=[replace(Result.service_stopped(block, "the build stopped first"),
                                                    python=job.interpreter.version) for block in job.blocks]))
                continue
            try:
                environment = made.result()
            except EnvironmentFailed as failure:
                begun.append(self._without_environment(job, failure))
                continue
            self.verification.environments[environment.path] = environment
            key = self.keys.key(job, environment) if self.cache else None
            if key is not None and key in self._stored_keys():
                begun.append(Begun(key, stored=True, environment=environment))
            else:
                begun.append(Begun(key, answer=self._run(job, environment)))
        return begun

    def _stored_keys(self) -> set:
        with self.lock:
            if self.stored is None:
                self.stored = set() if self.config.refresh else self.cache.stored_keys()
            return self.stored

    def _without_environment(self, job, failure) -> Begun:
        python = job.interpreter.version
        if job.dependencies:  # the post's declaration is to blame
            line = self.header_lines[job.source].get("dependencies", 1)
            problem = Problem(job.source, line, f"Dependencies: {failure}")
            message = f"not run: its environment for Python {job.interpreter.minor} could not be made (line {line})"
        else:  # the interpreter, uv or the cache folder is
            problem = Problem(job.source, 1, f"no environment for Python {job.interpreter.minor}: {failure}")
            message = f"not run: no environment for Python {job.interpreter.minor} could be made"
        return Begun(settled=[Result(block, NOT_RUN, message=message, python=python) for block in job.blocks],
                     problem=problem)

    def _run(self, job, environment):
        """Send a job to its environment's service. The client is imported by the first job that
        runs: a warm build runs none."""
        from ..client.requests import job_request
        from ..client.services import Services

        with self.lock:
            if self.services is None:
                self.services = Services(self.config)
        return self.services.submit(environment, job_request(job, self.config))

    def finish(self, on_result=None) -> Verification:
        """Wait for every job; judge, count and order the results. Stops the services."""
        verification = self.verification
        if on_result:
            settled = [result for results in verification.results.values() for result in results]
            if settled:
                on_result(None, settled)
        try:
            # Every job's Begun (waiting for the environments still being made), then the cache's
            # entries of those it holds, read together.
            pending = [(job, begun.result() if isinstance(begun, Future) else begun) for job, begun in self.pending]
            entries = self.cache.entries([begun.key for _, begun in pending if begun.stored]) if self.cache else {}
            for job, begun in pending:
                if begun.problem and begun.problem not in verification.problems:
                    verification.problems.append(begun.problem)
                reused = self.cache.decode(entries.get(begun.key), job) if begun.stored else None
                if begun.stored and reused is None:  # an entry that did not read back: run it after all
                    begun.answer = self._run(job, begun.environment)
                if reused is not None:
                    results = reused
                    verification.reused += len(results)
                elif begun.answer is not None:
                    from ..client.requests import job_results

                    results = job_results(job, begun.answer)
                    if self.cache:
                        self.cache.store(begun.key, results)
                    verification.executed += sum(1 for result in results if result.status != NOT_RUN)
                else:
                    results = begun.settled
                if self.check_output:
                    results = [judge(result) for result in results]
                verification.results[job.source] += results
                if on_result:
                    on_result(job, results)
        finally:
            self.close()
        order = {version: index for index, version in enumerate(verification.pythons)}
        for results in verification.results.values():
            results.sort(key=lambda result: (result.block.number, order.get(result.python_minor, len(order))))
        verification.elapsed = time.perf_counter() - self.started
        return verification

    def close(self) -> None:
        """Stop the environment builds (a job whose environment comes after runs nothing), then the
        services, and write the new cache entries while the services end."""
        self.closed = True
        try:
            self.environments.close()
        finally:
            try:
                if self.services is not None:
                    self.services.close(wait=False)
            finally:
                try:
                    if self.cache:
                        self.cache.close()
                finally:
                    if self.services is not None:
                        self.services.close()
                        self.verification.sealed = self.services.sealed
                        self.verification.unsealed_because = self.services.unsealed_because


def verify_documents(documents: Iterable[Document], config: Config, on_result=None, check_output: bool = True,
                     services: Services | None = None, matrix: Matrix | None = None,
                     environments: Environments | None = None) -> Verification:
    """Verify documents all at once (the command line, pytest, `--update`).

    `services` and `environments`: the caller's own, for a caller that started
    services early, before reading its documents; they are closed here.
    """
    verifier = Verifier(config, check_output, services, matrix, environments=environments)
    try:
        for document in documents:
            verifier.submit(document)
    except BaseException:
        verifier.close()
        raise
    return verifier.finish(on_result)
