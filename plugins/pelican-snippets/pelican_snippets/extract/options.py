"""Options in a fence's info string: parsed strictly, every mistake named.

    ```python skip="Windows only" raises="ValueError: bad.*" timeout=5 isolated output

Options are `name`, `name=value` or `name="quoted value"` (single quotes too;
no escapes, so Windows paths stay as written). Each kind of block has its own
set; an unknown, repeated or malformed option is an error listing the valid
ones for that kind.
"""

from __future__ import annotations

import re

from ..model import Options, Raises

FLAGS = {"isolated", "output", "run", "ellipsis", "network"}
VALUED = {"skip", "raises", "timeout", "hl_lines"}
VALID_FOR = {
    "python": {"skip", "raises", "timeout", "isolated", "output", "hl_lines", "network"},
    "pycon": {"skip", "timeout", "isolated", "ellipsis", "network"},
    "shell": {"run", "skip", "timeout", "output", "hl_lines", "network"},
    "output": {"ellipsis"},
}
MAX_TIMEOUT = 3600
NO_OPTIONS = Options()  # most fences have none

_TOKEN = re.compile(
    r"""\s*(?P<name>[A-Za-z_][\w-]*)
        (?:=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"']+)))?
        (?=\s|$)""",
    re.VERBOSE,
)
_EXCEPTION_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


class OptionError(ValueError):
    """A fence's options cannot be understood; the message says how to fix them."""


def parse_options(text: str, kind: str = "python") -> Options:
    """Parse the words after the language; raise OptionError naming what is wrong."""
    if not text or text.isspace():
        return NO_OPTIONS
    valid = sorted(VALID_FOR[kind])
    found = {}
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            rest = text[position:].strip()
            raise OptionError(f"cannot read options at {rest!r}; write name or name=\"value\" "
                              f"(valid options: {', '.join(valid)})")
        name = match.group("name")
        value = next((v for v in match.group("dq", "sq", "bare") if v is not None), None)
        if name not in valid:
            import difflib  # only for a mistake

            hint = difflib.get_close_matches(name, valid, n=1)
            did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            what = "unknown option" if name not in FLAGS | VALUED else f"option not valid for {kind} blocks:"
            raise OptionError(f"{what} {name!r}{did_you_mean}; valid options: {', '.join(valid)}")
        if name in found:
            raise OptionError(f"option {name!r} is given twice")
        if name in FLAGS and value is not None:
            raise OptionError(f"option {name!r} takes no value: write just {name}")
        if name in VALUED and value is None:
            raise OptionError(f"option {name!r} needs a value: {name}=\"...\"")
        found[name] = value
        position = match.end()
    return _build(found)


def _build(found):
    skip = found.get("skip")
    if skip is not None and not skip.strip():
        raise OptionError('option \'skip\' needs a reason readers will see: skip="why it is not run"')
    if skip is not None and set(found) & {"raises", "timeout", "isolated"}:
        others = ", ".join(sorted(set(found) & {"raises", "timeout", "isolated"}))
        raise OptionError(f"a skipped block does not run, so {others} cannot go with skip")
    return Options(
        skip=skip.strip() if skip is not None else None,
        raises=_raises(found["raises"]) if "raises" in found else None,
        timeout=_timeout(found["timeout"]) if "timeout" in found else None,
        isolated="isolated" in found,
        output="output" in found,
        hl_lines=found.get("hl_lines"),
        run="run" in found,
        ellipsis="ellipsis" in found,
        network="network" in found,
    )


def _raises(value):
    name, _, pattern = value.partition(":")
    name, pattern = name.strip(), pattern.strip()
    if not _EXCEPTION_NAME.fullmatch(name):
        raise OptionError(f"raises={value!r}: expected an exception name such as ValueError, "
                          f"optionally followed by ': message regex'")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise OptionError(f"raises={value!r}: the message pattern is not a valid regex ({error})") from None
    return Raises(name, pattern or None)


def _timeout(value):
    try:
        seconds = float(value)
    except ValueError:
        raise OptionError(f"timeout={value!r}: expected a number of seconds, e.g. timeout=5") from None
    if not 0 < seconds <= MAX_TIMEOUT:
        raise OptionError(f"timeout={value!r}: must be more than 0 and at most {MAX_TIMEOUT} seconds")
    return seconds
