"""Plan a post's runs: on which interpreters, which blocks share a process, which are settled without running."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import replace

from .matrix.interpreters import Interpreter, this_interpreter
from .model import NOT_APPLICABLE, Document, Result, version_matches


class Job(namedtuple("Job", ["source", "blocks", "inputs", "python", "dependencies"], defaults=[(), None, ()])):
    """Blocks that run in order in one fresh process with one namespace, on one interpreter.

    `inputs`: files copied into the working directory first; `python`: the Interpreter (None:
    the build's own); `dependencies`: the post's declared requirements, which its environment holds.
    """

    __slots__ = ()

    @property
    def network(self) -> bool:
        """Whether its process may use the network: any of its blocks asks (`network`)."""
        return any(block.options.network for block in self.blocks)

    @property
    def interpreter(self) -> Interpreter:
        return self.python or this_interpreter()


def plan_document(document: Document, interpreters=None) -> tuple[list[Job], list[Result]]:
    """Return (jobs, settled): the processes to start, and results known without running.

    On each interpreter (default: the build's own) that the post's
    Requires-Python admits, the post's ordinary blocks share one process,
    like a notebook, and each `isolated` block gets a process of its own. On
    the others every block is "not applicable".
    """
    session, isolated, invalid, skipped = [], [], [], []
    for block in document.blocks:
        if block.problem:
            invalid.append(block)
        elif block.options.skip is not None:
            skipped.append(block)
        elif block.options.isolated:
            isolated.append((block,))
        else:
            session.append(block)
    # The same tuples on every interpreter: verify/key.py works out a tuple's part of the key once.
    groups = ([tuple(session)] if session else []) + isolated
    jobs, settled = [], []
    for interpreter in (this_interpreter(),) if interpreters is None else interpreters:
        version = interpreter.version
        if not version_matches(document.requires_python, version):
            # A wrong option is an error wherever the post runs, or not.
            settled += [replace(Result.invalid_option(block), python=version) if block.problem else
                        Result(block, NOT_APPLICABLE, python=version,
                               message=f"not applicable: the post requires Python {document.requires_python}")
                        for block in document.blocks]
            continue
        settled += [replace(Result.invalid_option(block), python=version) for block in invalid]
        settled += [replace(Result.skipped(block), python=version) for block in skipped]
        jobs += [Job(document.source, blocks, document.inputs, interpreter, document.dependencies)
                 for blocks in groups]
    return jobs, settled
