"""Encode a job as the service's `Request`, and decode its `Answer` into results (see runtime/wire.py)."""

from __future__ import annotations

import contextlib
import sys
from concurrent.futures import Future
from pathlib import Path

from ..config import Config
from ..model import Result
from ..plan import Job
from ..runtime.wire import BlockRequest, Request, compile_block
from .service import ServiceStopped


def job_request(job: Job, config: Config, python: str) -> Request:
    """What a service running `python` needs to run a job: its blocks, limits and input
    files, as plain data.

    For a service of the build's own interpreter, Python blocks go compiled (code objects
    do not travel between versions): compiling in a freshly forked child costs several
    times more, as the compiler's memory is copied page by page.
    """
    compiled = python == sys.executable
    blocks = [_block_request(block, config, compiled) for block in job.blocks]
    # The files themselves: a sealed service cannot see the project they are in.
    inputs = {Path(path).name: Path(path).read_bytes() for path in job.inputs}
    return {"id": 0, "memory_limit": config.memory_limit, "output_limit": config.output_limit,
            "network": job.network, "inputs": inputs, "blocks": blocks}


def _block_request(block, config, compiled) -> BlockRequest:
    request = {
        "number": block.number, "label": block.label, "filename": block.source, "kind": block.kind,
        "first_line": block.first_code_line, "code": block.code,
        "timeout": block.options.timeout or config.timeout,
        "ellipsis": block.options.ellipsis,
        "raises": ({"name": block.options.raises.name, "pattern": block.options.raises.pattern}
                   if block.options.raises else None),
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
        return [Result.service_stopped(block, str(stopped)) for block in job.blocks]
    return [Result.from_outcome(block, outcome) for block, outcome in zip(job.blocks, outcomes, strict=True)]


def run_job(job: Job, config: Config, service) -> list[Result]:
    """Run one job on a SnippetService and wait for its results."""
    return job_results(job, service.submit(job_request(job, config, service.python)))
