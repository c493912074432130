"""Run a job's blocks in a bounded child process of the snippet service; turn its answer into results.

The service (service.py, supervisor.py) starts one process per job in its
own process group, with an empty stdin, a fresh temporary working directory,
the scrubbed environment made here and a memory limit; each block gets a
deadline. Python blocks go compiled (see _compiled). Whatever happens, the
process group is killed and the directory removed before the answer comes back.
"""

import os
import sys
from pathlib import Path

from .results import FAILED, BlockResult
from .service import ServiceOnDemand, ServiceStopped


def snippet_environment(config, home, tmp):
    """Only what a block needs, plus the variables the settings pass through."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in config.pass_env:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def snippet_service(config):
    """The snippet service for a build with these settings, started on first use."""
    return ServiceOnDemand(lambda directory: snippet_environment(config, directory, directory), config.jobs)


def job_request(job, config):
    """What the service needs to run a job: its blocks, limits and input files, as plain data."""
    blocks = [{
        "number": block.number, "label": block.label, "filename": block.source, "kind": block.kind,
        "first_line": block.first_code_line, "code": block.code,
        "timeout": block.options.timeout or config.timeout,
        "ellipsis": block.options.ellipsis,
        "raises": ({"name": block.options.raises.name, "pattern": block.options.raises.pattern}
                   if block.options.raises else None),
    } for block in job.blocks]
    for block in blocks:
        block["compiled"] = _compiled(block)
    return {"memory_limit": config.memory_limit, "output_limit": config.output_limit,
            "inputs": list(job.inputs), "blocks": blocks}


def _compiled(block):
    """A Python block's code object, compiled here, where the compiler is warm, as
    worker.compile_block compiles it (a test holds the two alike). It travels as it is:
    marshal, which frames the requests, carries code objects. None for other blocks, and
    for code that does not compile: the child compiles it again and reports the error."""
    if block["kind"] != "python":
        return None
    source = "\n" * (block["first_line"] - 1) + block["code"]
    try:
        return compile(source, block["filename"], "exec", dont_inherit=True, optimize=0)
    except Exception:  # SyntaxError and the like
        return None


def job_results(job, answer):
    """The BlockResults of a job from the service's answer (a Future of one dict per block)."""
    try:
        outcomes = answer.result()
    except ServiceStopped as stopped:
        return [BlockResult(block, FAILED, message=f"could not run: {stopped}") for block in job.blocks]
    return [BlockResult(block, outcome["status"], message=outcome.get("message", ""),
                        details=outcome.get("details", ""), line=outcome.get("line", 0),
                        stdout=outcome.get("stdout", ""), stderr=outcome.get("stderr", ""),
                        duration=outcome.get("duration", 0.0))
            for block, outcome in zip(job.blocks, outcomes)]


def run_job(job, config, service):
    """Run one job and wait for its results."""
    return job_results(job, service.submit(job_request(job, config)))
