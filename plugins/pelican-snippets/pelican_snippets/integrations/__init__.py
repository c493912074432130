"""The ways in: a Pelican build, pytest items, and the `snippets` command line."""
