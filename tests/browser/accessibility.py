"""axe-core as the accessibility tests run it: the WCAG 2.1 A and AA rules every page must pass."""

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(axe, page, tags: list[str] = WCAG_TAGS) -> tuple[int, str]:
    """How many of axe's rules tagged `tags` the page violates, and axe's report of them."""
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]})
    return results.violations_count, results.generate_report()
