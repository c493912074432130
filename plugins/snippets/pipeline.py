"""Plan, run (bounded, in parallel) and collect the results of many documents."""

import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cache import ResultCache, job_key
from .compare import judge
from .plan import plan_document
from .results import NOT_RUN, DocumentProblem
from .launcher import Zygote
from .runner import run_job, snippet_environment


@dataclass
class Verification:
    """Everything one build learned about its snippets."""

    results: dict = field(default_factory=dict)    # source -> [BlockResult] in block order
    problems: list = field(default_factory=list)   # DocumentProblem
    elapsed: float = 0.0
    pages: dict = field(default_factory=dict)      # source -> (title, url) of its page
    executed: int = 0                               # blocks run in this build
    reused: int = 0                                 # blocks whose results came from the cache

    def all_results(self):
        return [result for source in sorted(self.results) for result in self.results[source]]

    @property
    def failed(self):
        return bool(self.problems) or any(result.failed for result in self.all_results())


def verify_documents(documents, config, on_result=None, check_output=True):
    """Run every document's jobs on a bounded pool; each job is its own process.

    With check_output=False, what blocks printed is not judged against their
    expected output (`invoke snippets --update` rewrites that output instead).

    Threads only wait on child processes here, so one per allowed process is
    enough to keep every core busy.
    """
    started = time.perf_counter()
    verification = Verification()
    jobs = []
    for document in documents:
        verification.results[document.source] = []
        verification.problems += [DocumentProblem(document.source, line, message)
                                  for line, message in document.problems]
        missing = [path for path in document.inputs if not Path(path).is_file()]
        if missing:
            verification.problems += [DocumentProblem(document.source, 1, f"declared input {path} does not exist")
                                      for path in missing]
            continue
        planned, settled = plan_document(document)
        verification.results[document.source] += settled
        if on_result and settled:
            on_result(None, settled)
        jobs += planned
    cache = ResultCache(config.cache_dir) if config.cache_dir else None

    def run_or_reuse(job):
        key = job_key(job, config) if cache else None
        results = None if cache is None or config.refresh else cache.load(key, job)
        if results is None:
            results = run_job(job, config, zygote())
            if cache:
                cache.store(key, results)
        return results

    with lazy_zygote(config) as zygote, ThreadPoolExecutor(max_workers=config.jobs) as pool:
        for job, results in zip(jobs, pool.map(run_or_reuse, jobs)):
            if results and results[0].cached:
                verification.reused += len(results)
            else:
                verification.executed += sum(1 for result in results if result.status != NOT_RUN)
            if check_output:
                results = [judge(result) for result in results]
            verification.results[job.source] += results
            if on_result:
                on_result(job, results)
    for results in verification.results.values():
        results.sort(key=lambda result: result.block.number)
    verification.elapsed = time.perf_counter() - started
    return verification


@contextmanager
def lazy_zygote(config):
    """Yield a function giving the build's zygote, started on first use and stopped at the end.

    Started lazily, so a build whose results all come from the cache starts no interpreter.
    """
    made, lock = [], threading.Lock()
    scratch = tempfile.TemporaryDirectory(prefix="snippet-zygote-", ignore_cleanup_errors=True)

    def get():
        with lock:
            if not made:
                made.append(Zygote(snippet_environment(config, scratch.name, scratch.name), scratch.name))
            return made[0]

    try:
        yield get
    finally:
        for zygote in made:
            zygote.close()
        scratch.cleanup()
