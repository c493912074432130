"""The author's commands. `invoke --list` shows them; `invoke --help TASK` explains one."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
DEV_SETTINGS = ROOT / "pelicanconf.py"
PUBLISH_SETTINGS = ROOT / "publishconf.py"
OUTPUT = ROOT / "output"
HOST = os.environ.get("BLOG_HOST", "127.0.0.1")
PORT = int(os.environ.get("BLOG_PORT", "8000"))


def pelican(settings, output=OUTPUT, *extra, check=True):
    """Run Pelican in a fresh process so every build sees current plugin code."""
    command = [sys.executable, "-m", "pelican", str(ROOT / "content"),
               "-s", str(settings), "-o", str(output), *extra]
    result = subprocess.run(command, cwd=ROOT)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def serve_directory(path, host=HOST, port=PORT):
    """Serve a built site with Pelican's own server (clean URLs, 404 page)."""
    from pelican.server import ComplexHTTPRequestHandler, RootedHTTPServer

    class Handler(ComplexHTTPRequestHandler):
        def log_message(self, fmt, *args):  # keep the console readable
            pass

    server = RootedHTTPServer(str(path), (host, port), Handler)
    print(f"Serving {path} at http://{host}:{port}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


@task
def clean(c):
    """Remove the generated site (output/)."""
    shutil.rmtree(OUTPUT, ignore_errors=True)


@task
def build(c):
    """Build the site into output/ with the development settings, running every snippet."""
    pelican(DEV_SETTINGS)


@task(pre=[clean])
def rebuild(c):
    """Remove output/ and build again from scratch."""
    pelican(DEV_SETTINGS)


@task
def regenerate(c):
    """Rebuild automatically whenever content changes (Pelican's own watcher)."""
    pelican(DEV_SETTINGS, OUTPUT, "--autoreload")


@task
def serve(c):
    """Serve output/ at http://127.0.0.1:8000/ (BLOG_HOST, BLOG_PORT to change)."""
    serve_directory(OUTPUT)


@task
def reserve(c):
    """Build, then serve."""
    build(c)
    serve(c)


@task
def preview(c):
    """Build with the publish settings into output/, failing on any broken snippet."""
    pelican(PUBLISH_SETTINGS)


@task
def livereload(c):
    """Serve the site and rebuild and reload the browser on any change to content, theme, settings or plugins."""
    from livereload import Server

    def rebuild_site():
        # A failing snippet or post is reported, the pages are still written,
        # and the server keeps running so the error box can be seen.
        code = pelican(DEV_SETTINGS, check=False)
        if code:
            print(f"build finished with errors (exit {code}); still serving")

    rebuild_site()
    server = Server()
    for pattern in ("content/**/*", "theme/**/*", "plugins/**/*.py", "*.py"):
        server.watch(str(ROOT / pattern), rebuild_site)
    server.serve(host=HOST, port=PORT, root=str(OUTPUT))
