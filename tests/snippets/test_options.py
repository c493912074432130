"""Options in the info string (extract/options.py): every valid form accepted, every mistake named."""

import pytest

from pelican_snippets.extract.collect import read_document
from pelican_snippets.extract.options import OptionError, Raises, parse_options

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
        "content/posts/t.md:3: error: python block 1 has an invalid option: unknown option "
        "'timeot' (did you mean 'timeout'?); valid options: hl_lines, isolated, network, output, raises, skip, "
        "timeout")


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
