"""Verify the blocks with pytest, without building the site: `pytest content/`.

Each runnable block is a test item per interpreter, named after its line
and the version (`line 12: python block 1[py3.12]`), with the same options,
sessions, bounds, cache and `file:line` errors as in a build. The blocks of
a file still run together (one process per post and interpreter), once,
when the first of its items runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..config import ConfigError, read_settings_file
from ..extract.collect import display_path, read_document
from ..matrix.pythons import PythonMissing, resolve_pythons
from ..model import FAILED, NOT_APPLICABLE, NOT_RUN, SKIPPED
from ..verify.pipeline import verify_documents


def pytest_addoption(parser):
    group = parser.getgroup("snippets", "verify the code blocks of the blog's posts")
    group.addoption("--snippets-settings", default="pelicanconf.py",
                    help="Pelican settings file whose PATH and SNIPPETS are used (default: pelicanconf.py)")
    group.addoption("--snippets-refresh", action="store_true",
                    help="ignore cached results and run every block again")
    group.addoption("--snippets-python", action="append", metavar="VERSION",
                    help="verify on this interpreter only, e.g. 3.12 (repeatable; default: the settings' pythons)")


def pytest_configure(config):
    settings_file = Path(config.rootpath, config.getoption("snippets_settings"))
    config.snippets_content = None
    if settings_file.is_file():
        try:
            content, config.snippets_config = read_settings_file(settings_file)
            config.snippets_matrix = resolve_pythons(config.snippets_config,
                                                     only=tuple(config.getoption("snippets_python") or ()))
        except (ConfigError, PythonMissing) as error:
            raise pytest.UsageError(f"{settings_file}: {error}") from None
        config.snippets_content = content.resolve()


def pytest_collect_file(file_path, parent):
    content = parent.config.snippets_content
    if file_path.suffix == ".md" and content is not None and file_path.resolve().is_relative_to(content):
        return MarkdownFile.from_parent(parent, path=file_path)
    return None


class SnippetFailure(Exception):
    """A block's failure, carried to pytest's report as the build would print it."""


class MarkdownFile(pytest.File):
    def collect(self):
        config = self.config.snippets_config
        self.document = read_document(self.path.read_text(encoding="utf-8-sig"),
                                      display_path(self.path), config.languages)
        self.document_results = None
        self.run_problems = []
        for problem in self.document.problems:
            yield SnippetItem.from_parent(self, name=f"line {problem.line}: fence", problem=problem)
        for block in self.document.blocks:
            for python in self.config.snippets_matrix.versions:
                yield SnippetItem.from_parent(self, name=f"line {block.line}: {block.label}[py{python}]",
                                              block=block, python=python)

    def results(self):
        """The results of this file's blocks.

        The first item to ask runs every collected file at once, in parallel,
        as a build does; every item then reads its own block's result.
        """
        if self.document_results is None:
            files = {item.parent for item in self.session.items if isinstance(item, SnippetItem)}
            config = self.config.snippets_config
            if self.config.getoption("snippets_refresh"):
                config = config._replace(refresh=True)
            verification = verify_documents([file.document for file in files], config,
                                            matrix=self.config.snippets_matrix)
            for file in files:
                file.document_results = {(result.block.number, result.python_minor): result
                                         for result in verification.results[file.document.source]}
                # What running found wrong with the post itself (a dependency that cannot be installed).
                file.run_problems = [problem for problem in verification.problems
                                     if problem.source == file.document.source
                                     and problem not in file.document.problems]
        return self.document_results


class SnippetItem(pytest.Item):
    def __init__(self, *, block=None, problem=None, python="", **kwargs):
        super().__init__(**kwargs)
        self.block, self.problem, self.python = block, problem, python

    def runtest(self):
        if self.problem:
            raise SnippetFailure(self.problem.error_line())
        result = self.parent.results()[self.block.number, self.python]
        if result.status == NOT_RUN and self.parent.run_problems:  # not run because the post is wrong
            raise SnippetFailure("\n".join(problem.error_line() for problem in self.parent.run_problems))
        if result.status in (SKIPPED, NOT_RUN, NOT_APPLICABLE):
            pytest.skip(result.message)
        if result.status == FAILED:
            details = f"\n{result.details}" if result.details else ""
            raise SnippetFailure(result.error_line() + details)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SnippetFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        line = self.block.line if self.block else self.problem.line
        return self.path, line - 1, self.name
