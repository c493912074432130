"""`python -m pelican_snippets`: the same as the `snippets` command."""

from .integrations.cli import run

run()
