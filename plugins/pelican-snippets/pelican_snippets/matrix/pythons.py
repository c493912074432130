"""The `pythons` setting, resolved: the interpreters a build verifies on, and those it could not find."""

from __future__ import annotations

import os
from collections import namedtuple

from ..config import Config
from .interpreters import find_interpreters, search_places, this_interpreter

DISCOVERY_FILE = "interpreters.json"  # in the cache directory: what each candidate executable is


class Matrix(namedtuple("Matrix", ["interpreters", "missing"], defaults=[()])):
    """The `interpreters` to verify on (Interpreter, in the settings' order), and the versions asked
    for that this machine does not have (`missing`)."""

    __slots__ = ()

    @property
    def versions(self) -> list:
        return [interpreter.minor for interpreter in self.interpreters]


class PythonMissing(ValueError):
    """A publish build (on_failure "fail") asked for an interpreter this machine lacks."""


def resolve_pythons(config: Config, only: tuple = ()) -> Matrix:
    """The interpreters of `config.pythons` (or of `only`, the command line's), found on this machine.

    No `pythons` setting: the build's own interpreter, without looking further.
    A version not found is an error when the command line names it, or when
    failures fail the build (a publish build); otherwise the build goes on
    with the others, and `missing_line` says so.
    """
    wanted = list(dict.fromkeys(only or config.pythons or (this_interpreter().minor,)))  # --python 3.12 twice
    own = this_interpreter()
    if list(wanted) == [own.minor]:
        return Matrix((own,))
    cache_file = os.path.join(config.cache_dir, DISCOVERY_FILE) if config.cache_dir else None
    found = find_interpreters(cache_file)
    matrix = Matrix(tuple(found[version] for version in wanted if version in found),
                    tuple(version for version in wanted if version not in found))
    if matrix.missing and (only or config.on_failure == "fail"):
        raise PythonMissing(missing_line(matrix))
    return matrix


def missing_line(matrix: Matrix) -> str:
    """The one line that names the interpreters not found, and where they were looked for."""
    names = ", ".join(f"Python {version}" for version in matrix.missing)
    verb = "is" if len(matrix.missing) == 1 else "are"
    going_on = (f"verifying on {', '.join(matrix.versions)} only" if matrix.interpreters
                else "no snippet can run")
    return f"snippets: {names} {verb} not on this machine (looked on {'; '.join(search_places())}); {going_on}"
