"""plugins/post_links on a real small site: each post's newer and older neighbours, and its
related posts (most shared tags first, then the newest), drafts left out."""

import pytest

from .html_tree import parse

# slug: (date, tags, status)
POSTS = {
    "a": ("2025-01-01", "x, y, z", "published"),
    "b": ("2025-01-02", "x, y", "published"),
    "c": ("2025-01-03", "x", "published"),
    "d": ("2025-01-04", "y, z", "published"),
    "e": ("2025-01-05", "unshared", "published"),
    "f": ("2025-01-06", "x, y, z", "draft"),
    "g": ("2025-01-07", "x", "published"),
}

ARTICLE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ article.title }}</title></head><body>
<p>{{ article.newer_post.slug if article.newer_post }}</p>
<p>{{ article.older_post.slug if article.older_post }}</p>
<ol>{% for shared, post in article.related_posts %}<li data-shared="{{ shared }}">{{ post.slug }}</li>{% endfor %}</ol>
</body></html>
"""


def post(slug, date, tags, status):
    return (f"Title: Post {slug}\nDate: {date} 10:00\nSlug: {slug}\nTags: {tags}\nStatus: {status}\n\n"
            f"Post {slug}.\n")


@pytest.fixture(scope="module")
def site(small_site):
    posts = {f"{slug}.md": post(slug, *values) for slug, values in POSTS.items()}
    built = small_site(posts, templates={"article.html": ARTICLE}, PLUGINS=["post_links"])
    assert built.result.returncode == 0, built.printed
    return built


def links(site, slug):
    """(newer slug, older slug, [(shared tags, related slug), ...]) as the page shows them."""
    page = parse(site.read(f"{slug}/index.html"))
    newer, older = (p.text() for p in page.find_all("p"))
    related = [(int(item.attrs["data-shared"]), item.text()) for item in page.find_all("li")]
    return newer, older, related


def test_neighbours_follow_the_dates_and_skip_drafts(site):
    assert links(site, "g")[:2] == ("", "e")  # the draft f, between them, is no neighbour
    assert links(site, "e")[:2] == ("g", "d")
    assert links(site, "a")[:2] == ("b", "")


def test_related_posts_most_shared_tags_first_then_newest_at_most_three(site):
    # a shares x and y with b, y and z with d, x with c and g; the draft f shares all three.
    assert links(site, "a")[2] == [(2, "d"), (2, "b"), (1, "g")]
    assert links(site, "g")[2] == [(1, "c"), (1, "b"), (1, "a")]


def test_a_post_without_shared_tags_has_no_related_posts(site):
    assert links(site, "e")[2] == []
