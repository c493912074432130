"""Small, safe minifiers for the theme's own CSS and JavaScript (no third-party tool needed)."""

import re

_CSS_STRING = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")


def minify_css(css: str) -> str:
    """Comments and extra whitespace removed; string literals kept exactly as written."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    parts = _CSS_STRING.split(css)
    for i in range(0, len(parts), 2):  # even items are outside string literals
        code = re.sub(r"\s+", " ", parts[i])
        code = re.sub(r"\s*([{};,>])\s*", r"\1", code)
        code = re.sub(r":\s+", ":", code)
        parts[i] = code.replace(";}", "}").replace("}", "}\n")
    return "".join(parts).strip() + "\n"


def minify_js(js: str) -> str:
    """Comment-only lines, indentation and blank lines removed.

    Lines are kept, so automatic semicolon insertion sees what it saw in the source.
    """
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"
