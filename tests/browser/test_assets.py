"""The theme's built static files match their sources, and the highlighting rules match
what the code formatter in pelicanconf.py leaves unwrapped. No browser needed."""

import re
import subprocess
import sys

from pygments.token import STANDARD_TYPES

from .conftest import ROOT

THEME = ROOT / "theme"


def test_static_files_are_built_from_the_current_sources():
    result = subprocess.run([sys.executable, str(THEME / "tools" / "build_assets.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_tokens_left_plain_by_the_formatter_have_no_style_of_their_own():
    """pelicanconf's formatter drops the <span> of these token types: the CSS must not style them."""
    sys.path.insert(0, str(ROOT))
    try:
        import pelicanconf
    finally:
        sys.path.remove(str(ROOT))
    formatter = pelicanconf.MARKDOWN["extension_configs"]["markdown.extensions.codehilite"]["pygments_formatter"]
    css = (THEME / "static" / "css" / "site.css").read_text(encoding="utf-8")
    styled = set(re.findall(r"pre \.([a-z0-9]+)", css))
    assert styled, "no highlighting rules in site.css"
    plain = {STANDARD_TYPES[t] for t in formatter.PLAIN if STANDARD_TYPES.get(t)}
    assert plain and not plain & styled, plain & styled


def test_highlighting_colours_reach_aa_contrast():
    sys.path.insert(0, str(THEME / "tools"))
    try:
        import build_assets
    finally:
        sys.path.remove(str(THEME / "tools"))
    css = (THEME / "static" / "css" / "site.css").read_text(encoding="utf-8")
    pairs = re.findall(r"light-dark\((#[0-9a-f]{3,6}),(#[0-9a-f]{3,6})\)", css.split("/* highlighting")[1])
    assert len(pairs) > 20
    for light, dark in pairs:
        assert build_assets.contrast(light, build_assets.LIGHT_BG) >= 4.5, light
        assert build_assets.contrast(dark, build_assets.DARK_BG) >= 4.5, dark
    # The generator's idea of the code background and text colours is the stylesheet's.
    assert f"--code-bg:light-dark({build_assets.LIGHT_BG},{build_assets.DARK_BG})" in css
    assert f"--text:light-dark({build_assets.LIGHT_TEXT},{build_assets.DARK_TEXT})" in css
