"""The theme's CSS and JavaScript as a real build publishes them: built from theme/assets,
minified, with highlighting rules that match what the code_bars formatter leaves
unwrapped and that reach AA contrast. No browser needed."""

import re
from pathlib import Path

import code_bars
import theme_assets
from pygments.token import STANDARD_TYPES
from theme_assets import highlight

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "theme" / "assets"
PUBLISHED = {"css/site.css": "site.css", "js/site.js": "site.js", "js/search.js": "search.js"}


def published_css(site):
    return (site / "theme" / "css" / "site.css").read_text(encoding="utf-8")


def test_the_build_publishes_the_assets_built_from_the_current_sources(dev_site):
    assert theme_assets.build(ASSETS).keys() == PUBLISHED.keys()
    for name, source_name in PUBLISHED.items():
        published = (dev_site / "theme" / name).read_text(encoding="utf-8")
        source = (ASSETS / source_name).read_text(encoding="utf-8")
        assert published == theme_assets.build(ASSETS)[name], name
        minified = published.split("/* highlighting")[0]
        assert len(minified) < len(source), f"{name} is not minified"
        assert not re.search(r"^\s", published, flags=re.MULTILINE), f"{name} keeps indentation or blank lines"
    css = published_css(dev_site)
    assert css.count("/*") == 1 and "/* highlighting: Pygments" in css, "comments left in site.css"
    source_css = (ASSETS / "site.css").read_text(encoding="utf-8")
    for prop in set(re.findall(r"(--[\w-]+):", source_css)):
        assert f"{prop}:" in css, prop
    for source_name in ("site.js", "search.js"):
        published = (dev_site / "theme" / "js" / source_name).read_text(encoding="utf-8").splitlines()
        lines = [line.strip() for line in (ASSETS / source_name).read_text(encoding="utf-8").splitlines()]
        assert published == [line for line in lines if line and not line.startswith("//")], source_name


def test_tokens_left_plain_by_the_formatter_have_no_style_of_their_own(dev_site):
    """The code_bars formatter drops the <span> of these token types: the CSS must not style them."""
    formatter = code_bars.CodeFormatter
    styled = set(re.findall(r"pre \.([a-z0-9]+)", published_css(dev_site)))
    assert styled, "no highlighting rules in site.css"
    plain = {STANDARD_TYPES[t] for t in formatter.PLAIN if STANDARD_TYPES.get(t)}
    assert plain and not plain & styled, plain & styled


def test_highlighting_colours_reach_aa_contrast(dev_site):
    css = published_css(dev_site)
    pairs = re.findall(r"light-dark\((#[0-9a-f]{3,6}),(#[0-9a-f]{3,6})\)", css.split("/* highlighting")[1])
    assert len(pairs) > 20
    for light, dark in pairs:
        assert highlight.contrast(light, highlight.LIGHT_BG) >= 4.5, light
        assert highlight.contrast(dark, highlight.DARK_BG) >= 4.5, dark
    # The generator's idea of the code background and text colours is the stylesheet's.
    assert f"--code-bg:light-dark({highlight.LIGHT_BG},{highlight.DARK_BG})" in css
    assert f"--text:light-dark({highlight.LIGHT_TEXT},{highlight.DARK_TEXT})" in css
