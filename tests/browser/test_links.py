"""Every internal link and asset of the built site resolves to a file in it, fragments included."""

import re
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urldefrag, urlsplit

LINK_ATTRS = {"href", "src", "poster", "action", "data-bundle"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.rels = {}  # URL of a <link> -> its rel values
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "link" and attrs.get("href"):
            self.rels[attrs["href"]] = set((attrs.get("rel") or "").split())
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for name, value in attrs.items():
            if name in LINK_ATTRS and value is not None:
                self.links.append((tag, name, value))
            if name == "srcset" and value:
                self.links += [(tag, name, part.split()[0]) for part in value.split(",") if part.strip()]


def _parse(path):
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(site, page, url):
    """The file an internal URL points to, or None for an external one."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return page  # a fragment on the same page
    if parts.path.startswith("/"):
        relative = PurePosixPath(unquote(parts.path)).relative_to("/")
        candidate = site / relative
    else:
        candidate = page.parent / unquote(parts.path)
    if parts.path.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate


def test_every_internal_link_and_asset_resolves(site, site_map):
    parsed = {page: _parse(page) for page in site_map.html_files}
    broken, checked = [], 0
    for page, parser in parsed.items():
        for tag, attr, url in parser.links:
            if url.startswith(("mailto:", "tel:", "javascript:")):
                continue
            target = _target(site, page, url)
            if target is None:
                continue
            checked += 1
            where = f"{page.relative_to(site)}: <{tag} {attr}={url!r}>"
            if not target.resolve().is_relative_to(site.resolve()) or not target.is_file():
                broken.append(f"{where} -> missing {target}")
                continue
            fragment = urldefrag(url).fragment
            if fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{where} -> no id {fragment!r} in {target.relative_to(site)}")
    assert checked > 100, f"only {checked} links checked"
    assert not broken, "\n".join(broken)


NON_LOADING_RELS = {"alternate", "canonical", "author", "license", "me", "next", "prev", "bookmark", "tag"}


def test_no_page_loads_anything_from_another_host(site, site_map):
    """Links to other sites are fine; loading anything from them (scripts, styles, images,
    fonts, frames, preloads) is not."""
    offenders = []
    for page in site_map.html_files:
        parser = _parse(page)
        for tag, attr, url in parser.links:
            if not urlsplit(url).netloc:
                continue
            if tag == "a" or attr == "action":
                continue
            if tag == "link" and parser.rels.get(url, {"?"}) <= NON_LOADING_RELS:
                continue
            offenders.append(f"{page.relative_to(site)}: <{tag} {attr}={url}>")
    for css in (site / "theme").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        if "@import" in text:
            offenders.append(f"{css.relative_to(site)}: @import")
        for url in re.findall(r"url\(\s*[\"']?([^)\"']*)", text):
            if urlsplit(url).netloc:
                offenders.append(f"{css.relative_to(site)}: url({url})")
    assert not offenders, "\n".join(offenders)
