"""Snippet verification: every Python block of every post runs on every build.

The data flows one way: the reader finds the blocks (reader, fences,
options), the plan groups them into processes (plan), the runner runs them
bounded, cached and in parallel (pipeline, cache, runner, service, supervisor, worker),
the results are judged (compare), rendered into the pages (render) and the
report page (site_report), and reported to the author (report). plugin.py
connects all this to Pelican; `python -m snippets` and pytest_plugin.py
verify posts without a build.
"""


def register():
    """Pelican's entry point; Pelican is imported only here, not by the package."""
    from .plugin import connect_signals

    connect_signals()
