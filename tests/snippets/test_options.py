"""Options in the info string (extract/options.py): every valid form accepted, every mistake named."""

import pytest

from pelican_snippets.extract.collect import read_document
from pelican_snippets.extract.options import OptionError, Raises, parse_options, parse_output_options
from pelican_snippets.model import Result

from .helpers import fence


@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ('skip="Windows only"', {"skip": "Windows only"}),
    ("skip='single quotes'", {"skip": "single quotes"}),
    (r'skip="\\.\pipe\ exists on Windows only"', {"skip": r"\\.\pipe\ exists on Windows only"}),
    ("raises=ValueError", {"raises": Raises("ValueError")}),
    ('raises="ValueError: bad.*"', {"raises": Raises("ValueError", "bad.*")}),
    ("raises=json.JSONDecodeError", {"raises": Raises("json.JSONDecodeError")}),
    ("timeout=5", {"timeout": 5.0}),
    ("timeout=0.5", {"timeout": 0.5}),
    ("isolated", {"isolated": True}),
    ("output", {"output": True}),
    ('hl_lines="1 3"', {"hl_lines": "1 3"}),
    ("isolated timeout=2 output", {"isolated": True, "timeout": 2.0, "output": True}),
])
def test_valid_options(text, expected):
    options = parse_options(text)
    for name, value in expected.items():
        assert getattr(options, name) == value


@pytest.mark.parametrize("text, message", [
    ("skipp='x'", "unknown option 'skipp' (did you mean 'skip'?); "
                  "valid options: hl_lines, isolated, network, output, raises, skip, timeout"),
    ("frobnicate", "unknown option 'frobnicate'; valid options:"),
    ("skip", "option 'skip' needs a value"),
    ('skip=""', "needs a reason"),
    ("isolated=yes", "option 'isolated' takes no value"),
    ("timeout=soon", "timeout='soon': expected a number of seconds"),
    ("timeout=0", "must be more than 0"),
    ("timeout=-1", "must be more than 0"),
    ("raises=42", "expected an exception name"),
    ('raises="ValueError: ("', "not a valid regex"),
    ('skip="unterminated', "cannot read options"),
    ("timeout=1 timeout=2", "given twice"),
    ('skip="x" raises=ValueError', "cannot go with skip"),
])
def test_invalid_options_are_named(text, message):
    with pytest.raises(OptionError) as error:
        parse_options(text)
    assert message in str(error.value)


def test_invalid_option_becomes_a_failed_block_at_its_line(run):
    text = "Intro.\n\n```python timeot=3\nprint('never')\n```\n"
    result = run(text)[1]
    assert result.status == "failed"
    assert result.error_line() == (
        f"content/posts/t.md:3: error: python block 1 on Python {result.python_minor} has an invalid option: "
        "unknown option 'timeot' (did you mean 'timeout'?); valid options: hl_lines, isolated, network, output, "
        "raises, skip, timeout")


def test_display_only_options_do_not_change_the_execution_key():
    plain, shown = parse_options(""), parse_options('output hl_lines="1"')
    assert plain.execution_key() == shown.execution_key()
    assert plain.execution_key() != parse_options("timeout=3").execution_key()


def test_option_errors_do_not_stop_other_blocks_being_collected():
    text = "```python bogus\na = 1\n```\n\n```python\nb = 2\n```\n"
    blocks = read_document(text, "p.md").blocks
    assert [bool(block.problem) for block in blocks] == [True, False]


def test_options_are_checked_per_kind():
    document = read_document(fence("echo hi", "bash run raises=ValueError"), "p.md")
    assert "option not valid for shell blocks: 'raises'" in document.blocks[0].problem


# Expectations qualified by a Python version: raises[python<spec]=... on python blocks.

def test_raises_qualified_by_python_version():
    options = parse_options('raises=AttributeError raises[python<3.13]="AttributeError: .*object" '
                            'raises[python>=3.13,<3.14]=TypeError')
    assert options.raises == Raises("AttributeError")
    assert options.raises_variants == (("<3.13", Raises("AttributeError", ".*object")),
                                       (">=3.13,<3.14", Raises("TypeError")))
    # the first qualified one that holds, else the plain one
    assert options.raises_on("3.12.4") == Raises("AttributeError", ".*object")
    assert options.raises_on("3.13.0") == Raises("TypeError")
    assert options.raises_on("3.14.1") == Raises("AttributeError")


def test_raises_may_be_given_for_some_pythons_only():
    options = parse_options("raises[python==3.10.*]=ImportError")
    assert options.raises is None and options.raises_on("3.10.2") == Raises("ImportError")
    assert options.raises_on("3.11.0") is None


QUALIFIER_ERRORS = [
    ("timeout[python<3.13]=5", "timeout[python<3.13]: only raises can be qualified by a Python version "
                               "(raises[python<3.13]=ValueError); write timeout without [python<3.13]"),
    ("isolated[python<3.13]", "isolated[python<3.13]: only raises can be qualified by a Python version"),
    ("raises[pyhton<3.13]=KeyError", "raises[pyhton<3.13]: unknown version condition 'pyhton<3.13' (did you mean "
                                     "'python<3.13'?); write python followed by PEP 440 specifiers, e.g. "
                                     "python<3.13 or python>=3.11,<3.13"),
    ("raises[<3.13]=KeyError", "raises[<3.13]: unknown version condition '<3.13' (did you mean 'python<3.13'?)"),
    ("raises[3.13]=KeyError", "raises[3.13]: unknown version condition '3.13' (did you mean 'python==3.13.*'?)"),
    ("raises[linux]=KeyError", "raises[linux]: unknown version condition 'linux'; write python followed by"),
    ("raises[python3.13]=KeyError", "raises[python3.13]: 'python3.13' has no operator between python and the "
                                    "version; write python==3.13.* (that version) or python>=3.13 (that one "
                                    "and later)"),
    ("raises[python<3.x]=KeyError", "raises[python<3.x]: 'python<3.x' is not a valid version condition ('<3.x' "
                                    "is not a PEP 440 specifier); write python followed by PEP 440 specifiers"),
    ("raises[python]=KeyError", "raises[python]: 'python' names no versions; write python followed by"),
    ("raises[python<3.13]", "option 'raises[python<3.13]' needs a value: raises[python<3.13]=\"...\""),
    ("raises[python<3.13]=42", "raises[python<3.13]='42': expected an exception name such as ValueError"),
    ("raises[python<3.13]=A raises[python<3.13]=B", "option 'raises[python<3.13]' is given twice"),
    ("raises[python<3.13]=A raises[python<3.13.0]=B",
     "option 'raises[python<3.13.0]' is given twice (the same Pythons as raises[python<3.13])"),
    ('skip="x" raises[python<3.13]=A', "a skipped block does not run, so raises cannot go with skip"),
    ("raise[python<3.13]=A", "unknown option 'raise' (did you mean 'raises'?)"),
]


@pytest.mark.parametrize("text, message", QUALIFIER_ERRORS)
def test_invalid_qualifiers_are_named(text, message):
    with pytest.raises(OptionError) as error:
        parse_options(text)
    assert str(error.value).startswith(message)


def test_a_qualified_raises_is_only_for_python_blocks():
    document = read_document("Text.\n\n" + fence("echo hi", "bash run raises[python<3.13]=OSError"), "p.md")
    assert Result.invalid_option(document.blocks[0]).error_line().startswith(
        "p.md:3: error: bash block 1 has an invalid option: option not valid for shell blocks: 'raises'")


def test_an_invalid_qualifier_fails_its_block_at_its_line():
    text = "Title: T\n\nIntro.\n\n" + fence("import sys", "python raises[pyhton<3.13]=ImportError")
    result = Result.invalid_option(read_document(text, "content/posts/q.md").blocks[0])
    assert result.error_line() == (
        "content/posts/q.md:5: error: python block 1 has an invalid option: raises[pyhton<3.13]: unknown version "
        "condition 'pyhton<3.13' (did you mean 'python<3.13'?); write python followed by PEP 440 specifiers, "
        "e.g. python<3.13 or python>=3.11,<3.13")


def test_the_execution_key_holds_the_raises_of_each_python():
    options = parse_options("raises=KeyError raises[python<3.13]=IndexError")
    assert options.execution_key("3.12.1")["raises"] == "IndexError"
    assert options.execution_key("3.13.1")["raises"] == "KeyError"


# Output fences: ellipsis and at most one version condition.

@pytest.mark.parametrize("text, ellipsis, when", [
    ("", False, ""),
    ("ellipsis", True, ""),
    ("python<3.13", False, "<3.13"),
    ("python>=3.11,<3.13", False, ">=3.11,<3.13"),
    ("python==3.12.*", False, "==3.12.*"),
    ("python~=3.12.0", False, "~=3.12.0"),
    ("ellipsis python!=3.12.*", True, "!=3.12.*"),
    ("python>=3.13 ellipsis", True, ">=3.13"),
])
def test_output_fence_options(text, ellipsis, when):
    options, condition = parse_output_options(text)
    assert (options.ellipsis, condition) == (ellipsis, when)


@pytest.mark.parametrize("text, message", [
    ("pyhton<3.13", "unknown version condition 'pyhton<3.13' (did you mean 'python<3.13'?); write python "
                    "followed by PEP 440 specifiers, e.g. python<3.13 or python>=3.11,<3.13"),
    ("Python>=3.13", "unknown version condition 'Python>=3.13' (did you mean 'python>=3.13'?)"),
    ("python3.13", "'python3.13' has no operator between python and the version; write python==3.13.* "
                   "(that version) or python>=3.13 (that one and later)"),
    ("python<3.x", "'python<3.x' is not a valid version condition ('<3.x' is not a PEP 440 specifier); "
                   "write python followed by PEP 440 specifiers, e.g. python<3.13 or python>=3.11,<3.13"),
    ("python", "'python' names no versions"),
    ("python<3.12 python>=3.13", "an output fence takes one version condition, not python<3.12 and python>=3.13; "
                                 "combine them in one, e.g. python>=3.11,<3.13"),
    ("elipsis", "unknown option 'elipsis' (did you mean 'ellipsis'?); valid options: ellipsis"),
    ("ellipsis=yes", "option 'ellipsis' takes no value: write just ellipsis"),
])
def test_invalid_output_fence_options_are_named(text, message):
    with pytest.raises(OptionError) as error:
        parse_output_options(text)
    assert str(error.value).startswith(message)
