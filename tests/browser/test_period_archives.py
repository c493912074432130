"""Period archives, when a site turns them on (this one does not by default), render with the theme."""

import subprocess
import sys

import pytest

from .local import ROOT


@pytest.fixture(scope="module")
def period_site(tmp_path_factory):
    output = tmp_path_factory.mktemp("periods") / "output"
    command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(output),
               "-e", 'YEAR_ARCHIVE_SAVE_AS="{date:%Y}/index.html"', 'YEAR_ARCHIVE_URL="{date:%Y}/"',
               'MONTH_ARCHIVE_SAVE_AS="{date:%Y}/{date:%m}/index.html"', 'MONTH_ARCHIVE_URL="{date:%Y}/{date:%m}/"']
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output


def test_year_and_month_archives(period_site, site_map):
    years = sorted({a.url.split("/")[1] for a in site_map.articles})
    for year in years:
        html = (period_site / year / "index.html").read_text(encoding="utf-8")
        assert f"<h1>Posts from {year}</h1>" in html
        for article in site_map.articles:
            if article.url.startswith(f"/{year}/"):
                assert f'href="{article.url}"' in html
    months = list(period_site.glob("*/[01][0-9]/index.html"))
    assert months
    html = months[0].read_text(encoding="utf-8")
    assert "<h1>Posts from " in html and 'class="archive-list"' in html


def test_period_archives_are_valid_html(vnu, period_site):
    pages = sorted(period_site.glob("[0-9][0-9][0-9][0-9]/index.html")) + sorted(
        period_site.glob("*/[01][0-9]/index.html"))
    problems = [m for m in vnu(*pages) if m["type"] != "info" or m.get("subType") == "warning"]
    assert not problems, problems
