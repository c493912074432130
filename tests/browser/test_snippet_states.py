"""The theme with every kind of snippet result the plugin can write, from a real build.

A fixture post (written to a temporary content directory) has a block whose printed
output is shown, one checked against an ```output fence, a skipped one and a failing
one. Pelican builds it with the real settings and plugin (the build exits 1 because of
the failing block, and still writes the page with the error box); the page is then
checked in the browser, both colour schemes, and screenshots go to test-artifacts/.
"""

import textwrap

import pytest

from .accessibility import violations
from .local import ROOT, serving

POST = textwrap.dedent('''\
    Title: Every snippet state
    Date: 2026-01-02 10:00
    Category: Testing
    Tags: testing, theme
    Slug: every-snippet-state
    Summary: A fixture post whose snippets print, match, are skipped and fail.

    ## Printed output

    ```python output
    for n in range(3):
        print("line", n)
    ```

    ## Expected output

    ```python
    print("checked against the fence below")
    ```

    ```output
    checked against the fence below
    ```

    ## Skipped

    ```python skip="needs a GPU, which the build machine does not have"
    import not_installed_anywhere
    ```

    ## Failing

    ```python
    theme_fixture_undefined_name + 1
    ```

    Text after the failure.
    ''')


@pytest.fixture(scope="module")
def states_site(run_pelican, tmp_path_factory):
    content = tmp_path_factory.mktemp("states-content")
    (content / "posts").mkdir()
    (content / "posts" / "every-snippet-state.md").write_text(POST, encoding="utf-8")
    (content / "extra").mkdir()
    (content / "extra" / "favicon.svg").write_bytes((ROOT / "content" / "extra" / "favicon.svg").read_bytes())
    output = tmp_path_factory.mktemp("states") / "output"
    result = run_pelican("pelicanconf.py", output, content=content)
    page = output / "2026" / "every-snippet-state" / "index.html"
    assert page.is_file(), f"the page was not written:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.returncode == 1, "a failing snippet must fail the development build (after writing pages)"
    return output


@pytest.fixture(scope="module")
def states_url(states_site):
    with serving(states_site) as base_url:
        yield base_url


def test_the_page_shows_every_state(states_site):
    html = (states_site / "2026" / "every-snippet-state" / "index.html").read_text(encoding="utf-8")
    for marker in ('class="snippet-output"', 'class="snippet-note snippet-skipped"',
                   'class="snippet-error" role="alert"', 'class="language-output"',
                   "snippet-badge is-failed"):
        assert marker in html, marker


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_snippet_states_are_accessible_and_look_right(open_tab, states_url, artifacts, axe, scheme):
    tab = open_tab(base_url=states_url, color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = tab.page
    tab.goto("/2026/every-snippet-state/")
    page.wait_for_load_state("networkidle")
    badge = page.locator(".snippet-badge")
    text = " ".join(badge.inner_text().split())
    assert "1 of 4 snippets failed" in text and "1 skipped" in text and "Python 3." in text, text
    # It links to the verification report (the lead moved it from /verification/ to /snippets/).
    assert badge.get_attribute("href") in ("/snippets/", "/verification/")
    error = page.locator(".snippet-error")
    assert error.get_attribute("role") == "alert"
    assert "NameError" in error.inner_text()
    # The error box and output panels stand out from ordinary code blocks.
    code_bg = page.locator(".highlight").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert error.evaluate("el => getComputedStyle(el).backgroundColor") != code_bg
    assert page.locator(".snippet-output").evaluate("el => getComputedStyle(el).backgroundColor") != code_bg
    # Output fences get a label and no copy button; code gets both.
    assert page.locator(".highlight:has(.language-output) .code-bar").inner_text().strip().lower() == "expected output"
    assert page.locator(".highlight:has(.language-output) .copy-button").count() == 0
    assert page.locator(".highlight:has(.language-python) .copy-button").count() == 4
    count, report = violations(axe, page)
    assert count == 0, report
    page.screenshot(path=str(artifacts / f"snippet-states-desktop-{scheme}.png"), full_page=True)
    assert not tab.foreign_requests()
    assert not tab.page_errors and not tab.console_errors
