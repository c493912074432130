"""`invoke publish`: production build into a fresh directory, then rsync over SSH to a real sshd."""

import re

import pytest

from .helpers import snapshot

KEEP = "2024/publish-fixture-keep/index.html"
REMOVE = "2024/publish-fixture-remove/index.html"
# Files that differ between two builds of the same content: build times and
# snippet timings (sitemap lastmod, the snippets report), and the search index
# built over those pages, whose file names are content hashes.
VOLATILE = ("sitemap.xml", "snippets/", "pagefind/")


def stable(files):
    return {name for name in files if not name.startswith(VOLATILE)}


def published(blog, sshd, *args, **env):
    result = blog.invoke("publish", *args, env=sshd.env(**env))
    assert result.returncode == 0, f"publish failed:\n{result.output}\n--- sshd log ---\n{sshd.log.read_text()}"
    return result


def test_publish_uploads_the_site_then_removes_a_deleted_post(blog, sshd):
    first = published(blog, sshd)

    remote = snapshot(sshd.site_dir)
    expected = blog.reference_build()
    assert stable(remote["files"]) == stable(expected), "the server must hold exactly the production build"
    assert "pagefind/pagefind.js" in remote["files"], "the search index is published too"
    assert {"index.html", "sitemap.xml", "feeds/all.atom.xml", KEEP, REMOVE} <= expected
    assert f"<f+++++++++ {KEEP}" in first.stdout, "each uploaded file is itemized"
    assert (sshd.site_dir / "index.html").stat().st_mode & 0o777 == 0o644
    assert sshd.site_dir.stat().st_mode & 0o777 == 0o755, "a fresh temp dir's 700 must not reach the server"

    blog.remove_post("publish-fixture-remove.md")
    second = published(blog, sshd)

    after = snapshot(sshd.site_dir)
    assert REMOVE not in after["files"]
    assert "2024/publish-fixture-remove" not in after["dirs"]
    assert stable(after["files"]) == stable(remote["files"]) - {REMOVE}
    assert f"*deleting   {REMOVE}" in second.stdout
    assert re.search(r"^==> \d+ file\(s\) were uploaded, \d+ removed\.$", second.stdout, re.M)

    third = published(blog, sshd)
    sent = {line.split(" ", 1)[1] for line in third.stdout.splitlines() if line.startswith("<f")}
    # Checksums decide: an unchanged site sends only what differs between any two builds.
    assert not stable(sent), f"unchanged files were sent again: {stable(sent)}"
    assert KEEP not in sent
    assert stable(snapshot(sshd.site_dir)["files"]) == stable(after["files"])


def test_dry_run_shows_the_changes_and_uploads_nothing(blog, sshd):
    published(blog, sshd)
    before = snapshot(sshd.site_dir)

    blog.remove_post("publish-fixture-remove.md")
    dry = published(blog, sshd, "--dry-run")

    assert f"*deleting   {REMOVE}" in dry.stdout
    assert "dry run" in dry.stdout
    assert snapshot(sshd.site_dir) == before


@pytest.mark.parametrize("broken_post", ["broken-snippet.md", "broken-metadata.md"])
def test_a_failing_build_uploads_nothing(blog, sshd, broken_post):
    published(blog, sshd)
    before = snapshot(sshd.site_dir)

    blog.add_post(broken_post)
    blog.remove_post("publish-fixture-remove.md")  # a change that must not reach the server either
    result = blog.invoke("publish", env=sshd.env())

    assert result.returncode != 0, f"a publish with {broken_post} must fail:\n{result.output}"
    assert "Publish stopped: the production build failed" in result.stderr
    assert "Nothing was uploaded" in result.stderr
    assert "rsync over SSH" not in result.stdout, "rsync must not even start"
    assert snapshot(sshd.site_dir) == before


def test_an_unknown_host_key_stops_the_upload(blog, sshd, tmp_path):
    """Host keys are checked strictly against the configured known_hosts file."""
    published(blog, sshd)
    before = snapshot(sshd.site_dir)
    other = tmp_path / "other_known_hosts"
    other.write_text(f"[127.0.0.1]:{sshd.port} ssh-ed25519 "
                     "AAAAC3NzaC1lZDI1NTE5AAAAIHh0aGlzIGlzIG5vdCB0aGUgc2VydmVyJ3Mga2V5\n")

    blog.remove_post("publish-fixture-remove.md")
    result = blog.invoke("publish", env=sshd.env(BLOG_SSH_KNOWN_HOSTS=str(other)))

    assert result.returncode != 0
    assert "Publish stopped: rsync failed" in result.stderr
    assert "HOST IDENTIFICATION HAS CHANGED" in result.stderr or "verification failed" in result.stderr
    assert snapshot(sshd.site_dir) == before


def test_publish_without_a_server_stops_before_building(blog):
    result = blog.invoke("publish")

    assert result.returncode != 0
    assert "no server configured: set BLOG_SSH_HOST, BLOG_SSH_TARGET_DIR" in result.stderr
    assert "building" not in result.stdout
