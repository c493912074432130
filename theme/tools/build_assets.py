"""Build the theme's static files from theme/assets/: edit those, then run this.

    .venv/bin/python theme/tools/build_assets.py          # write theme/static/
    .venv/bin/python theme/tools/build_assets.py --check  # exit 1 if theme/static/ is stale

What it does, and nothing more:
- site.css: the stylesheet with comments and extra whitespace removed (string
  literals kept as they are), followed by the code-highlighting rules generated
  from two Pygments styles, so that a page loads one stylesheet;
- site.js, search.js: comment-only lines, indentation and blank lines removed
  (lines are kept, so automatic semicolon insertion sees what it saw before).

The highlighting rules: each Pygments token class (scoped to `pre`, the only
place tokens appear) gets one rule whose colour is `light-dark(LIGHT, DARK)`, so
the dark palette applies whenever the page's colour scheme is dark, by the
reader's system setting or by the theme toggle (which sets `color-scheme` on
<html>). Every colour is nudged, if needed, until it reaches WCAG AA contrast
(4.6:1, a little above 4.5) against the theme's code background in that scheme.
The theme's size budget (tests/browser/test_budgets.py) counts these files.
"""

import re
import sys
from pathlib import Path

from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token, Whitespace

THEME = Path(__file__).resolve().parent.parent
ASSETS = THEME / "assets"
STATIC = THEME / "static"

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
# These must match --code-bg and --text in assets/site.css.
LIGHT_BG, DARK_BG = "#f5f4f0", "#1c1f26"
LIGHT_TEXT, DARK_TEXT = "#1f2328", "#e6e4df"
MIN_CONTRAST = 4.6


# --- colour arithmetic (WCAG 2 relative luminance) -------------------------------------

def _rgb(colour):
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def _hex(rgb):
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def luminance(colour):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour, background):
    """`colour`, mixed step by step towards black or white until it reads on `background`."""
    toward = (0, 0, 0) if luminance(background) > 0.4 else (255, 255, 255)
    rgb = _rgb(colour)
    for step in range(41):
        t = step / 40
        mixed = _hex(tuple(c + (e - c) * t for c, e in zip(rgb, toward)))
        if contrast(mixed, background) >= MIN_CONTRAST:
            return mixed
    return _hex(toward)


def _short(colour):
    h = colour.lstrip("#")
    return "#" + (h[0::2] if h[0] == h[1] and h[2] == h[3] and h[4] == h[5] else h)


# --- highlighting rules ----------------------------------------------------------------

def token_styles(style: StyleMeta, text, background):
    """{css class: (colour, bold, italic)}; the style's own text colour becomes `text`."""
    base = style.style_for_token(Token)["color"]
    result = {}
    for token, spec in style:
        css_class = STANDARD_TYPES.get(token)
        if not css_class or token in Whitespace:
            continue
        colour = "#" + spec["color"] if spec["color"] and spec["color"] != base else text
        result[css_class] = (readable(colour, background), spec["bold"], spec["italic"])
    return result


def highlight_css():
    light = token_styles(get_style_by_name(LIGHT_STYLE), LIGHT_TEXT, LIGHT_BG)
    dark = token_styles(get_style_by_name(DARK_STYLE), DARK_TEXT, DARK_BG)
    groups = {}
    for css_class in sorted(set(light) | set(dark)):
        lc, bold, italic = light.get(css_class, (LIGHT_TEXT, False, False))
        dc = dark.get(css_class, (DARK_TEXT,))[0]
        decls = []
        if (lc, dc) != (LIGHT_TEXT, DARK_TEXT):
            decls.append(f"color:light-dark({_short(lc)},{_short(dc)})")
        if bold:
            decls.append("font-weight:600")
        if italic:
            decls.append("font-style:italic")
        if decls:
            groups.setdefault(";".join(decls), []).append(css_class)
    rules = sorted((",".join(f"pre .{c}" for c in classes) + "{" + decls + "}")
                   for decls, classes in groups.items())
    return (f"/* highlighting: Pygments {LIGHT_STYLE!r} (light), {DARK_STYLE!r} (dark) */\n"
            + "\n".join(rules) + "\n")


# --- minifying ---------------------------------------------------------------------------

_CSS_STRING = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")


def minify_css(css):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    parts = _CSS_STRING.split(css)
    for i in range(0, len(parts), 2):  # even items are outside string literals
        code = re.sub(r"\s+", " ", parts[i])
        code = re.sub(r"\s*([{};,>])\s*", r"\1", code)
        code = re.sub(r":\s+", ":", code)
        parts[i] = code.replace(";}", "}").replace("}", "}\n")
    return "".join(parts).strip() + "\n"


def minify_js(js):
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def outputs():
    """{path under theme/static: content}."""
    return {
        "css/site.css": minify_css((ASSETS / "site.css").read_text(encoding="utf-8")) + highlight_css(),
        "js/site.js": minify_js((ASSETS / "site.js").read_text(encoding="utf-8")),
        "js/search.js": minify_js((ASSETS / "search.js").read_text(encoding="utf-8")),
    }


def main(argv):
    stale = []
    for name, content in outputs().items():
        target = STATIC / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == content:
            continue
        stale.append(name)
        if "--check" not in argv:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            print(f"wrote theme/static/{name} ({len(content.encode())} bytes)")
    if stale and "--check" in argv:
        print("out of date: " + ", ".join(f"theme/static/{n}" for n in stale)
              + f"; run {Path(__file__).relative_to(THEME.parent)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
