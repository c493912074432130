"""Updating the expected output in place (integrations/update.py): only the output fences change."""

from pelican_snippets.config import Config
from pelican_snippets.integrations.update import update_file

from .helpers import PROJECT_POST


def test_update_rewrites_only_the_output_fences(project):
    post = project / "content" / "posts" / "p.md"
    original = PROJECT_POST.replace("print(undefined)", "print('second')\nprint('lines')") + "\n```output\nstale\n```\n"
    original = original.replace('print("fine")', 'print("fine")\nprint("  and more  ")')
    post.write_bytes(original.replace("\n", "\r\n").encode())
    lines, failures, problems = update_file(post, Config(jobs=1))
    assert lines == [13, 22] and failures == [] and problems == []
    expected = original.replace("```output\nfine\n```", "```output\nfine\n  and more\n```").replace(
        "```output\nstale\n```", "```output\nsecond\nlines\n```")
    assert post.read_bytes() == expected.replace("\n", "\r\n").encode()
    assert update_file(post, Config(jobs=1)) == ([], [], [])  # now everything matches
