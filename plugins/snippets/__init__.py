"""Snippet verification: runs the Python code blocks of every post at build time."""


def register():
    """Connected to Pelican's signals once the plugin modules land."""
