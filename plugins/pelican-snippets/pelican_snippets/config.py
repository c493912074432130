"""The SNIPPETS setting: defaults, and validation with a message for each mistake."""

import os
import re
import sys
from collections import namedtuple
from pathlib import Path

from .runtime.wire import AUTO, SANDBOX_MODES

DEFAULTS = {
    "enabled": True,
    "timeout": 30,
    "memory_limit_mb": 1024,
    "output_limit_kb": 1024,
    "on_failure": "report",
    "languages": ["python", "py", "python3"],
    "pass_env": [],
    "jobs": 0,
    "cache_dir": ".snippets-cache",
    "refresh": False,
    "sandbox": "auto",
    "pythons": [],
    "environments_dir": None,
    "refresh_environments": False,
}
POLICIES = ("report", "fail")
PYTHON_VERSION = re.compile(r"3\.\d{1,2}")


class ConfigError(ValueError):
    """SNIPPETS in the settings file is wrong; the message says which key and why."""


def default_jobs() -> int:
    """One post's process per core, plus four: while one ends (its namespaces torn down) and
    the next starts, the service and the build need a core, and the spare processes keep
    every core busy meanwhile."""
    return (os.cpu_count() or 1) + 4


# Config's fields, with the defaults of a Config made in code (the SNIPPETS setting's own are DEFAULTS).
CONFIG_FIELDS = {
    "enabled": True,
    "timeout": 30,
    "memory_limit_mb": 1024,
    "output_limit_kb": 1024,
    "on_failure": "report",
    "languages": ("python", "py", "python3"),
    "pass_env": (),
    "jobs": default_jobs(),
    "cache_dir": None,             # None: no cache
    "refresh": False,              # ignore stored results (they are replaced)
    "sandbox": AUTO,               # seal each post's process: "auto", "required" or "off"
    "pythons": (),                 # the interpreters to verify on, "3.12"...; (): the build's own
    "environments_dir": None,      # where the environments are kept; None: in cache_dir
    "refresh_environments": False,  # rebuild the posts' environments (matrix/environments.py)
    "private_paths": (),           # not a setting: the project's folders the build names (sealed runs
                                   # cannot see them)
}


class Config(namedtuple("Config", CONFIG_FIELDS, defaults=CONFIG_FIELDS.values())):
    """The SNIPPETS setting, validated (`load_config`); `_replace` makes a changed one.

    A named tuple, not a dataclass or a typing.NamedTuple: the command line reads it before
    it starts the snippet service, and importing dataclasses or typing would delay that.
    """

    __slots__ = ()

    @property
    def output_limit(self) -> int:
        return self.output_limit_kb * 1024

    @property
    def memory_limit(self) -> int:
        return self.memory_limit_mb * 1024 * 1024 if self.memory_limit_mb else 0


def load_config(settings: dict) -> Config:
    """Build a Config from the SNIPPETS setting, refusing unknown keys and bad values."""
    given = settings.get("SNIPPETS", {}) or {}
    if not isinstance(given, dict):
        raise ConfigError(f"SNIPPETS must be a dict, not {type(given).__name__}")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"SNIPPETS has unknown key(s) {', '.join(map(repr, unknown))}; "
                          f"valid keys: {', '.join(sorted(DEFAULTS))}")
    values = {**DEFAULTS, **given}
    _check(isinstance(values["enabled"], bool), "enabled", "True or False", values)
    _check(_number(values["timeout"]) and values["timeout"] > 0, "timeout",
           "a number of seconds above 0", values)
    _check(_whole(values["memory_limit_mb"]) and values["memory_limit_mb"] >= 0, "memory_limit_mb",
           "a whole number of MiB (0 for no limit)", values)
    _check(_whole(values["output_limit_kb"]) and values["output_limit_kb"] > 0, "output_limit_kb",
           "a whole number of KiB above 0", values)
    _choice("on_failure", POLICIES, values)
    _check(_names(values["languages"]) and values["languages"], "languages",
           "a non-empty list of language names", values)
    _check(_names(values["pass_env"]), "pass_env", "a list of environment variable names", values)
    _check(_whole(values["jobs"]) and values["jobs"] >= 0, "jobs",
           "a whole number of parallel processes (0 for one per core, plus four)", values)
    _check(values["cache_dir"] is None or (isinstance(values["cache_dir"], str) and values["cache_dir"]),
           "cache_dir", "a directory path, or None for no cache", values)
    _check(isinstance(values["refresh"], bool), "refresh", "True or False", values)
    _choice("sandbox", SANDBOX_MODES, values)
    _check(_names(values["pythons"]) and all(PYTHON_VERSION.fullmatch(v) for v in values["pythons"])
           and len(set(values["pythons"])) == len(values["pythons"]), "pythons",
           'a list of distinct Python versions such as ["3.10", "3.11"] ([] for the build\'s own)', values)
    _check(values["environments_dir"] is None
           or (isinstance(values["environments_dir"], str) and values["environments_dir"]),
           "environments_dir", "a directory path, or None to keep them in cache_dir", values)
    _check(isinstance(values["refresh_environments"], bool), "refresh_environments", "True or False", values)
    return Config(
        enabled=values["enabled"],
        timeout=float(values["timeout"]),
        memory_limit_mb=values["memory_limit_mb"],
        output_limit_kb=values["output_limit_kb"],
        on_failure=values["on_failure"],
        languages=tuple(name.lower() for name in values["languages"]),
        pass_env=tuple(values["pass_env"]),
        jobs=values["jobs"] or default_jobs(),
        cache_dir=values["cache_dir"],
        # SNIPPETS_REFRESH=1 in the environment forces a full re-run (`invoke snippets --refresh`).
        refresh=values["refresh"] or os.environ.get("SNIPPETS_REFRESH") == "1",
        sandbox=values["sandbox"],
        pythons=tuple(values["pythons"]),
        environments_dir=values["environments_dir"],
        # SNIPPETS_REFRESH_ENVIRONMENTS=1 rebuilds the environments (`invoke snippets --refresh-environments`).
        refresh_environments=values["refresh_environments"] or os.environ.get("SNIPPETS_REFRESH_ENVIRONMENTS") == "1",
    )


def sandbox_required_but(unsealed_because: str) -> str:
    """What stops a build whose settings require the sandbox, where runs cannot be sealed."""
    return (f"the sandbox is required (SNIPPETS['sandbox'] = 'required'), but runs cannot be sealed here: "
            f"{unsealed_because}")


def read_settings_file(path) -> tuple[Path, Config]:
    """The content folder and Config of a Pelican settings file, without importing Pelican.

    For the `snippets` command and pytest, which need only PATH and SNIPPETS:
    importing Pelican would cost them more than verifying a small blog. The file runs as
    plain Python with its folder on sys.path (so publishconf.py can import
    pelicanconf), named after itself as Pelican names it, and a relative PATH is taken
    from that folder, as Pelican does.
    """
    path = Path(path).resolve()
    settings = {"__name__": path.stem, "__file__": str(path)}
    sys.path.insert(0, str(path.parent))
    try:
        exec(compile(path.read_bytes(), str(path), "exec"), settings)
    except OSError:
        raise
    except Exception as error:  # noqa: BLE001 - any mistake in the file is the author's to see, where it is
        raise ConfigError(_where_it_failed(error, path.parent)) from None
    finally:
        sys.path.remove(str(path.parent))
    content = path.parent / settings.get("PATH", "content")
    config = load_config(settings)._replace(private_paths=(str(path.parent), str(content)))
    return content, config


def _where_it_failed(error: Exception, folder: Path) -> str:
    """`file:line: what`, for a settings file that does not compile or run: the line is the
    deepest one of the project's files (the settings import each other) in the traceback."""
    if isinstance(error, SyntaxError):
        return f"{error.filename}:{error.lineno}: {type(error).__name__}: {error.msg}"
    import traceback  # only for a mistake

    frames = traceback.extract_tb(error.__traceback__)[1:]  # past this module's own frame
    ours = [frame for frame in frames if Path(frame.filename).is_relative_to(folder)]
    frame = (ours or frames)[-1]
    return f"{frame.filename}:{frame.lineno}: {type(error).__name__}: {error}"


def _check(ok, key, expected, values):
    if not ok:
        raise ConfigError(f"SNIPPETS[{key!r}] must be {expected}, not {values[key]!r}")


def _choice(key, choices, values):
    """One of a few words, with a hint for a near miss."""
    value = values[key]
    if value in choices:
        return
    import difflib  # only for a mistake

    hint = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
    expected = ", ".join(map(repr, choices[:-1])) + f" or {choices[-1]!r}"
    raise ConfigError(f"SNIPPETS[{key!r}] must be {expected}, not {value!r}"
                      + (f" (did you mean {hint[0]!r}?)" if hint else ""))


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _names(value):
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) and v for v in value)
