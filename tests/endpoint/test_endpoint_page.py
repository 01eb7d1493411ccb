"""The SPARQL page served by `cogs serve`: the Yasgui editor runs an example query in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cube_fixture import make_out, running

from cogs.queries import catalogue_queries, render_sparql_page, sparql_page_files, yasgui_build

DATASETS = {"trade/regional-trade": 12, "labour-market/employment": 3}


def test_the_page_files_hold_every_example_query(tmp_path: Path) -> None:
    datasets = [{"uri": "https://statistics.example.gov.uk/trade/regional-trade/", "title": "Regional trade"}]
    files = sparql_page_files("https://statistics.example.gov.uk/", datasets)
    page = files["sparql/index.html"].decode()
    for title, _ in catalogue_queries("https://statistics.example.gov.uk/", datasets):
        assert title.replace("'", "&#x27;") in page or title in page
    if yasgui_build() is not None:
        assert set(files) == {"sparql/index.html", "sparql/yasgui.min.js", "sparql/yasgui.min.css"}
        assert 'yasguiJs.src = "yasgui.min.js"' in page
    else:
        assert set(files) == {"sparql/index.html"}


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize("editor", ["yasgui", "form"])
def test_the_page_runs_an_example_query_against_the_endpoint(tmp_path: Path, editor: str, browser: Any) -> None:
    """The page as the site writes it (`render_sparql_page`): Yasgui when `cogs serve` supplies its
    files from npm, the plain form when they cannot load."""
    if editor == "yasgui" and yasgui_build() is None:
        pytest.skip("@zazuko/yasgui is not installed: run `npm ci` (make build does it)")
    out = tmp_path / "out"
    make_out(out, DATASETS)
    datasets = [{"uri": f"https://statistics.example.gov.uk/{d}/", "title": d} for d in sorted(DATASETS)]
    queries = catalogue_queries("https://statistics.example.gov.uk/", datasets)
    (out / "sparql").mkdir()
    (out / "sparql" / "index.html").write_text(render_sparql_page(queries, endpoint="../sparql"), encoding="utf-8")
    with running(out) as (server, _):
        context = browser.new_context()
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            if editor == "form":
                page.route("**/yasgui.min.*", lambda route: route.fulfill(status=404, body="absent"))
            page.goto(server.url + "sparql/")
            if editor == "yasgui":
                tabs = page.locator(".yasgui .tabsList .tab")
                tabs.first.wait_for()
                names = tabs.all_inner_texts()
                assert len(names) == len(queries)
                assert "Every dataset, with its observation count" in names[0]
                assert not page.locator("#form").is_visible()
                page.locator(".yasqe .yasqe_queryButton").first.click()
                rows = page.locator(".yasr table.dataTable tbody tr")
            else:
                page.wait_for_load_state("networkidle")
                assert page.locator("#example option").count() == len(queries)
                page.locator("#form button").click()
                rows = page.locator("#results table tbody tr")
            rows.first.wait_for(timeout=15000)
            table = rows.all_inner_texts()
            for dataset, count in DATASETS.items():
                row = next(line for line in table if f"{dataset}/" in line)
                assert re.search(rf"(^|\s|\"){count}(\s|\"|$)", row), row
            assert errors == []
            assert all(url.startswith(server.url) for url in requests), requests
            assert server.url + "sparql" in requests
        finally:
            context.close()
