"""The result cache (verify/store.py, keyed by verify/key.py) across real builds.

Reuse what did not change, re-run what did; never lose a result to a damaged
or unwritable cache, or to builds running at once.
"""

import os
import re
import sqlite3
import subprocess
import sys

import pytest

from .helpers import GOOD_POST, ON_ALL, THIS, N, build, settings_file

OTHER_POST = """Title: Other
Date: 2024-05-03 10:00
Slug: other
Summary: Another post.

Some prose.

```python
total = sum([1, 2, 3])
print(total)
```

```output
6
```
"""


def counts(result):
    match = re.search(r"(\d+) run now, (\d+) from cache", result.stdout)
    assert match, result.stdout + result.stderr
    return int(match.group(1)), int(match.group(2))


@pytest.fixture
def site(tmp_path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "fine.md").write_text(GOOD_POST)
    (posts / "other.md").write_text(OTHER_POST)
    return tmp_path


def test_second_build_runs_nothing(site):
    assert counts(build(site / "content", site / "out")) == (2 * N, 0)
    second = build(site / "content", site / "out")
    assert second.returncode == 0
    assert counts(second) == (0, 2 * N)
    page = (site / "out" / "2024" / "fine" / "index.html").read_text()
    assert '<pre><code>6</code></pre>' in page  # the output panel comes from the cache


def test_code_edit_reruns_exactly_that_post(site):
    build(site / "content", site / "out")
    post = site / "content" / "posts" / "other.md"
    post.write_text(OTHER_POST.replace("[1, 2, 3]", "[3, 2, 1]"))
    assert counts(build(site / "content", site / "out")) == (N, N)


def test_prose_and_display_option_edits_run_nothing(site):
    build(site / "content", site / "out")
    post = site / "content" / "posts" / "other.md"
    post.write_text(OTHER_POST.replace("Some prose.", "Some prose,\n\nnow longer.\n\nMuch longer.")
                    .replace("```python\ntotal", '```python hl_lines="1"\ntotal'))
    assert counts(build(site / "content", site / "out")) == (0, 2 * N)


def test_expected_output_edit_is_judged_without_running(site):
    build(site / "content", site / "out")
    post = site / "content" / "posts" / "other.md"
    post.write_text(OTHER_POST.replace("```output\n6", "```output\n7"))
    result = build(site / "content", site / "out")
    assert counts(result) == (0, 2 * N)
    assert f"python block 1 {ON_ALL} printed something other than the expected output" in result.stdout


def test_the_builds_own_packages_are_not_in_the_key(site, tmp_path):
    """The posts run in environments of their own: what the build has installed changes nothing."""
    packages = tmp_path / "site-packages"
    dist = packages / "snippet_probe-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: snippet-probe\nVersion: 1.0\n")
    env = {"PYTHONPATH": str(packages)}
    assert counts(build(site / "content", site / "out", **env)) == (2 * N, 0)
    dist.rename(packages / "snippet_probe-1.1.dist-info")
    assert counts(build(site / "content", site / "out", **env)) == (0, 2 * N)


def test_a_package_upgraded_in_one_environment_reruns_only_the_posts_that_use_it(site):
    """six as uv resolved it at the start of 2021, then as it resolves it today: the lock changes,
    so the post that declares six runs again on every Python, and the other post runs nothing."""
    post = site / "content" / "posts" / "other.md"
    post.write_text(OTHER_POST.replace("Summary: Another post.", "Summary: Another post.\nDependencies: six"))
    own = {"SNIPPETS_ENVIRONMENTS_DIR": ""}  # in the site's cache, not the session's shared folder
    old = build(site / "content", site / "out", UV_EXCLUDE_NEWER="2021-01-01T00:00:00Z", **own)
    assert counts(old) == (2 * N, 0), old.stdout + old.stderr
    assert "six 1.15.0" in old.stdout
    new = build(site / "content", site / "out", SNIPPETS_REFRESH_ENVIRONMENTS="1", **own)
    assert counts(new) == (N, N), new.stdout + new.stderr
    assert "six 1.15.0" not in new.stdout and "six 1." in new.stdout


def test_refresh_reruns_everything(site):
    build(site / "content", site / "out")
    assert counts(build(site / "content", site / "out", SNIPPETS_REFRESH="1")) == (2 * N, 0)


def test_failures_are_never_cached(site):
    post = site / "content" / "posts" / "other.md"
    post.write_text(OTHER_POST.replace("print(total)", "print(totl)"))
    assert counts(build(site / "content", site / "out")) == (2 * N, 0)
    assert counts(build(site / "content", site / "out")) == (N, N)


def test_corrupted_entries_are_ignored_and_rebuilt(site):
    build(site / "content", site / "out")
    with sqlite3.connect(site / "cache" / "results.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM results").fetchone() == (2 * N,)
        database.execute("""UPDATE results SET entry = '{"format": 1, "results": [{"stat'""")
    database.close()
    assert counts(build(site / "content", site / "out")) == (2 * N, 0)
    assert counts(build(site / "content", site / "out")) == (0, 2 * N)


def test_a_damaged_database_is_started_afresh(site):
    build(site / "content", site / "out")
    database = site / "cache" / "results.sqlite3"
    database.write_bytes(b"not a database, " * 512)
    result = build(site / "content", site / "out", COLUMNS="200")  # warnings unwrapped
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts(result) == (2 * N, 0)
    assert "was damaged" in result.stdout + result.stderr
    assert counts(build(site / "content", site / "out")) == (0, 2 * N)


def test_a_cache_that_cannot_be_written_warns_once_and_loses_no_result(site):
    (site / "cache").write_text("a file where the cache directory should be")
    result = build(site / "content", site / "out", COLUMNS="200")
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts(result) == (2 * N, 0)
    assert (result.stdout + result.stderr).count("could not") == 1
    page = (site / "out" / "2024" / "fine" / "index.html").read_text()
    assert '<pre><code>6</code></pre>' in page


def test_builds_running_at_once_share_the_cache(tmp_path):
    """Two verifications of the same posts at the same time, then a third reuses every block."""
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    for n in range(12):
        (posts / f"post-{n}.md").write_text(OTHER_POST.replace("[1, 2, 3]", f"[1, 2, 3, {n}, -{n}]"))
    (tmp_path / "pelicanconf.py").write_text(
        f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(tmp_path / 'cache')!r}}}\n")
    command = [sys.executable, "-m", "pelican_snippets"]
    env = dict(os.environ)
    both = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(2)]
    for process in both:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        assert f"12 block(s) in 12 file(s): Python {THIS}: 12 passed" in output
    third = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stdout + third.stderr
    assert counts(third) == (0, 12)


def test_pelicans_own_content_cache_keeps_the_placeholders(site):
    """With Pelican's content cache on, cached posts still get their results filled in."""
    settings = settings_file(site / "cached.py", "LOAD_CONTENT_CACHE = True\nCACHE_CONTENT = True\n"
                             f"CACHE_PATH = {str(site / 'pelican-cache')!r}\n")
    for _ in range(2):  # the second build reads the posts from Pelican's own cache
        result = build(site / "content", site / "out", settings)
        assert result.returncode == 0, result.stdout + result.stderr
        page = (site / "out" / "2024" / "fine" / "index.html").read_text()
        assert '<pre><code>6</code></pre>' in page and "<!--snippet-" not in page
    other = site / "content" / "posts" / "other.md"
    other.write_text(OTHER_POST.replace("[1, 2, 3]", "[2, 2, 2]"))
    result = build(site / "content", site / "out", settings)
    assert counts(result) == (N, N)


def test_an_entry_gone_between_the_key_lookup_and_its_reading_is_run_again(tmp_path):
    """A build reads the cache's keys with its first job and the entries at the end: one that
    another build replaced or lost in between is run, not lost."""
    from pelican_snippets.config import load_config
    from pelican_snippets.extract.collect import read_document
    from pelican_snippets.verify.pipeline import Verifier, verify_documents

    config = load_config({"SNIPPETS": {"cache_dir": str(tmp_path / "cache")}})
    document = read_document(OTHER_POST, "content/posts/other.md")
    first = verify_documents([document], config)
    assert (first.executed, first.reused) == (1, 0)  # one block, on the build's own Python
    verifier = Verifier(config)
    verifier.submit(read_document(OTHER_POST, "content/posts/other.md"))
    assert verifier.stored  # the keys were read, the entry is known to be there
    with sqlite3.connect(tmp_path / "cache" / "results.sqlite3") as database:
        database.execute("DELETE FROM results")
    database.close()
    again = verifier.finish()
    assert (again.executed, again.reused) == (1, 0)
    assert [result.status for result in again.all_results()] == ["passed"]
