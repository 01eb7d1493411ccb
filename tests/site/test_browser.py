"""The site in a real headless browser (Debian's Chromium driven by Playwright), served by a
static loopback server: pages load without console errors, search and facets work, the explorer
filters and its URL reproduces the view, charts render, and axe-core finds no WCAG A/AA violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.site.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site-browser")]

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LEVEL3 = "labour-market/level-3-qualifications/"
LEVEL3_TITLE = "People aged 16 to 64 with level 3 or above qualifications"


class Tab:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, path
        self.page.wait_for_load_state("networkidle")
        return self.page


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    opened = Tab(page, server)
    yield opened
    context.close()
    assert opened.errors == []


def result_titles(page: Any) -> list[str]:
    return page.locator("[data-search-results] h3").all_inner_texts()


def manifest(built: Path) -> dict[str, Any]:
    import json
    loaded: dict[str, Any] = json.loads((built / "manifest.json").read_text("utf-8"))
    return loaded


def test_the_home_page_loads_with_families_and_latest_releases(tab: Tab, built: Path) -> None:
    datasets = manifest(built)["datasets"]
    page = tab.open("index.html")
    assert page.locator("h1").inner_text().strip() != ""
    assert page.locator("h2", has_text="Dataset families").count() == 1
    assert page.locator(".cogs-card h3 a").count() == len({d["id"].split("/")[0] for d in datasets})
    assert page.locator(".cogs-dataset-list li").count() == min(10, len(datasets))
    # GOV.UK Frontend is loaded from the site itself and styles the page.
    assert page.evaluate("getComputedStyle(document.querySelector('.govuk-heading-xl')).fontWeight") == "700"


def test_search_from_the_home_page_finds_a_dataset_by_title(tab: Tab) -> None:
    page = tab.open("index.html")
    page.fill("#home-search", "qualifications")
    page.click("form[role=search] button")
    page.wait_for_selector("[data-search-results] h3")
    assert "q=qualifications" in page.url
    assert result_titles(page)[0] == LEVEL3_TITLE


@pytest.mark.parametrize("query", ["E09000033", "Westminster"])
def test_search_finds_the_datasets_that_contain_a_code_or_its_label(tab: Tab, query: str) -> None:
    page = tab.open(f"search/index.html?q={query}")
    page.wait_for_selector("[data-search-results] h3")
    assert LEVEL3_TITLE in result_titles(page)
    codes = page.locator("[data-search-codes]").inner_text()
    assert "Westminster (E09000033)" in codes
    # Westminster is in no trade or energy dataset.
    assert all("trade" not in t.lower() for t in result_titles(page))


def test_a_facet_narrows_the_results_and_lives_in_the_url(tab: Tab, built: Path) -> None:
    datasets = manifest(built)["datasets"]
    page = tab.open("search/index.html")
    page.wait_for_selector("[data-search-results] h3")
    everything = result_titles(page)
    assert sorted(everything) == sorted(d["title"] for d in datasets)
    page.locator("[data-facet=family] label", has_text="Trade").click()
    page.wait_for_function(f"document.querySelectorAll('[data-search-results] h3').length < {len(everything)}")
    narrowed = result_titles(page)
    assert sorted(narrowed) == sorted(d["title"] for d in datasets if d["id"].startswith("trade/"))
    assert "family=Trade" in page.url
    # The URL reproduces the narrowed search.
    again = tab.open("search/index.html?family=Trade")
    again.wait_for_selector("[data-search-results] h3")
    assert result_titles(again) == narrowed


def test_the_explorer_filters_and_its_url_reproduces_the_view(tab: Tab) -> None:
    page = tab.open(LEVEL3 + "index.html")
    page.select_option("#filter-area", "E09000033")
    page.wait_for_function("document.querySelector('[data-explorer-status]').textContent.includes('matching the filters')")
    rows = page.locator("[data-explorer-table] tbody tr")
    assert rows.count() > 0
    areas = rows.evaluate_all("rows => rows.map(r => r.cells[0].textContent)")
    assert all("Westminster" in a for a in areas)
    assert "area=E09000033" in page.url
    shared = page.locator("[data-explorer-share]").get_attribute("href")
    shown = rows.evaluate_all("rows => rows.map(r => r.textContent)")
    status = page.locator("[data-explorer-status]").inner_text()
    again = tab.open(LEVEL3 + "index.html?" + shared.split("?", 1)[1].split("#", 1)[0])
    again.wait_for_function("document.querySelector('[data-explorer-status]').textContent.includes('matching the filters')")
    assert again.locator("#filter-area").input_value() == "E09000033"
    assert again.locator("[data-explorer-table] tbody tr").evaluate_all(
        "rows => rows.map(r => r.textContent)") == shown
    assert again.locator("[data-explorer-status]").inner_text() == status


def test_the_explorer_pages_through_large_results(tab: Tab) -> None:
    page = tab.open(LEVEL3 + "index.html")
    page.wait_for_function("document.querySelector('[data-explorer-status]').textContent.startsWith('Showing 1 to 25')")
    first = page.locator("[data-explorer-table] tbody tr").first.inner_text()
    page.click("[data-explorer-next]")
    page.wait_for_function("document.querySelector('[data-explorer-status]').textContent.startsWith('Showing 26')")
    assert "page=2" in page.url
    assert page.locator("[data-explorer-table] tbody tr").first.inner_text() != first


def test_a_chart_of_the_data_over_time_renders(tab: Tab) -> None:
    page = tab.open(LEVEL3 + "index.html?area=E09000033")
    page.wait_for_selector("[data-explorer-chart] svg path")
    chart = page.locator("[data-explorer-chart] svg")
    assert chart.get_attribute("role") == "img"
    assert "by year" in (chart.locator("title").text_content() or "").lower()
    assert chart.locator("path").count() >= 1
    assert chart.locator("circle").count() >= 2
    # The same figures as a table, for people who cannot see the chart.
    assert page.locator("[data-explorer-chart] details table tbody tr").count() >= 2


def axe_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]]


ACCESSIBILITY_PAGES = {
    "home": "index.html",
    "family": "labour-market/index.html",
    "dataset": LEVEL3 + "index.html?area=E09000033",
    "code list": "trade/codelist/flow/index.html",
    "code": "ref/codelist/gss-geography/E09000033/index.html",
    "component": "trade/dimension/flow/index.html",
    "search": "search/index.html?q=Westminster",
    "resource": "trade/unit/gbp-million/index.html",
    "quality": "quality/index.html",
    "trade dataset": "trade/trade-in-services/index.html",
}


@pytest.mark.parametrize("kind", sorted(ACCESSIBILITY_PAGES))
def test_axe_finds_no_wcag_a_or_aa_violation(tab: Tab, kind: str) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` (make test does it)")
    page = tab.open(ACCESSIBILITY_PAGES[kind])
    page.wait_for_timeout(300)
    assert axe_violations(page) == []


@pytest.fixture
def hostile_site(fixture_out: Path) -> Iterator[str]:
    """The hand-written build with markup and script in its metadata, rendered and served."""
    import functools
    import socketserver
    import threading

    from cogs.site import render_site
    from tests.site.conftest import _Quiet

    ttl = fixture_out / "trade" / "regional-trade" / "dataset.ttl"
    text = ttl.read_text("utf-8").replace(
        '"Exports and imports', '"<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) Exports'
        ' and imports').replace('dcterms:title "Regional trade in goods"@en',
                                'dcterms:title "Trade </script><script>alert(4)</script>"@en')
    ttl.write_text(text, "utf-8")
    render_site(fixture_out)
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(fixture_out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_markup_in_metadata_is_shown_as_text_and_never_runs(browser: Any, hostile_site: str) -> None:
    context = browser.new_context()
    tab = Tab(context.new_page(), hostile_site)
    page = tab.open("trade/regional-trade/index.html")
    page.wait_for_timeout(300)
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert page.locator("main img").count() == 0
    assert page.locator("main a[href^='javascript']").count() == 0
    context.close()
    assert tab.errors == []  # no alert dialog opened, no script error


@pytest.fixture
def large_site(fixture_out: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, list[list[str]]]]:
    """The hand-written build with a 12,000-row dataset (three explorer chunks), rendered and served;
    its pages list at most 50 options a filter, as they would for a code list of thousands."""
    import functools
    import json
    import socketserver
    import threading

    from cogs.site import render_site
    from tests.site.conftest import _Quiet

    folder = fixture_out / "trade" / "regional-trade"
    rows = [[str(year), f"E090000{area:02d}", flow, f"{year * 10 + area}.5", ""]
            for year in range(1900, 2100) for area in range(1, 31) for flow in ("EX", "IM")]
    (folder / "data.csv").write_text("Period,Area,Flow,Value,Marker\n" + "".join(",".join(r) + "\n" for r in rows))
    manifest = json.loads((fixture_out / "manifest.json").read_text("utf-8"))
    manifest["datasets"][0]["rows"] = len(rows)
    (fixture_out / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    monkeypatch.setattr("cogs.site.render.MAX_OPTIONS", 50)
    render_site(fixture_out)
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(fixture_out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", rows
    httpd.shutdown()
    httpd.server_close()


def test_a_large_dataset_is_paged_across_chunks_and_filtered(browser: Any,
                                                            large_site: tuple[str, list[list[str]]]) -> None:
    base, rows = large_site
    context = browser.new_context()
    tab = Tab(context.new_page(), base)
    page = tab.open("trade/regional-trade/index.html?page=201")  # rows 5,001 to 5,025: the second chunk
    page.wait_for_function("document.querySelector('[data-explorer-status]').textContent.startsWith('Showing 5,001')")
    assert page.locator("[data-explorer-status]").inner_text() == "Showing 5,001 to 5,025 of 12,000 observations."
    cells = page.locator("[data-explorer-table] tbody tr").first.locator("td").all_inner_texts()
    assert cells[0] == rows[5000][0] and rows[5000][1] in cells[1]
    page.select_option("#filter-area", "E09000007")
    page.wait_for_function("document.querySelector('[data-explorer-status]').textContent.includes('matching the filters')")
    assert page.locator("[data-explorer-status]").inner_text() == \
        "Showing 1 to 25 of 400 observations matching the filters."
    assert page.locator("[data-explorer-chart] svg path").count() == 2  # exports and imports over 200 years
    # The 200th year is not among the 50 options written in the page, yet a URL can name it.
    late = tab.open("trade/regional-trade/index.html?period=2099")
    late.wait_for_function("document.querySelector('[data-explorer-status]').textContent.includes('matching the filters')")
    assert late.locator("#filter-period").input_value() == "2099"
    assert late.locator("[data-explorer-status]").inner_text() == \
        "Showing 1 to 25 of 60 observations matching the filters."
    context.close()
    assert tab.errors == []


@pytest.mark.parametrize("kind", sorted(ACCESSIBILITY_PAGES))
def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(browser: Any, server: str, kind: str) -> None:
    """WCAG 2.2 1.4.10 Reflow: wide tables scroll inside their own region, the page itself does not."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    tab = Tab(context.new_page(), server)
    page = tab.open(ACCESSIBILITY_PAGES[kind])
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
    assert tab.errors == []
