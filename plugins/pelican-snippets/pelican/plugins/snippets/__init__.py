"""The plugin as Pelican loads it: PLUGINS = ["pelican.plugins.snippets"].

The code is the top-level package pelican_snippets. Importing anything
under pelican.plugins first imports Pelican itself, and the `snippets`
command and the pytest items, which never need Pelican, would pay for that
on every run: more than it takes them to verify a small blog.
"""

from pelican_snippets import __version__, register

__all__ = ["__version__", "register"]
