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


def index_search(output=OUTPUT, check=True):
    """Index a built site for the theme's search page with Pagefind (the pip package's own binary)."""
    command = [sys.executable, "-m", "pagefind", "--site", str(output), "--silent"]
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


def development_build():
    """Build and index output/; with failing snippets the pages (error boxes and all) are
    still written and indexed, and the exit status says the build failed."""
    status = pelican(DEV_SETTINGS, check=False)
    index_search()
    if status:
        sys.exit(status)


@task
def build(c):
    """Build the site into output/ with the development settings, running every snippet, then index it for search."""
    development_build()


@task(pre=[clean])
def rebuild(c):
    """Remove output/ and build again from scratch."""
    development_build()


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


@task(help={
    "serve": "Serve output/ after the build (default); --no-serve only builds.",
    "local_urls": "Point SITEURL at the local server (default) so links stay local; "
                  "--no-local-urls keeps the production SITEURL.",
})
def preview(c, serve=True, local_urls=True):
    """The production build (publishconf.py: any failing snippet stops it) into output/, then served for a last look."""
    if local_urls:
        os.environ["BLOG_SITEURL"] = f"http://{HOST}:{PORT}"
    pelican(PUBLISH_SETTINGS)
    index_search()
    if serve:
        serve_directory(OUTPUT)


def production_build(output):
    """The site as published: publishconf.py, then the search index. Exit status of the first step that fails."""
    return pelican(PUBLISH_SETTINGS, output, check=False) or index_search(output, check=False)


@task(help={"dry_run": "Build, then show what would change on the server; upload nothing."})
def publish(c, dry_run=False):
    """Build with publishconf.py into a fresh directory; only if that succeeds, rsync it over SSH (BLOG_SSH_*)."""
    from publishing import guard, provenance, rsync, settings

    target = rsync.Target.from_settings(settings.Settings.load(PUBLISH_SETTINGS))
    print(f"==> publishing the site {provenance.build_description(ROOT)}")
    with guard.fresh_build(production_build) as site:
        rsync.sync(site, target, dry_run=dry_run)


@task(help={
    "remote": "Git remote to push to (default: BLOG_GH_PAGES_REMOTE or origin).",
    "branch": "Branch to publish on (default: BLOG_GH_PAGES_BRANCH or gh-pages).",
    "cname": "Custom domain for a CNAME file (default: BLOG_GH_PAGES_CNAME, else none).",
    "push": "Push the branch (default); --no-push only commits it locally.",
})
def gh_pages(c, remote=None, branch=None, cname=None, push=True):
    """Build with publishconf.py into a fresh directory; only if that succeeds, commit it to gh-pages and push."""
    from publishing import ghpages, guard, provenance, settings

    destination = ghpages.Destination.from_settings(
        settings.Settings.load(PUBLISH_SETTINGS), remote=remote, branch=branch, cname=cname)
    ghpages.preflight(ROOT, destination)
    message = f"Publish the site {provenance.build_description(ROOT)}"
    with guard.fresh_build(production_build) as site:
        ghpages.publish(ROOT, site, destination, message, push=push)


@task
def livereload(c):
    """Serve the site and rebuild and reload the browser on any change to content, theme, settings or plugins."""
    from livereload import Server

    def rebuild_site():
        # A failing snippet or post is reported, the pages are still written,
        # and the server keeps running so the error box can be seen.
        code = pelican(DEV_SETTINGS, check=False)
        index_search(check=False)
        if code:
            print(f"build finished with errors (exit {code}); still serving")

    rebuild_site()
    server = Server()
    for pattern in ("content/**/*", "theme/**/*", "plugins/**/*.py", "*.py"):
        server.watch(str(ROOT / pattern), rebuild_site)
    server.serve(host=HOST, port=PORT, root=str(OUTPUT))


@task(help={
    "refresh": "Ignore cached results and run every block again.",
    "update": "Rewrite the `output` fences in the posts from what their blocks print now.",
    "python": "Verify on this interpreter only, e.g. 3.12 (default: every one of SNIPPETS['pythons']).",
    "refresh_environments": "Rebuild the posts' environments (one per interpreter and dependency set).",
})
def snippets(c, refresh=False, update=False, python="", refresh_environments=False):
    """Verify every code block of every post without building the site (the `snippets` command)."""
    command = [sys.executable, "-m", "pelican_snippets", *(["--refresh"] if refresh else []),
               *(["--update"] if update else []), *(["--python", python] if python else []),
               *(["--refresh-environments"] if refresh_environments else [])]
    sys.exit(subprocess.run(command, cwd=ROOT).returncode)
