"""Every built HTML page (development and publish builds) and the theme's CSS pass the
W3C Nu HTML Checker (vnu.jar from the npm package vnu-jar, run with Java), warnings included."""

from pathlib import Path


def _describe(messages, roots):
    lines = []
    for m in messages:
        url = m.get("url", "")
        for root in roots:
            url = url.replace(Path(root).resolve().as_uri(), "")
        lines.append(f"{url}:{m.get('lastLine', '?')}: {m['type']}{'/' + m['subType'] if m.get('subType') else ''}: "
                     f"{m['message']} «{m.get('extract', '').strip()[:120]}»")
    return "\n".join(lines)


def test_every_page_is_valid_html(vnu, site, built_site, site_map):
    assert len(site_map.html_files) > 10
    messages = vnu("--skip-non-html", "--also-check-svg", site, built_site)
    problems = [m for m in messages if m["type"] != "info" or m.get("subType") == "warning"]
    assert not problems, _describe(problems, [site, built_site])


def test_theme_css_is_valid(vnu, site):
    sheets = sorted((site / "theme").rglob("*.css"))
    assert sheets
    messages = vnu("--css", *sheets)
    problems = [m for m in messages if m["type"] != "info" or m.get("subType") == "warning"]
    assert not problems, _describe(problems, [site])


def test_the_checker_does_report_errors(vnu, tmp_path):
    """vnu works here and its verdicts reach the test: a broken page is reported."""
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></span>", encoding="utf-8")
    assert [m for m in vnu(broken) if m["type"] == "error"]
