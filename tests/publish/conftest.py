"""Real components for the publishing tests, started and stopped by the tests.

- `blog`: a copy of this repository (without .venv, output, .git and caches) in
  a temporary directory, with the fixture posts added to its copy of content/,
  made a git repository of its own. The tasks run there with `python -m invoke`,
  so the real tasks.py and publishing/ code do the work.
- `sshd`: an OpenSSH server (/usr/sbin/sshd) on a free port of 127.0.0.1 with a
  throwaway config, host key and client key; the "remote" site directory is in tmp.
- `bare_remote`: a bare git repository standing in for GitHub, the blog's `origin`.

Under CI (CI=true) a missing server or tool fails the test; elsewhere it skips.
"""

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from required import require

from .helpers import free_port, git, require_tool, run, snapshot

REPO = Path(__file__).resolve().parents[2]
FIXTURE_POSTS = Path(__file__).resolve().parent / "fixtures" / "posts"
SSHD = Path("/usr/sbin/sshd")
NOT_COPIED = {".venv", ".git", "output", "cache", ".snippets-cache", "__pycache__",
              ".pytest_cache", "test-artifacts", "node_modules", "tests"}
TASK_TIMEOUT = 600


@dataclass
class Blog:
    path: Path
    snippet_results: Path | None = None  # a result cache shared by the session's copies


    @property
    def posts(self):
        return self.path / "content" / "posts"

    def add_post(self, fixture_name):
        shutil.copy(FIXTURE_POSTS / fixture_name, self.posts / fixture_name)

    def remove_post(self, fixture_name):
        (self.posts / fixture_name).unlink()

    def _environ(self, env):
        """The test's environment; BLOG_* settings come only from `env`."""
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith("BLOG_") and k != "SSH_AUTH_SOCK"}
        if self.snippet_results:  # every copy has the same posts: their snippets run once a session
            environ["SNIPPETS_CACHE_DIR"] = str(self.snippet_results)
        environ.update(env or {})
        return environ

    def invoke(self, *args, env=None):
        """Run a task of the copied repository to the end."""
        result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=self.path, env=self._environ(env),
                                capture_output=True, text=True, timeout=TASK_TIMEOUT, stdin=subprocess.DEVNULL)
        result.output = result.stdout + result.stderr
        return result

    def start(self, *args, env=None, log=None):
        """Start a long-running task (a server) of the copied repository; the caller stops it."""
        return subprocess.Popen([sys.executable, "-m", "invoke", *args], cwd=self.path, env=self._environ(env),
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def reference_build(self):
        """The files of a production build of the current content, made by `invoke preview` into output/."""
        result = self.invoke("preview", "--no-serve", "--no-local-urls")
        assert result.returncode == 0, result.output
        return set(snapshot(self.path / "output")["files"])


def _not_copied(directory, names):
    if Path(directory) == REPO:
        return NOT_COPIED & set(names)
    return {name for name in names if name in ("__pycache__", ".snippets-cache")}


@pytest.fixture(scope="session")
def snippet_results(tmp_path_factory):
    return tmp_path_factory.mktemp("publish-snippet-results")


@pytest.fixture
def blog(tmp_path, snippet_results):
    require_tool("git")
    path = tmp_path / "blog"
    shutil.copytree(REPO, path, ignore=_not_copied)
    site = Blog(path, snippet_results)
    site.posts.mkdir(parents=True, exist_ok=True)
    for name in ("publish-fixture-keep.md", "publish-fixture-remove.md"):
        site.add_post(name)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.name", "Publish Test")
    git(path, "config", "user.email", "publish-test@example.invalid")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "Blog copy for the publishing tests")
    return site


def _keygen(path):
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "publish-test", "-f", str(path)])
    return path.with_name(path.name + ".pub").read_text().strip()


@dataclass
class SshServer:
    port: int
    user: str
    key_file: Path
    known_hosts: Path
    site_dir: Path
    log: Path

    def env(self, **extra):
        """The publish settings for this server, as `invoke publish` reads them."""
        values = {
            "BLOG_SSH_HOST": "127.0.0.1",
            "BLOG_SSH_PORT": str(self.port),
            "BLOG_SSH_USER": self.user,
            "BLOG_SSH_TARGET_DIR": str(self.site_dir),
            "BLOG_SSH_KEY_FILE": str(self.key_file),
            "BLOG_SSH_KNOWN_HOSTS": str(self.known_hosts),
            "BLOG_SSH_OPTIONS": "-F none",  # the test machine's ~/.ssh/config plays no part
        }
        values.update(extra)
        return values


@pytest.fixture
def sshd(tmp_path):
    require(SSHD.is_file() and os.access(SSHD, os.X_OK),
            f"the OpenSSH server {SSHD} is not available (./dev test installs openssh-server)")
    for tool in ("ssh", "ssh-keygen", "rsync"):
        require_tool(tool)
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        Path("/run/sshd").mkdir(mode=0o755, parents=True)  # sshd's privilege separation directory

    home = tmp_path / "sshd"
    home.mkdir()
    host_pub = _keygen(home / "ssh_host_ed25519_key")
    client_pub = _keygen(home / "client_key")
    (home / "authorized_keys").write_text(client_pub + "\n")
    port = free_port()
    (home / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub}\n")
    (home / "sshd_config").write_text("\n".join([
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {home / 'ssh_host_ed25519_key'}",
        f"PidFile {home / 'sshd.pid'}",
        f"AuthorizedKeysFile {home / 'authorized_keys'}",
        "StrictModes no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        f"AllowUsers {getpass.getuser()}",
        "LogLevel VERBOSE",
        "",
    ]))
    site_dir = tmp_path / "remote" / "site"
    site_dir.mkdir(parents=True)
    log = home / "sshd.log"

    checked = run([str(SSHD), "-t", "-f", str(home / "sshd_config")], check=False)
    assert checked.returncode == 0, f"sshd rejects the test config: {checked.stderr}"
    with open(log, "w") as log_file:
        process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(home / "sshd_config")],
                                   stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise AssertionError(f"sshd exited ({process.returncode}):\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"sshd did not listen on port {port}:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield SshServer(port=port, user=getpass.getuser(), key_file=home / "client_key",
                        known_hosts=home / "known_hosts", site_dir=site_dir, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def bare_remote(tmp_path, blog):
    """A bare repository as the blog's `origin`, standing in for GitHub."""
    remote = tmp_path / "github" / "blog.git"
    remote.parent.mkdir()
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(blog.path, "remote", "add", "origin", str(remote))
    return remote
