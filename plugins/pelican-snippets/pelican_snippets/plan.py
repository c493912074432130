"""Plan a post's runs: which blocks share a process, which are settled without running."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Document, Result


@dataclass(frozen=True)
class Job:
    """Blocks that run in order in one fresh process with one namespace."""

    source: str
    blocks: tuple
    inputs: tuple = ()    # files copied into the working directory first

    @property
    def network(self) -> bool:
        """Whether its process may use the network: any of its blocks asks (`network`)."""
        return any(block.options.network for block in self.blocks)


def plan_document(document: Document) -> tuple[list[Job], list[Result]]:
    """Return (jobs, settled): the processes to start, and results known without running.

    The post's ordinary blocks share one process, like a notebook; each
    `isolated` block gets a process of its own.
    """
    session, jobs, settled = [], [], []
    for block in document.blocks:
        if block.problem:
            settled.append(Result.invalid_option(block))
        elif block.options.skip is not None:
            settled.append(Result.skipped(block))
        elif block.options.isolated:
            jobs.append(Job(document.source, (block,), document.inputs))
        else:
            session.append(block)
    if session:
        jobs.insert(0, Job(document.source, tuple(session), document.inputs))
    return jobs, settled
