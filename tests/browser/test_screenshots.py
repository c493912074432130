"""Screenshots of home and an article, light and dark, phone and desktop, into test-artifacts/.

They are for people to look at; the test checks that they were made and that the
page fits the width (no sideways scrolling of the page itself).
"""

import pytest

WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(WIDTHS))
@pytest.mark.parametrize("name", ["home", "article"])
def test_screenshot(open_tab, site_map, artifacts, name, device, scheme):
    width = WIDTHS[device]
    tab = open_tab(viewport={"width": width, "height": 900}, color_scheme=scheme,
                   device_scale_factor=1, is_mobile=device == "phone", has_touch=device == "phone")
    tab.goto(site_map.key_pages()[name])
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
    target = artifacts / f"{name}-{device}-{scheme}.png"
    tab.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    top = artifacts / f"{name}-{device}-{scheme}-top.png"
    tab.page.screenshot(path=str(top))
    assert not tab.console_errors and not tab.page_errors
