"""Upload a built site to a server with rsync over SSH.

Settings (environment BLOG_<NAME> first, then publishconf.py <NAME>):
  SSH_HOST         server name or address (required)
  SSH_TARGET_DIR   directory on the server that holds the site (required)
  SSH_USER         login name (default: ssh's own choice, e.g. from ~/.ssh/config)
  SSH_PORT         default 22
  SSH_KEY_FILE     private key to log in with (default: the SSH agent and ssh's defaults)
  SSH_KNOWN_HOSTS  a known_hosts file to check the server's key against, strictly
  SSH_OPTIONS      further ssh options, as one shell-quoted string (e.g. "-F none")
"""

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import PublishError

# Directories 755, files 644 on the server, whatever the build directory's modes
# (a fresh temporary directory is 700). No -t: mtimes of a fresh build always
# differ, so -c (checksums) alone decides what changed and only real changes show.
RSYNC_OPTIONS = [
    "--recursive",
    "--copy-links",
    "--perms",
    "--chmod=D755,F644",
    "--checksum",
    "--compress",
    "--delay-updates",   # new files go into place together, at the end
    "--delete-after",    # and only then are the files no longer in the site removed
    "--itemize-changes",
]


@dataclass
class Target:
    host: str
    target_dir: str
    user: str = None
    port: int = 22
    key_file: str = None
    known_hosts: str = None
    ssh_options: str = ""

    @classmethod
    def from_settings(cls, settings):
        missing = [name for name in ("SSH_HOST", "SSH_TARGET_DIR") if not settings.get(name)]
        if missing:
            names = ", ".join(f"BLOG_{name}" for name in missing)
            raise PublishError(
                f"no server configured: set {names} in the environment "
                "(see README, 'Publishing'). Nothing was built or uploaded."
            )
        target = cls(
            host=str(settings.get("SSH_HOST")),
            target_dir=str(settings.get("SSH_TARGET_DIR")),
            user=settings.get("SSH_USER"),
            port=settings.get_int("SSH_PORT", 22),
            key_file=settings.get("SSH_KEY_FILE"),
            known_hosts=settings.get("SSH_KNOWN_HOSTS"),
            ssh_options=settings.get("SSH_OPTIONS", ""),
        )
        target.check()
        return target

    def check(self):
        if self.target_dir.strip().rstrip("/") in ("", "~", "."):
            raise PublishError(
                "SSH_TARGET_DIR must name the site's own directory, not a root or home "
                "directory: rsync deletes what is not in the site."
            )
        for name, path in (("SSH_KEY_FILE", self.key_file), ("SSH_KNOWN_HOSTS", self.known_hosts)):
            if path and not Path(path).expanduser().is_file():
                raise PublishError(f"{name} (BLOG_{name}) names a file that does not exist.")

    def ssh_command(self):
        """The `ssh ...` that rsync runs, as one string for rsync's -e."""
        command = ["ssh", *shlex.split(self.ssh_options or ""), "-p", str(self.port)]
        if self.key_file:
            command += ["-i", str(Path(self.key_file).expanduser()), "-o", "IdentitiesOnly=yes"]
        if self.known_hosts:
            known_hosts = str(Path(self.known_hosts).expanduser())
            if " " in known_hosts:
                known_hosts = f'"{known_hosts}"'
            command += ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes"]
        if not sys.stdin.isatty():
            command += ["-o", "BatchMode=yes"]  # never wait for a password nobody can type
        return " ".join(shlex.quote(part) for part in command)

    def destination(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        login = f"{self.user}@" if self.user else ""
        return f"{login}{host}:{self.target_dir.rstrip('/')}/"


def rsync_command(site, target, dry_run=False):
    command = ["rsync", *RSYNC_OPTIONS, "-e", target.ssh_command()]
    if dry_run:
        command.append("--dry-run")
    return command + [f"{Path(site)}/", target.destination()]


def sync(site, target, dry_run=False):
    """Make the server's directory equal to `site`, printing each change."""
    what = "would change (dry run, nothing is uploaded)" if dry_run else "changes"
    print(f"==> rsync over SSH to the configured server; {what}:", flush=True)
    counts = {"sent": 0, "deleted": 0}
    try:
        process = subprocess.Popen(rsync_command(site, target, dry_run), stdout=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise PublishError("rsync is not installed (apt-get install rsync). Nothing was uploaded.") from None
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("*deleting") and not line.rstrip().endswith("/"):
            counts["deleted"] += 1
        elif line[:2] in ("<f", ">f"):
            counts["sent"] += 1
    status = process.wait()
    if status != 0:
        raise PublishError(
            f"rsync failed (exit status {status}; see its message above). With --delay-updates "
            "the server keeps the previous site unless rsync stopped while moving files into place."
        )
    verb = "would be" if dry_run else "were"
    print(f"==> {counts['sent']} file(s) {verb} uploaded, {counts['deleted']} removed.")
