"""Options in a fence's info string: parsed strictly, every mistake named.

    ```python skip="Windows only" raises="ValueError: bad.*" timeout=5 isolated output

Options are `name`, `name=value` or `name="quoted value"` (single quotes too;
no escapes, so Windows paths stay as written). Each kind of block has its own
set; an unknown, repeated or malformed option is an error listing the valid
ones for that kind.

Some expectations differ between Pythons, so they can be qualified by a
version condition: the word `python` and a PEP 440 specifier set.

    ```python raises="AttributeError: .*no attribute" raises[python<3.13]="AttributeError: .*"
    ```output ellipsis python>=3.11,<3.13

Only `raises` (any number, each condition once) and output fences (one
condition each) take one. On a given Python the first qualified expectation
whose condition holds applies, else the unqualified one, else none.
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
        (?:\[(?P<qualifier>[^\]]*)\])?
        (?:=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"']+)))?
        (?=\s|$)""",
    re.VERBOSE,
)
_EXCEPTION_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
CONDITION_WORD = "python"
CONDITION_EXAMPLE = "python<3.13"
_CONDITION = re.compile(r"(?P<word>[A-Za-z_]*)(?P<spec>.*)", re.DOTALL)
_SPEC_START = tuple("<>=!~0123456789")  # what follows `python` in a condition, or in a mistaken one


class OptionError(ValueError):
    """A fence's options cannot be understood; the message says how to fix them."""


def parse_options(text: str, kind: str = "python") -> Options:
    """Parse the words after the language; raise OptionError naming what is wrong."""
    if not text or text.isspace():
        return NO_OPTIONS
    valid = sorted(VALID_FOR[kind])
    found, qualified = {}, []   # qualified: (condition as written, its specifier, value)
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            rest = text[position:].strip()
            raise OptionError(f"cannot read options at {rest!r}; write name or name=\"value\" "
                              f"(valid options: {', '.join(valid)})")
        name, qualifier = match.group("name", "qualifier")
        value = next((v for v in match.group("dq", "sq", "bare") if v is not None), None)
        if name not in valid:
            import difflib  # only for a mistake

            hint = difflib.get_close_matches(name, valid, n=1)
            did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            what = "unknown option" if name not in FLAGS | VALUED else f"option not valid for {kind} blocks:"
            raise OptionError(f"{what} {name!r}{did_you_mean}; valid options: {', '.join(valid)}")
        if qualifier is not None:
            qualified.append(_qualified(name, qualifier, value, qualified))
            position = match.end()
            continue
        if name in found:
            raise OptionError(f"option {name!r} is given twice")
        if name in FLAGS and value is not None:
            raise OptionError(f"option {name!r} takes no value: write just {name}")
        if name in VALUED and value is None:
            raise OptionError(f"option {name!r} needs a value: {name}=\"...\"")
        found[name] = value
        position = match.end()
    return _build(found, qualified)


def _qualified(name, qualifier, value, earlier):
    """`raises[python<3.13]=...`: (the condition as written, its specifier, the value), checked."""
    if name != "raises":
        raise OptionError(f"{name}[{qualifier}]: only raises can be qualified by a Python version "
                          f"(raises[{CONDITION_EXAMPLE}]=ValueError); write {name} without [{qualifier}]")
    if value is None:
        raise OptionError(f"option 'raises[{qualifier}]' needs a value: raises[{qualifier}]=\"...\"")
    try:
        when = parse_condition(qualifier)
    except OptionError as error:
        raise OptionError(f"raises[{qualifier}]: {error}") from None
    for written, other, _ in earlier:
        if same_condition(when, other):
            again = f" (the same Pythons as raises[{written}])" if written != qualifier else ""
            raise OptionError(f"option 'raises[{qualifier}]' is given twice{again}")
    return qualifier, when, value


def _build(found, qualified=()):
    skip = found.get("skip")
    if skip is not None and not skip.strip():
        raise OptionError('option \'skip\' needs a reason readers will see: skip="why it is not run"')
    runs = set(found) | ({"raises"} if qualified else set())
    if skip is not None and runs & {"raises", "timeout", "isolated"}:
        others = ", ".join(sorted(runs & {"raises", "timeout", "isolated"}))
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
        raises_variants=tuple((when, _raises(value, f"raises[{written}]")) for written, when, value in qualified),
    )


def _raises(value, option="raises"):
    name, _, pattern = value.partition(":")
    name, pattern = name.strip(), pattern.strip()
    if not _EXCEPTION_NAME.fullmatch(name):
        raise OptionError(f"{option}={value!r}: expected an exception name such as ValueError, "
                          f"optionally followed by ': message regex'")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as error:
            raise OptionError(f"{option}={value!r}: the message pattern is not a valid regex ({error})") from None
    return Raises(name, pattern or None)


def _timeout(value):
    try:
        seconds = float(value)
    except ValueError:
        raise OptionError(f"timeout={value!r}: expected a number of seconds, e.g. timeout=5") from None
    if not 0 < seconds <= MAX_TIMEOUT:
        raise OptionError(f"timeout={value!r}: must be more than 0 and at most {MAX_TIMEOUT} seconds")
    return seconds


def parse_output_options(text: str) -> tuple[Options, str]:
    """An output fence's options and its version condition ("" when it is for every Python).

    `ellipsis` and at most one condition, in any order: ```output ellipsis python<3.13
    """
    words, when = [], None
    for word in text.split():
        if not _is_condition(word):
            words.append(word)
        elif when is not None:
            raise OptionError(f"an output fence takes one version condition, not {' and '.join((when[0], word))}; "
                              f"combine them in one, e.g. python>=3.11,<3.13")
        else:
            when = (word, parse_condition(word))
    return parse_options(" ".join(words), "output"), when[1] if when else ""


def _is_condition(word):
    """Whether a word of an output fence is meant as a version condition: python..., or a near miss."""
    word_part, spec = _CONDITION.fullmatch(word).group("word", "spec")
    if word_part == CONDITION_WORD:
        return True
    if not spec.startswith(_SPEC_START) or spec.startswith("=") and not spec.startswith("=="):
        return False  # an option, or an option with a value (`ellipsis=yes`), as parse_options will say
    return not word_part or _near(word_part, CONDITION_WORD)


def parse_condition(text: str) -> str:
    """`python<3.13` -> "<3.13": the specifier set of a version condition, checked as packaging reads it."""
    text = text.strip()
    word, spec = _CONDITION.fullmatch(text).group("word", "spec")
    example = f"write python followed by PEP 440 specifiers, e.g. {CONDITION_EXAMPLE} or python>=3.11,<3.13"
    if word != CONDITION_WORD:
        hint = ""
        if spec.startswith(_SPEC_START) and (not word or _near(word, CONDITION_WORD)):
            suggestion = CONDITION_WORD + (f"=={spec}.*" if spec[0].isdigit() else spec)
            hint = f" (did you mean {suggestion!r}?)"
        raise OptionError(f"unknown version condition {text!r}{hint}; {example}")
    spec = spec.strip()
    if not spec:
        raise OptionError(f"{text!r} names no versions; {example}")
    if spec[0].isdigit():
        raise OptionError(f"{text!r} has no operator between python and the version; "
                          f"write python=={spec}.* (that version) or python>={spec} (that one and later)")
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only where a fence names versions

    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        pieces = [piece.strip() for piece in spec.split(",") if piece.strip()]
        bad = next((piece for piece in pieces if not _valid_specifier(piece)), spec)
        raise OptionError(f"{text!r} is not a valid version condition ({bad!r} is not a PEP 440 "
                          f"specifier); {example}") from None
    if exact := only_a_dot_zero(spec):
        raise OptionError(f"{text!r} names Python {exact[2:].strip()}.0 alone; write {CONDITION_WORD}{exact}.* "
                          f"for every {exact[2:].strip()}.x")
    return spec


def only_a_dot_zero(spec: str) -> str | None:
    """The piece of a specifier set such as `==3.12` (3.12.0 only, an easy slip for ==3.12.*), or None."""
    import re

    return next((piece.strip() for piece in spec.split(",")
                 if re.fullmatch(r"\s*[=!]=\s*\d+\.\d+\s*", piece)), None)


def same_condition(first: str, second: str) -> bool:
    """Whether two specifier sets select the same Pythons as written (`<3.13` and `<3.13.0` do)."""
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(first) == SpecifierSet(second)


def _valid_specifier(text):
    from packaging.specifiers import InvalidSpecifier, Specifier

    try:
        Specifier(text)
    except InvalidSpecifier:
        return False
    return True


def _near(word, target):
    import difflib  # only for a word that is not an option

    return bool(difflib.get_close_matches(word, [target], n=1, cutoff=0.6))
