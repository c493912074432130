"""Small real sites for the plugins' tests, built by Pelican in a fresh process.

small_site(posts, templates=None, **settings) writes `posts` ({file name: Markdown})
into a new content/ directory, `templates` ({name: Jinja}) into a folder that
overrides the default theme's, and a settings file with SETTINGS plus `settings`;
builds; and returns a SmallSite. Nothing of the blog's own settings is used, so each
plugin is tested on its own.
"""

import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITEURL = "https://small.example.org"
SETTINGS = {
    "SITENAME": "Small site",
    "SITEURL": SITEURL,
    "TIMEZONE": "UTC",
    "PLUGIN_PATHS": [str(ROOT / "plugins")],
    "PLUGINS": [],
    "ARTICLE_URL": "{slug}/",
    "ARTICLE_SAVE_AS": "{slug}/index.html",
}


class SmallSite(NamedTuple):
    output: Path
    result: subprocess.CompletedProcess

    @property
    def printed(self) -> str:
        return self.result.stdout + self.result.stderr

    def read(self, path: str) -> str:
        return (self.output / path).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_site(tmp_path_factory, run_pelican):
    def build(posts: dict[str, str], templates: dict[str, str] | None = None, **settings) -> SmallSite:
        root = tmp_path_factory.mktemp("small-site")
        content = root / "content"
        content.mkdir()
        for name, text in posts.items():
            (content / name).write_text(text, encoding="utf-8")
        if templates:
            (root / "templates").mkdir()
            for name, text in templates.items():
                (root / "templates" / name).write_text(text, encoding="utf-8")
            settings["THEME_TEMPLATES_OVERRIDES"] = [str(root / "templates")]
        values = {**SETTINGS, "PATH": str(content), **settings}
        settings_file = root / "settings.py"
        settings_file.write_text("".join(f"{name} = {value!r}\n" for name, value in values.items()),
                                 encoding="utf-8")
        return SmallSite(root / "output", run_pelican(settings_file, root / "output", content))

    return build
