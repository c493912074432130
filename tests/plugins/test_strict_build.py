"""plugins/strict_build on real small sites: a post Pelican cannot read fails the build with
`file:line: error:` after the other pages are written, a sound site builds as before, and the
two Pelican internals the plugin relies on still behave as it expects."""

import logging
import re

import pytest
from pelican import Pelican
from pelican.settings import read_settings
from strict_build import failed_source

GOOD = "Title: A good post\nDate: 2025-01-02 10:00\nSlug: good\n\nThis one is fine.\n"
BROKEN = "Title: A broken post\nDate: 2024-13-45\nSlug: broken\n\nIts date does not exist.\n"


@pytest.fixture(scope="module")
def broken_site(small_site):
    return small_site({"good.md": GOOD, "broken.md": BROKEN}, PLUGINS=["strict_build"])


def test_an_unreadable_post_fails_the_build_naming_its_date_line(broken_site):
    assert broken_site.result.returncode == 1, broken_site.printed
    assert re.search(r"broken\.md:2: error: Could not process .*2024-13-45", broken_site.printed), broken_site.printed
    # Everything else is still written.
    assert (broken_site.output / "good" / "index.html").is_file()
    assert not (broken_site.output / "broken").exists()


def test_the_failure_is_a_message_not_a_traceback(broken_site):
    assert "Traceback" not in broken_site.printed, (
        "strict_build ends a build by raising BuildFailed, a SystemExit, from a `finalized` receiver. It relies on "
        "a Pelican internal: pelican.main() catches Exception only, and lets a SystemExit end the command with its "
        "status and no traceback (pelican==4.12.0). This Pelican printed:\n" + broken_site.printed)
    assert "Build failed: the build logged 1 error(s):" in broken_site.result.stderr


def test_a_sound_site_builds_as_before(small_site):
    built = small_site({"good.md": GOOD}, PLUGINS=["strict_build"])
    assert built.result.returncode == 0, built.printed
    assert "error" not in built.printed.lower(), built.printed
    assert (built.output / "good" / "index.html").is_file()


def test_pelican_still_logs_an_unreadable_file_the_way_failed_source_reads_it(tmp_path):
    """Pelican itself, without any plugin, reading a post whose date does not exist."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts" / "broken.md").write_text(BROKEN, encoding="utf-8")
    settings = read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(tmp_path / "output"), "CACHE_PATH": str(tmp_path / "cache"),
        "PLUGINS": [], "SITEURL": "https://small.example.org", "TIMEZONE": "UTC",
    })
    seen = []

    class Probe(logging.Handler):
        def emit(self, record):  # while Pelican is still handling the exception, as strict_build's handler does
            seen.append((record.getMessage(), *failed_source(record, content)))

    probe = Probe(level=logging.ERROR)
    logger = logging.getLogger("pelican")
    logger.addHandler(probe)
    try:
        Pelican(settings).run()
    finally:
        logger.removeHandler(probe)
    internal = (
        "strict_build.failed_source relies on a Pelican internal (pelican.generators, pelican==4.12.0): a content "
        "file it cannot read is logged at ERROR as \"Could not process %s\" with the file's path, relative to PATH, "
        "as the argument, from inside the `except` block that caught the error. This Pelican logged: " + repr(seen))
    assert len(seen) == 1, internal
    message, path, exc = seen[0]
    assert message.startswith("Could not process") and path == content / "posts" / "broken.md", internal
    assert exc is not None and "2024-13-45" in str(exc), internal
