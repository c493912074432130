"""`invoke livereload` for real: a server on 127.0.0.1 that rebuilds when a post changes,
re-running that post's snippets and no other's, and keeps serving when a snippet breaks."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pelican_snippets.extract.collect import read_document

ROOT = Path(__file__).resolve().parent.parent
COPIED = ["content", "theme", "plugins", "publishing", "pelicanconf.py", "publishconf.py", "tasks.py"]
POST = "content/posts/python-class-vs-instance-attributes.md"
URL_PATH = "/2025/python-class-vs-instance-attributes/"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def served_blog(tmp_path):
    blog = tmp_path / "blog"
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, blog / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, blog / name)
    port = free_port()
    log = tmp_path / "livereload.log"
    env = {**os.environ, "BLOG_PORT": str(port), "SNIPPETS_CACHE_DIR": str(tmp_path / "cache")}
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "invoke", "livereload"], cwd=blog, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}{URL_PATH}"
    try:
        wait_for(lambda: "class attributes" in fetch(url).lower(), 240, "the first build to be served")
        yield blog, url, log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)


def builds(log):
    return re.findall(r"(\d+) run now, (\d+) from cache", log.read_text())


def test_editing_a_post_rebuilds_it_and_reruns_only_its_blocks(served_blog):
    blog, url, log = served_blog
    assert len(builds(log)) == 1
    post = blog / POST
    text = post.read_text()
    blocks_in_post = len(read_document(text, POST).blocks)
    edited = text.replace(
        "print(rex.name, fido.name)   # each found on its own instance",
        "print(rex.name, fido.name, sep=' & ')   # each found on its own instance").replace(
        "canine canine\nRex Fido\n", "canine canine\nRex & Fido\n")
    assert edited != text
    post.write_text(edited)
    wait_for(lambda: "Rex &amp; Fido" in fetch(url), 240, "the rebuilt page")
    wait_for(lambda: len(builds(log)) >= 2, 60, "the rebuild's snippet summary")
    summary = re.findall(r"snippets: \d+ block.*", log.read_text())[-1]
    total, skipped = re.match(r"snippets: (\d+) block.* (\d+) skipped", summary).groups()
    pythons = len(re.findall(r"Python 3\.\d+: ", summary))  # each block runs once on each
    # this post's blocks ran again; every other post's came from the cache (skipped ones never run)
    assert builds(log)[-1] == (str(blocks_in_post * pythons),
                               str((int(total) - int(skipped) - blocks_in_post) * pythons))


def test_a_broken_snippet_shows_the_error_box_and_the_server_keeps_serving(served_blog):
    blog, url, log = served_blog
    post = blog / POST
    post.write_text(post.read_text().replace('print(Dog.kind)', 'print(Dog.knid)'))
    wait_for(lambda: 'class="snippet-error"' in fetch(url), 240, "the error box")
    page = fetch(url)
    assert "AttributeError" in page and "knid" in page
    assert "build finished with errors (exit 1); still serving" in log.read_text()
    assert "Snippet verification failed" in log.read_text()
