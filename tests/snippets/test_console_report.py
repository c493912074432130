"""The console report (present/console.py): the progress bar a build shows while it verifies."""

import io

from rich.console import Console

from pelican_snippets.present.console import progress_bar


def test_progress_bar_on_a_terminal_and_silence_elsewhere():
    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    with progress_bar(3, out=terminal) as advance:
        advance(None, [object()] * 3)
    assert "verifying snippets" in terminal.file.getvalue()
    assert "3/3" in terminal.file.getvalue()
    pipe = Console(file=io.StringIO(), force_terminal=False)
    with progress_bar(3, out=pipe) as advance:
        advance(None, [object()] * 3)
    assert pipe.file.getvalue() == ""
