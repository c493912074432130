"""Where publish settings come from.

A setting is looked up, first match wins, in:
  1. the environment: BLOG_<NAME>, e.g. BLOG_SSH_HOST (an empty value counts as unset);
  2. publishconf.py: a module-level <NAME>, e.g. SSH_HOST = "..." (only for values that
     may be committed: host names, keys and paths of a deployment belong in the environment);
  3. the default given by the caller.
"""

import os
import runpy
import sys
from contextlib import contextmanager
from pathlib import Path

ENV_PREFIX = "BLOG_"


@contextmanager
def _importable_from(root):
    """publishconf.py does `from pelicanconf import *` relative to the working directory."""
    old_cwd, old_path = os.getcwd(), list(sys.path)
    os.chdir(root)
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


class Settings:
    """Publish settings of one blog: environment first, then publishconf.py, then defaults."""

    def __init__(self, module_values, environ=None):
        self._module = {k: v for k, v in module_values.items() if k.isupper()}
        self._environ = os.environ if environ is None else environ

    @classmethod
    def load(cls, settings_file, environ=None):
        settings_file = Path(settings_file).resolve()
        with _importable_from(settings_file.parent):
            values = runpy.run_path(str(settings_file))
        return cls(values, environ)

    def get(self, name, default=None):
        value = self._environ.get(ENV_PREFIX + name, "")
        if value.strip():
            return value.strip()
        value = self._module.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        return value

    def get_int(self, name, default):
        value = self.get(name, default)
        try:
            return int(value)
        except (TypeError, ValueError):
            from .errors import PublishError

            raise PublishError(f"{name} (or {ENV_PREFIX}{name}) must be a whole number, not {value!r}") from None
