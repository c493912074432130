"""plugins/theme_assets: real builds of a tiny site in tmp_path, with a copy of the theme,
publish the CSS and JavaScript built from the theme's assets/ and nothing lands in the theme."""

import re
import shutil
from pathlib import Path

import pytest
import theme_assets

ROOT = Path(__file__).resolve().parents[2]
POST = """Title: Hello
Date: 2025-01-02 10:00
Slug: hello

Some prose.

```text
plain text
```
"""


@pytest.fixture
def tiny_site(tmp_path, run_pelican):
    """A copy of the theme, one post, and build(**settings) -> the output directory."""
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "hello.md").write_text(POST, encoding="utf-8")

    def build(**settings):
        overrides = {"THEME": str(tmp_path / "theme"), "PLUGIN_PATHS": [str(ROOT / "plugins")],
                     "PLUGINS": ["code_bars", "theme_assets"], **settings}
        settings_file = tmp_path / "settings.py"
        settings_file.write_text(
            f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
            + "".join(f"{name} = {value!r}\n" for name, value in overrides.items()), encoding="utf-8")
        result = run_pelican(settings_file, tmp_path / "output", tmp_path / "content")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return tmp_path / "output"

    build.theme = tmp_path / "theme"
    return build


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_the_built_files_are_published_where_the_pages_link_them(tiny_site):
    theme_before = files_under(tiny_site.theme)
    output = tiny_site()
    page = (output / "2025" / "hello" / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'(?:href|src)="/(theme/[^"]+\.(?:css|js))"', page)
    assert "theme/css/site.css" in linked and "theme/js/site.js" in linked, linked
    for name, content in theme_assets.build(tiny_site.theme / "assets").items():
        assert (output / "theme" / name).read_text(encoding="utf-8") == content, name
    assert files_under(tiny_site.theme) == theme_before, "the build wrote into the theme folder"


def test_a_change_in_the_assets_shows_up_in_the_next_build(tiny_site):
    output = tiny_site()
    assets = tiny_site.theme / "assets"
    with open(assets / "site.css", "a", encoding="utf-8") as css:
        css.write("\n/* a new rule */\n.tiny-marker {\n    color: red ;\n}\n")
    with open(assets / "site.js", "a", encoding="utf-8") as js:
        js.write("\n// a new line\n    window.tinyMarker = 1;\n")
    output = tiny_site()
    css = (output / "theme" / "css" / "site.css").read_text(encoding="utf-8")
    js = (output / "theme" / "js" / "site.js").read_text(encoding="utf-8")
    assert ".tiny-marker{color:red}\n/* highlighting: Pygments" in css
    assert "a new rule" not in css and "a new line" not in js
    assert js.endswith("\nwindow.tinyMarker = 1;\n")


def test_the_files_follow_theme_static_dir(tiny_site):
    output = tiny_site(THEME_STATIC_DIR="assets-v2")
    page = (output / "index.html").read_text(encoding="utf-8")
    assert 'href="/assets-v2/css/site.css"' in page
    assert (output / "assets-v2" / "css" / "site.css").is_file()
    assert (output / "assets-v2" / "js" / "search.js").is_file()
    assert not (output / "theme").exists()


def test_minifying_keeps_css_strings_and_js_lines():
    minify = theme_assets.minify
    assert minify.minify_css('a::before {\n  content: "x  ;  }" ;\n}\n') == 'a::before{content:"x  ;  }"}\n'
    assert minify.minify_js("// note\nlet a = 1\n\n  let b = a\n") == "let a = 1\nlet b = a\n"
