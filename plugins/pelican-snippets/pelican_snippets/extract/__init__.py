"""Find a post's runnable blocks: fences as Python-Markdown reads them, their options, their order."""
