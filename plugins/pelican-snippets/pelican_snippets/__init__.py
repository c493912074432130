"""Snippet verification for Pelican: every code block of every post runs on every build.

Pelican loads it as `pelican.plugins.snippets` (see that package for why the
code lives here).

The data flows one way:

- extract/: find a post's fenced blocks and read their options (in a build,
  a Python-Markdown preprocessor, so the blocks run are the blocks shown);
- plan.py: group them into processes;
- verify/: run them, bounded, cached and in parallel, and judge the output;
- client/: the build's side of the snippet service;
- runtime/: the service and each post's process (standard library only,
  loaded by path into the interpreter that runs the blocks);
- present/: the HTML under each block, the console report, the site page;
- integrations/: Pelican (`register`), pytest, and the `snippets` command.

model.py holds what every stage talks about; config.py the settings;
internals.py every Pelican or Python-Markdown internal relied on.
"""

__version__ = "0.6.0"


def register() -> None:
    """Pelican's entry point; Pelican is imported only here, not by the package."""
    from .integrations.build import connect_signals

    connect_signals()
