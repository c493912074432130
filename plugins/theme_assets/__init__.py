"""Build the theme's CSS and JavaScript from theme/assets/ during every Pelican build.

Only the sources are kept in git. Each build minifies them, appends the code-highlighting
rules to the stylesheet, and writes the results into the output under THEME_STATIC_DIR
(theme/css/site.css, theme/js/site.js, theme/js/search.js), where the templates link
them. Nothing is written into the theme folder, which the livereload task watches.
"""

import logging
from pathlib import Path

from pelican import signals

from .highlight import highlight_css
from .minify import minify_css, minify_js

logger = logging.getLogger(__name__)

__all__ = ["build", "register"]


def build(assets: Path) -> dict[str, str]:
    """{path under THEME_STATIC_DIR: content} made from the sources in `assets`."""
    def read(name):
        return (Path(assets) / name).read_text(encoding="utf-8")

    return {
        "css/site.css": minify_css(read("site.css")) + highlight_css(),
        "js/site.js": minify_js(read("site.js")),
        "js/search.js": minify_js(read("search.js")),
    }


class ThemeAssetsGenerator:
    """Writes the built files into the output.

    A generator, because Pelican makes a new one on every run (autoreload too) and calls it
    after emptying the output directory and before `finalized`, where strict_build may stop
    a failing build: even then the pages written have their stylesheet.
    """

    def __init__(self, context: dict, settings: dict, path: str, theme: str, output_path: str, **kwargs) -> None:
        self.assets = Path(theme) / "assets"
        self.target = Path(output_path) / settings["THEME_STATIC_DIR"]

    def generate_output(self, writer: object) -> None:
        for name, content in build(self.assets).items():
            path = self.target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            logger.info("Writing %s", path)


def _generator(pelican):
    return ThemeAssetsGenerator


def register() -> None:
    signals.get_generators.connect(_generator)
