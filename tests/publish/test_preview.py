"""`invoke preview`: the production build into output/, served locally for a last look."""

import time
import urllib.request

from .helpers import free_port, snapshot


def fetch(url, deadline):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_preview_builds_with_publishconf_and_serves_it(blog, tmp_path):
    port = free_port()
    log_path = tmp_path / "preview.log"
    with open(log_path, "w") as log:
        server = blog.start("preview", env={"BLOG_PORT": str(port)}, log=log)
    try:
        page = fetch(f"http://127.0.0.1:{port}/2024/publish-fixture-keep/", time.monotonic() + 120)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert "Publish fixture: a post that" in page, log_path.read_text()
    assert f"http://127.0.0.1:{port}/" in page, "links point at the local server, not production"
    assert (blog.path / "output" / "sitemap.xml").is_file()


def test_preview_stops_on_a_broken_snippet(blog):
    blog.add_post("broken-snippet.md")

    result = blog.invoke("preview", "--no-serve")

    assert result.returncode != 0, result.output
    assert "Serving" not in result.stdout


def test_preview_can_keep_the_production_urls(blog):
    result = blog.invoke("preview", "--no-serve", "--no-local-urls", env={"BLOG_SITEURL": "https://blog.example.org"})

    assert result.returncode == 0, result.output
    assert "https://blog.example.org/2024/publish-fixture-keep/" in (blog.path / "output" / "sitemap.xml").read_text()
    assert "index.html" in snapshot(blog.path / "output")["files"]
