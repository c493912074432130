"""Encode a job as the service's `Request`, and decode its `Answer` into results (see runtime/wire.py)."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

from ..config import Config
from ..matrix.interpreters import this_interpreter
from ..model import Result
from ..plan import Job
from ..runtime.wire import BlockRequest, Request, compile_block
from .service import ServiceStopped


def job_request(job: Job, config: Config) -> Request:
    """What a service needs to run a job on its interpreter: its blocks, limits and input
    files, as plain data.

    Python blocks go compiled when the job's interpreter shares the build's bytecode (code
    objects do not travel between versions; for another, the service compiles them):
    compiling in a freshly forked child costs several times more, as the compiler's memory
    is copied page by page.
    """
    interpreter = job.interpreter
    compiled = interpreter.magic == this_interpreter().magic
    blocks = [_block_request(block, config, compiled, interpreter.version) for block in job.blocks]
    # The files themselves: a sealed service cannot see the project they are in.
    inputs = {Path(path).name: Path(path).read_bytes() for path in job.inputs}
    return {"id": 0, "memory_limit": config.memory_limit, "output_limit": config.output_limit,
            "network": job.network, "inputs": inputs, "blocks": blocks}


def _block_request(block, config, compiled, version) -> BlockRequest:
    raises = block.options.raises_on(version)
    request = {
        "number": block.number, "label": block.label, "filename": block.source, "kind": block.kind,
        "first_line": block.first_code_line, "code": block.code,
        "timeout": block.options.timeout or config.timeout,
        "ellipsis": block.options.ellipsis,
        "raises": {"name": raises.name, "pattern": raises.pattern} if raises else None,
        "compiled": None,
    }
    if compiled and block.kind == "python":
        # A SyntaxError and the like: the child compiles the block again and reports it.
        with contextlib.suppress(Exception):
            request["compiled"] = compile_block(request)
    return request


def job_results(job: Job, answer: Future) -> list[Result]:
    """The results of a job from the service's answer (a Future of its outcomes)."""
    try:
        outcomes = answer.result()
    except ServiceStopped as stopped:
        return [replace(Result.service_stopped(block, str(stopped)), python=job.interpreter.version)
                for block in job.blocks]
    python = job.interpreter.version
    return [_hint_at_dependencies(Result.from_outcome(block, outcome, python=python))
            for block, outcome in zip(job.blocks, outcomes, strict=True)]


UNDECLARED = "; a post's snippets can import the standard library and the packages of its Dependencies header, " \
             "nothing else"


def _hint_at_dependencies(result: Result) -> Result:
    """A block that could not import a module says where its modules come from."""
    if result.failed and "ModuleNotFoundError" in result.message:  # python, pycon and shell blocks alike
        return replace(result, message=result.message + UNDECLARED)
    return result


def run_job(job: Job, config: Config, service) -> list[Result]:
    """Run one job on a SnippetService (of the job's interpreter) and wait for its results."""
    return job_results(job, service.submit(job_request(job, config)))
