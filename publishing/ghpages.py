"""Commit a built site to a GitHub Pages branch with ghp-import, then push it.

Settings (environment BLOG_<NAME> first, then publishconf.py <NAME>, then the default):
  GH_PAGES_REMOTE  git remote to push to (default origin)
  GH_PAGES_BRANCH  branch that GitHub Pages serves (default gh-pages)
  GH_PAGES_CNAME   custom domain written to a CNAME file (default: none)
"""

import subprocess
import sys
from dataclasses import dataclass

from .errors import PublishError


@dataclass
class Destination:
    remote: str = "origin"
    branch: str = "gh-pages"
    cname: str = None

    @classmethod
    def from_settings(cls, settings, remote=None, branch=None, cname=None):
        return cls(
            remote=remote or settings.get("GH_PAGES_REMOTE", "origin"),
            branch=branch or settings.get("GH_PAGES_BRANCH", "gh-pages"),
            cname=cname or settings.get("GH_PAGES_CNAME"),
        )


def _git(root, *args, check=True):
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise PublishError(f"`git {' '.join(args)}` failed: {result.stderr.strip()}")
    return result


def preflight(root, destination):
    """Checks that need no build: a git work tree with the named remote."""
    if _git(root, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        raise PublishError(f"{root} is not a git work tree; gh-pages publishes from the blog's repository.")
    remotes = _git(root, "remote").stdout.split()
    if destination.remote not in remotes:
        raise PublishError(
            f"no git remote named {destination.remote!r} (set BLOG_GH_PAGES_REMOTE or pass --remote). "
            "Nothing was built or pushed."
        )


def _catch_up_with_remote(root, destination):
    """Base the new commit on the branch as the remote has it now, so history is kept.

    ghp-import commits on top of <remote>/<branch> when that ref exists, so fetch
    it fresh; a branch the remote does not have yet is started from scratch.
    """
    remote, branch = destination.remote, destination.branch
    listed = _git(root, "ls-remote", "--heads", remote, f"refs/heads/{branch}", check=False)
    if listed.returncode != 0:
        raise PublishError(f"cannot reach the git remote {remote!r}: {listed.stderr.strip()} Nothing was pushed.")
    if listed.stdout.strip():
        _git(root, "fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    else:
        _git(root, "update-ref", "-d", f"refs/remotes/{remote}/{branch}", check=False)


def publish(root, site, destination, message, push=True):
    """Commit `site` as the whole content of the branch (plus .nojekyll, CNAME), then push."""
    _catch_up_with_remote(root, destination)
    command = [sys.executable, "-m", "ghp_import", "--no-jekyll",
               "--remote", destination.remote, "--branch", destination.branch, "--message", message]
    if destination.cname:
        command += ["--cname", destination.cname]
    print(f"==> committing the site to branch {destination.branch!r}: {message}", flush=True)
    result = subprocess.run(command + [str(site)], cwd=root)
    if result.returncode != 0:
        raise PublishError(f"ghp-import failed (exit status {result.returncode}). Nothing was pushed.")
    if not push:
        print(f"==> not pushed (--no-push): the commit is on the local branch {destination.branch!r}.")
        return
    print(f"==> pushing {destination.branch!r} to {destination.remote!r}", flush=True)
    pushed = subprocess.run(
        ["git", "push", destination.remote, f"refs/heads/{destination.branch}:refs/heads/{destination.branch}"],
        cwd=root,
    )
    if pushed.returncode != 0:
        raise PublishError(
            f"git push failed (exit status {pushed.returncode}); the new commit is only on the "
            f"local branch {destination.branch!r}. Run `invoke gh-pages` again to retry."
        )
