"""The Pelican integration (integrations/build.py).

Whole builds of small fixture sites, with the real settings, theme and plugins.
"""

import json

import pytest

from .helpers import BROKEN_POST, GOOD_POST, ON_ALL, PYTHONS, N, build, on_each, settings_file


@pytest.fixture
def site(tmp_path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "fine.md").write_text(GOOD_POST)
    return tmp_path


def test_publish_build_fails_on_a_broken_snippet_naming_file_and_line(site):
    (site / "content" / "posts" / "broken.md").write_text(BROKEN_POST)
    result = build(site / "content", site / "out", "publishconf.py")
    broken = site / "content" / "posts" / "broken.md"
    assert result.returncode != 0
    assert f"{broken}:16: error: python block 2 {ON_ALL} raised NameError: name 'greting' is not defined" \
        in result.stdout
    assert f"{broken}:16: error: python block 2 {ON_ALL} raised NameError" in result.stderr  # the exit message
    assert "Traceback" not in result.stderr  # a clean message, not Pelican's crash report
    assert not (site / "out" / "2024" / "broken" / "index.html").exists()


def test_development_build_shows_the_error_box_and_still_exits_non_zero(site):
    (site / "content" / "posts" / "broken.md").write_text(BROKEN_POST)
    result = build(site / "content", site / "out")
    assert result.returncode == 1
    page = (site / "out" / "2024" / "broken" / "index.html").read_text()
    assert '<div class="snippet-error" role="alert">' in page
    assert f"This snippet failed {ON_ALL}: {site / 'content/posts/broken.md'}:16: python block 2 raised NameError: " \
        "name &#x27;greting&#x27; is not defined" in page
    assert page.count('class="snippet-error"') == 1  # one box: it failed alike on every Python
    assert "line 16, in &lt;module&gt;" in page
    assert (site / "out" / "2024" / "fine" / "index.html").exists()  # every page written
    assert (f"snippets: 3 block(s) in 2 file(s): {on_each('2 passed, 1 failed, 0 skipped, 0 not run')}; "
            f"{3 * N} run now") in result.stdout


def test_a_clean_build_reports_every_block_and_shows_output(site):
    result = build(site / "content", site / "out", "publishconf.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"snippets: 1 block(s) in 1 file(s): {on_each('1 passed, 0 failed, 0 skipped, 0 not run')}; "
            f"{N} run now, 0 from cache") in result.stdout
    page = (site / "out" / "2024" / "fine" / "index.html").read_text()
    assert '<p class="snippet-output-label">Output</p><pre><code>6</code></pre>' in page
    assert "<!--snippet-" not in page  # no placeholder left behind
    # Its placeholder was joined to the block (typogrify would have had one more run of text).
    assert '</code></pre></div><div class="snippet-output">' in page


def test_an_invalid_option_fails_the_build_with_file_line_and_valid_options(site):
    post = site / "content" / "posts" / "fine.md"
    post.write_text(GOOD_POST.replace("```python output", "```python outptu"))
    result = build(site / "content", site / "out", "publishconf.py")
    assert result.returncode != 0
    assert (f"{post}:6: error: python block 1 {ON_ALL} has an invalid option: unknown option 'outptu' "
            "(did you mean 'output'?)") in result.stdout


def test_an_unclosed_fence_fails_the_build_with_its_line(site):
    post = site / "content" / "posts" / "fine.md"
    post.write_text(GOOD_POST + "\n```python\nprint('never closed')\n")
    result = build(site / "content", site / "out", "publishconf.py")
    assert result.returncode != 0
    assert f"{post}:10: error: the ```python fence opened here is never closed" in result.stdout


def test_bad_snippet_settings_are_refused_with_the_key_named(site):
    settings = settings_file(site / "settings.py", "SNIPPETS = {**SNIPPETS, 'timeout': 'long', 'colour': 1}\n")
    result = build(site / "content", site / "out", settings)
    assert result.returncode != 0
    assert "SNIPPETS has unknown key(s) 'colour'" in result.stderr
    settings = settings_file(site / "settings.py", "SNIPPETS = {**SNIPPETS, 'sandbox': 'requried'}\n")
    result = build(site / "content", site / "out", settings)
    assert result.returncode != 0
    assert ("SNIPPETS['sandbox'] must be 'auto', 'required' or 'off', not 'requried' (did you mean 'required'?)"
            in result.stderr)


def test_report_page_and_json_list_every_block(site):
    (site / "content" / "posts" / "broken.md").write_text(BROKEN_POST)
    build(site / "content", site / "out")
    report = json.loads((site / "out" / "snippets" / "report.json").read_text())
    each = {"passed": 2, "failed": 1, "skipped": 0, "not_run": 0, "not_applicable": 0}
    assert report["summary"] == {"blocks": 3, **each, "by_python": dict.fromkeys(PYTHONS, each)}
    assert [python["version"] for python in report["pythons"]] == PYTHONS
    assert all(python["full_version"].startswith(python["version"] + ".") for python in report["pythons"])
    assert [environment["python"][:4] for environment in report["environments"]] == PYTHONS
    assert all(environment["lock"] == [] for environment in report["environments"])  # the standard library
    broken = next(d for d in report["documents"] if d["url"] == "2024/broken/")
    assert [(b["line"], b["status"]) for b in broken["blocks"]] == [(8, "passed"), (15, "failed")]
    assert broken["blocks"][1]["failed_on"] == PYTHONS
    assert report["sandbox"] == {"sealed": True, "unsealed_because": ""}
    runs = [run for block in broken["blocks"] for run in block["runs"].values()]
    assert len(runs) == 2 * N and all(run["sealed"] and not run["network"] for run in runs)
    assert broken["title"] == "Broken"
    page = (site / "out" / "snippets" / "index.html").read_text()
    assert "Snippet verification report" in page
    assert page.count("<tr class=\"is-") == 3 and 'class="is-failed"' in page
    article = (site / "out" / "2024" / "broken" / "index.html").read_text()
    assert 'href="/snippets/"' in article  # the badge links to the report
    assert "Each post ran sealed" in page
    fine = next(d for d in report["documents"] if d["url"] != "2024/broken/")
    badge = (site / "out" / fine["url"] / "index.html").read_text().split('class="snippet-badge"')[1].split("</a>")[0]
    assert f"1 snippet verified on Python {' · '.join(PYTHONS)} · sealed · " in badge


def test_disabled_verification_runs_nothing_and_leaves_no_placeholder(site):
    (site / "content" / "posts" / "broken.md").write_text(BROKEN_POST)
    settings = settings_file(site / "off.py", "SNIPPETS = {**SNIPPETS, 'enabled': False}\n")
    result = build(site / "content", site / "out", settings)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "snippets:" not in result.stdout
    page = (site / "out" / "2024" / "broken" / "index.html").read_text()
    assert "snippet-error" not in page and "<!--snippet-" not in page and "snippet-badge" not in page


def test_posts_read_one_after_another_keep_their_own_metadata_footnotes_and_headings(tmp_path):
    """The reader reuses one Markdown instance: nothing of one post may leak into the next.

    No post has a Summary, whose conversion would reset the instance anyway.
    """
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    for name, tag in (("first", "alpha"), ("second", "beta")):
        (posts / f"{name}.md").write_text(
            f"Title: {name.title()}\nDate: 2024-05-03 10:00\nSlug: {name}\nTags: {tag}\n\n"
            f"## Only in {name}\n\nA claim.[^{name}]\n\n[^{name}]: The {name} post's note.\n\n"
            f"```python\nprint('{name}')\n```\n")
    result = build(tmp_path / "content", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    for name, other, tag in (("first", "second", "alpha"), ("second", "first", "beta")):
        page = (tmp_path / "out" / "2024" / name / "index.html").read_text()
        assert f"<title>{name.title()} " in page and f'href="/tag/{tag}/"' in page
        assert f"The {name} post&#8217;s note." in page and f"The {other} post" not in page
        assert page.count('class="footnote-ref"') == 1
        assert f'id="only-in-{name}"' in page and f"only-in-{other}" not in page
