"""The code-highlighting rules, generated from two Pygments styles.

Each token class (scoped to `pre`, the only place tokens appear) gets one rule whose
colour is `light-dark(LIGHT, DARK)`, so the dark palette applies whenever the page's
colour scheme is dark, by the reader's system setting or by the theme toggle. Every
colour is nudged, if needed, until it reaches WCAG AA contrast against the theme's
code background in that scheme.
"""

from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Token, Whitespace

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
# These must match --code-bg and --text in theme/assets/site.css.
LIGHT_BG, DARK_BG = "#f5f4f0", "#1c1f26"
LIGHT_TEXT, DARK_TEXT = "#1f2328", "#e6e4df"
MIN_CONTRAST = 4.6  # a little above AA's 4.5, so rounding never drops below it


def _rgb(colour):
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


def _hex(rgb):
    return "#" + "".join(f"{round(c):02x}" for c in rgb)


def _short(colour):
    h = colour.lstrip("#")
    return "#" + (h[0::2] if h[0] == h[1] and h[2] == h[3] and h[4] == h[5] else h)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rgb or #rrggbb colour."""
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour: str, background: str) -> str:
    """`colour`, mixed step by step towards black or white until it reads on `background`."""
    toward = (0, 0, 0) if luminance(background) > 0.4 else (255, 255, 255)
    rgb = _rgb(colour)
    for step in range(41):
        t = step / 40
        mixed = _hex(tuple(c + (e - c) * t for c, e in zip(rgb, toward, strict=True)))
        if contrast(mixed, background) >= MIN_CONTRAST:
            return mixed
    return _hex(toward)


def token_styles(style: StyleMeta, text: str, background: str) -> dict[str, tuple[str, bool, bool]]:
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


def highlight_css() -> str:
    """The rules, one per distinct declaration, so the page loads a single small stylesheet."""
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
