"""`invoke gh-pages`: production build into a fresh directory, ghp-import, push to a real bare repository."""

import re

import pytest

from .helpers import git, run

KEEP = "2024/publish-fixture-keep/index.html"
REMOVE = "2024/publish-fixture-remove/index.html"
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def pushed(blog, *args, **env):
    result = blog.invoke("gh-pages", *args, env=env)
    assert result.returncode == 0, f"gh-pages failed:\n{result.output}"
    return result


def branch_head(repository, branch="gh-pages"):
    found = run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=repository, check=False)
    return found.stdout.strip() or None


def tree(repository, branch="gh-pages"):
    return set(git(repository, "ls-tree", "-r", "--name-only", branch).splitlines())


def test_gh_pages_publishes_the_site_and_keeps_history(blog, bare_remote):
    source = git(blog.path, "rev-parse", "--short", "HEAD")
    pushed(blog)

    files = tree(bare_remote)
    assert {"index.html", "sitemap.xml", "feeds/all.atom.xml", KEEP, REMOVE, ".nojekyll"} <= files
    assert "CNAME" not in files
    first = branch_head(bare_remote)
    message = git(bare_remote, "log", "-1", "--format=%B", "gh-pages")
    assert re.fullmatch(rf"Publish the site built {STAMP} from {source}", message), message
    assert "devnotes.example.org" in git(bare_remote, "show", "gh-pages:index.html"), "publishconf's SITEURL"

    blog.remove_post("publish-fixture-remove.md")  # now the blog's tree is dirty
    pushed(blog, BLOG_GH_PAGES_CNAME="blog.example.org")

    assert git(bare_remote, "rev-list", "--count", "gh-pages") == "2"
    assert git(bare_remote, "rev-parse", "gh-pages^") == first, "the new commit sits on the previous one"
    assert REMOVE not in tree(bare_remote)
    assert git(bare_remote, "show", "gh-pages:CNAME").strip() == "blog.example.org"
    message = git(bare_remote, "log", "-1", "--format=%B", "gh-pages")
    assert re.fullmatch(rf"Publish the site built {STAMP} from {source} \(dirty: uncommitted changes\)", message)


def test_a_fresh_clone_continues_the_published_history(blog, bare_remote):
    """Without a local gh-pages branch (a new clone, another machine) history is still kept."""
    pushed(blog)
    first = branch_head(bare_remote)
    git(blog.path, "branch", "-D", "gh-pages")
    run(["git", "update-ref", "-d", "refs/remotes/origin/gh-pages"], cwd=blog.path)

    pushed(blog)

    assert git(bare_remote, "rev-list", "--count", "gh-pages") == "2"
    assert git(bare_remote, "rev-parse", "gh-pages^") == first


def test_branch_and_remote_come_from_the_settings(blog, bare_remote, tmp_path):
    other = tmp_path / "github" / "other.git"
    git(tmp_path, "init", "--quiet", "--bare", str(other))
    git(blog.path, "remote", "add", "pages", str(other))

    pushed(blog, "--branch", "site", BLOG_GH_PAGES_REMOTE="pages")

    assert "index.html" in tree(other, "site")
    assert branch_head(bare_remote) is None and branch_head(bare_remote, "site") is None


@pytest.mark.parametrize("broken_post", ["broken-snippet.md", "broken-metadata.md"])
def test_a_failing_build_pushes_nothing(blog, bare_remote, broken_post):
    pushed(blog)
    remote_before = branch_head(bare_remote)
    local_before = branch_head(blog.path)

    blog.add_post(broken_post)
    blog.remove_post("publish-fixture-remove.md")
    result = blog.invoke("gh-pages")

    assert result.returncode != 0, f"gh-pages with {broken_post} must fail:\n{result.output}"
    assert "Publish stopped: the production build failed" in result.stderr
    assert "committing the site" not in result.stdout
    assert branch_head(bare_remote) == remote_before
    assert branch_head(blog.path) == local_before, "not even a local commit"


def test_an_unknown_remote_stops_before_building(blog):
    result = blog.invoke("gh-pages", "--remote", "nowhere")

    assert result.returncode != 0
    assert "no git remote named 'nowhere'" in result.stderr
    assert "building" not in result.stdout
