"""Fixtures for the theme's browser tests: the real site, a real server, a real browser.

site      the development build (the shared `dev_site` fixture: Pelican with
          pelicanconf.py), copied and indexed with Pagefind the way `invoke build` does
server    that copy served by a ThreadingHTTPServer on 127.0.0.1:<free port> in a
          thread (missing paths get 404.html with status 404), stopped at the end
browser   Debian's Chromium (/usr/bin/chromium) driven by Playwright
open_tab  opens a page in a fresh browser context and records every request,
          console message and page error
axe       axe-core (axe-playwright-python), for accessibility.violations()
vnu       vnu(*args) runs the W3C Nu HTML Checker (vnu.jar, with Java) and
          returns its messages

Under CI (CI=true) a missing tool fails the test; elsewhere it skips with the reason.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from required import require

from .local import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, VNU_JAR, serving
from .site import SiteMap


@pytest.fixture(scope="session")
def site(dev_site, tmp_path_factory):
    """The development build, indexed for search exactly like `invoke build` does."""
    out = tmp_path_factory.mktemp("theme") / "site"
    shutil.copytree(dev_site, out)
    result = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(out), "--silent"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"pagefind failed:\n{result.stdout}\n{result.stderr}"
    assert (out / "pagefind" / "pagefind.js").is_file()
    return out


@pytest.fixture(scope="session")
def site_map(site):
    return SiteMap(site)


@pytest.fixture(scope="session")
def server(site):
    with serving(site) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """One page in its own browser context, with everything it did recorded."""

    def __init__(self, browser, base_url, **context_options):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, **context_options)
        self.requests = []
        self.console_errors = []
        self.page_errors = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _console(self, message):
        if message.type in ("error", "assert"):
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def goto(self, path, wait_until="load"):
        response = self.page.goto(self.base_url + path, wait_until=wait_until)
        return response

    def foreign_requests(self):
        """Requests that left the origin (data: and blob: URLs never leave the browser)."""
        return [url for url in self.requests
                if not url.startswith(self.base_url + "/") and not url.startswith(("data:", "blob:"))]

    def close(self):
        self.context.close()


@pytest.fixture
def open_tab(browser, server):
    """open_tab(**context options) -> Tab on the site; base_url=... for another server."""
    tabs = []

    def open_(base_url=server, **context_options):
        tab = Tab(browser, base_url, **context_options)
        tabs.append(tab)
        return tab

    yield open_
    for tab in tabs:
        tab.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="session")
def vnu():
    java = shutil.which("java")
    require(java is not None, "Java is missing (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), f"{VNU_JAR} is missing (npm ci --ignore-scripts)")

    def run(*args):
        result = subprocess.run([java, "-Xss16m", "-jar", str(VNU_JAR), "--format", "json", *map(str, args)],
                                capture_output=True, text=True, timeout=600)
        assert result.stderr.strip(), f"vnu printed nothing (exit {result.returncode}): {result.stdout}"
        return json.loads(result.stderr)["messages"]

    return run
