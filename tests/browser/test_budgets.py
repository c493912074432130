"""Size budgets, measured on the built site (uncompressed bytes).

- The theme's own CSS and JavaScript together: at most 20 KB, the highlighting rules
  and the inline script in <head> included (Pagefind's files are not the theme's, and
  load on the search page only).
- The heaviest article page, with everything it loads: under 100 KB.
The measurements are written to test-artifacts/budgets.json.
"""

import json
import re

THEME_BUDGET = 20 * 1024
PAGE_BUDGET = 100 * 1024


def test_theme_css_and_js_fit_in_20_kb(site, site_map, artifacts):
    files = sorted(p for p in (site / "theme").rglob("*") if p.suffix in (".css", ".js"))
    sizes = {p.relative_to(site).as_posix(): p.stat().st_size for p in files}
    home = (site / "index.html").read_text(encoding="utf-8")
    inline = sum(len(m.encode()) for m in re.findall(r"<script>(.*?)</script>", home, flags=re.S))
    sizes["inline <script> in <head>"] = inline
    inline_styles = re.findall(r"<style[^>]*>(.*?)</style>", home, flags=re.S)
    sizes["inline <style>"] = sum(len(s.encode()) for s in inline_styles)
    total = sum(sizes.values())
    _record(artifacts, "theme_css_js", {"files": sizes, "total": total, "budget": THEME_BUDGET})
    assert any(name.endswith(".css") for name in sizes) and any(name.endswith(".js") for name in sizes)
    assert total <= THEME_BUDGET, f"theme CSS+JS is {total} bytes, over {THEME_BUDGET}: {sizes}"


def test_heaviest_article_with_everything_it_loads_is_under_100_kb(open_tab, site_map, artifacts):
    weights = {}
    for article in site_map.articles:
        tab = open_tab()
        loaded = {}

        def on_response(response, loaded=loaded):
            try:
                loaded[response.url] = len(response.body())
            except Exception:  # a redirect has no body
                loaded[response.url] = 0

        tab.page.on("response", on_response)
        tab.goto(article.url)
        tab.page.wait_for_load_state("networkidle")
        assert not tab.foreign_requests(), tab.foreign_requests()
        weights[article.url] = {"total": sum(loaded.values()),
                                "resources": {u.replace(tab.base_url, ""): n for u, n in loaded.items()}}
        tab.close()
    heaviest = max(weights, key=lambda url: weights[url]["total"])
    _record(artifacts, "article_pages", {"heaviest": heaviest, "budget": PAGE_BUDGET, "pages": weights})
    total = weights[heaviest]["total"]
    assert total < PAGE_BUDGET, f"{heaviest} loads {total} bytes: {weights[heaviest]['resources']}"


def _record(artifacts, key, value):
    path = artifacts / "budgets.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[key] = value
    path.write_text(json.dumps(data, indent=2, sort_keys=True))
