"""Linkage, quality and revisions on the site: the datasets a dataset joins with (overlap figures
checked against the CSVs), the datasets using a code list, a family's datasets x dimensions
table, the quality page, and the changelog after a rebuild with changed data."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest

from cogs import __version__
from cogs.build import build
from cogs.site import check_links
from tests.site.conftest import FAMILIES
from tests.site.pages import Element, parse

TRADE = FAMILIES / "trade"
# The Trade datasets' columns for the three dimensions they share.
TRADE_COLUMNS = {
    "overseas-trade": {"Flow": "Flow", "Geography": "Reporter", "Period": "Year"},
    "regional-trade": {"Flow": "Flow", "Geography": "Area", "Period": "Year"},
    "trade-in-services": {"Flow": "Flow", "Geography": "Area", "Period": "Period"},
}


def distinct(dataset: str, column: str) -> set[str]:
    with (TRADE / dataset / "data.csv").open(newline="", encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def join_table(page: Element, other: str) -> dict[str, dict[str, str]]:
    """The rows of the join table for `other`: dimension -> figure -> value."""
    table = page.find("table", data_join=f"trade/{other}")
    rows = {}
    for row in table.find_all("tr", data_dimension=True):
        cells = {cell.attrs["data-figure"]: cell for cell in row.find_all("td", data_figure=True)}
        figures = {name: cell.text for name, cell in cells.items()}
        figures["rate"] = cells["match-rate"].attrs["data-value"]
        tds = row.find_all("td")
        figures["column here"], figures["column there"] = tds[0].text, tds[1].text
        rows[row.attrs["data-dimension"]] = figures
    return rows


@pytest.mark.parametrize("here", sorted(TRADE_COLUMNS))
def test_trade_datasets_are_joinable_on_flow_geography_and_period_with_overlap_from_the_csvs(
        built: Path, here: str) -> None:
    page = parse(built / "trade" / here / "index.html")
    section = page.find("h2", id="joins")
    assert section.text == "Datasets you can join with this one"
    for other in sorted(set(TRADE_COLUMNS) - {here}):
        rows = join_table(page, other)
        assert set(rows) >= {"Flow", "Geography", "Period"}
        for dimension in ("Flow", "Geography", "Period"):
            mine = distinct(here, TRADE_COLUMNS[here][dimension])
            theirs = distinct(other, TRADE_COLUMNS[other][dimension])
            shared = mine & theirs
            figures = rows[dimension]
            assert figures["column here"] == TRADE_COLUMNS[here][dimension]
            assert figures["column there"] == TRADE_COLUMNS[other][dimension]
            assert int(figures["shared"]) == len(shared), (other, dimension)
            assert float(figures["rate"]) == round(len(shared) / len(mine | theirs), 4), (other, dimension)
            assert int(figures["only-here"]) == len(mine - theirs), (other, dimension)
            assert int(figures["only-there"]) == len(theirs - mine), (other, dimension)
        # The other dataset's title links to its page.
        assert [h for h in page.find_all("h4") if f"../../trade/{other}/index.html" in dict(h.links())], other


def test_the_trade_family_is_listed_before_other_families(built: Path) -> None:
    page = parse(built / "trade" / "regional-trade" / "index.html")
    headings = [h.text for h in page.find_all("h3")]
    assert headings.index("In the Trade family") < headings.index("In other families")


def test_a_link_uri_of_the_linkage_graph_lands_on_its_join(built: Path) -> None:
    linkage = json.loads((built / "linkage.json").read_text("utf-8"))
    for link in linkage["links"]:
        left = next(d for d in linkage["datasets"].values() if d["uri"] == link["uri"].split("#")[0])
        page = parse(built / link["left"] / "index.html")
        fragment = link["uri"].split("#", 1)[1]
        assert page.find_all(id=fragment), (left["title"], fragment)


def test_every_fragment_uri_of_the_linkage_graph_lands_on_an_element_of_its_page(built: Path) -> None:
    """Matches, quality measurements, versions and the build activity are fragments of dataset pages."""
    import gzip
    import re

    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    base = manifest["base_uri"]
    graph = f" <{base}linkage/> .\n".encode()
    uris: set[str] = set()
    with gzip.open(built / manifest["dump"], "rb") as handle:
        for line in handle:
            if line.endswith(graph):
                uris.update(u for u in re.findall(r"<([^>\s]+)>", line.decode("utf-8")) if u.startswith(base) and "#" in u)
    pages = {entry["uri"]: entry["id"] for entry in manifest["datasets"]}
    checked: dict[str, set[str]] = {}
    missing = []
    for uri in sorted(uris):
        page, fragment = uri.split("#", 1)
        if page not in pages or fragment.startswith(("component/", "structure")):
            continue  # component specifications land on the structure table (tested elsewhere)
        if page not in checked:
            checked[page] = {e.attrs["id"] for e in parse(built / pages[page] / "index.html").find_all(id=True)}
        if fragment not in checked[page]:
            missing.append(uri)
    assert len(checked) == len(pages)
    assert missing == []
    kinds = {uri.split("#", 1)[1].split("/", 1)[0] for uri in uris}
    assert {"linkage", "quality", "version", "build"} <= kinds


def test_the_flow_code_list_page_lists_the_datasets_using_it_with_their_columns(built: Path) -> None:
    page = parse(built / "trade" / "codelist" / "flow" / "index.html")
    table = page.find("table", data_codelist_usage=True)
    rows = {row.attrs["data-dataset"]: [c.text for c in row.find_all(("td"))] for row in table.find_all("tr", data_dataset=True)}
    assert sorted(rows) == [f"trade/{d}" for d in sorted(TRADE_COLUMNS)]
    for dataset, cells in rows.items():
        name = dataset.split("/")[1]
        assert cells[0] == "Flow"
        assert cells[1] == "Flow (dimension)"
        assert int(cells[2]) == len(distinct(name, "Flow"))
    links = dict(table.links())
    assert "../../../trade/regional-trade/index.html" in links


def test_the_period_code_list_is_used_by_every_dataset(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    page = parse(built / "ref" / "codelist" / "period" / "index.html")
    table = page.find("table", data_codelist_usage=True)
    used = {row.attrs["data-dataset"] for row in table.find_all("tr", data_dataset=True)}
    assert used == {entry["id"] for entry in manifest["datasets"]}


def test_the_family_page_tables_datasets_by_dimension(built: Path) -> None:
    page = parse(built / "trade" / "index.html")
    table = page.find("table", data_family_dimensions=True)
    header = [th.attrs["data-dimension"] for th in table.find_all("th", data_dimension=True)]
    assert header[:3] == ["Flow", "Geography", "Period"]  # shared by all three, first
    assert {"CN8 commodity", "Partner country", "SITC section", "Service"} <= set(header)
    shared = {th.attrs["data-dimension"] for th in table.find_all("th", data_dimension=True) if "(shared)" in th.text}
    assert shared == {"Flow", "Geography", "Period"}
    grid = {}
    for row in table.find_all("tr", data_dataset=True):
        grid[row.attrs["data-dataset"]] = dict(zip(header, (td.text for td in row.find_all("td"))))
    assert sorted(grid) == [f"trade/{d}" for d in sorted(TRADE_COLUMNS)]
    for name, columns in TRADE_COLUMNS.items():
        for dimension, column in columns.items():
            assert grid[f"trade/{name}"][dimension] == column
    assert grid["trade/regional-trade"]["SITC section"] == "SITC section"
    assert grid["trade/trade-in-services"]["SITC section"] == "– not used"
    assert grid["trade/overseas-trade"]["Service"] == "– not used"


def test_the_quality_page_has_a_row_for_every_dataset(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text("utf-8"))
    linkage = json.loads((built / "linkage.json").read_text("utf-8"))
    page = parse(built / "quality" / "index.html")
    table = page.find("table", data_quality=True)
    rows = {row.attrs["data-dataset"]: row for row in table.find_all("tr", data_dataset=True)}
    assert sorted(rows) == sorted(entry["id"] for entry in manifest["datasets"])
    for key, row in rows.items():
        config = tomllib.loads((FAMILIES / key / "dataset.toml").read_text("utf-8"))
        figures = {cell.attrs["data-figure"]: cell for cell in row.find_all("td", data_figure=True)}
        missing = figures["missing"].text
        assert ("date last modified" in missing) == ("modified" not in config), key
        assert ("landing page" in missing) == ("landing_page" not in config), key
        score = float(figures["score"].text.rstrip("%"))
        assert 0 < score <= 100
        assert int(figures["joinable"].visible_text().split()[0]) == len(linkage["datasets"][key]["joinable_with"])
        # Every dataset here was built, so none has errors; one table has a warning.
        expected = "1 warning" if key == "energy-and-climate/greenhouse-gas-emissions" else "Passed"
        assert figures["validation"].text.startswith(expected), (key, figures["validation"].text)
        provenance = page.find("dl", data_provenance=key)
        if "landing_page" in config:
            assert config["landing_page"] in dict(provenance.links())
        assert f"cogs {__version__}" in provenance.text
        assert "Not recorded" in provenance.find("dd", data_figure="build-time").text


def test_the_quality_page_is_linked_from_the_navigation_footer_and_home_page(built: Path) -> None:
    home = parse(built / "index.html")
    assert "quality/index.html" in dict(home.find("main").links())
    assert "quality/index.html" in dict(home.find("nav", aria_label="Menu").links())
    dataset = parse(built / "trade" / "regional-trade" / "index.html")
    assert "../../quality/index.html" in dict(dataset.find("footer").links())
    assert "../../quality/index.html#trade/regional-trade" in dict(dataset.find("main").links())


def test_a_first_build_says_there_was_nothing_to_compare_with(built: Path) -> None:
    page = parse(built / "trade" / "regional-trade" / "index.html")
    assert page.find(data_changes_status=True).attrs["data-changes-status"] == "first"
    assert [li.attrs["data-version"] for li in page.find_all("li", data_version=True)] == ["1"]


# -- the changelog after a rebuild ---------------------------------------------------------------

def _trade_project(root: Path) -> Path:
    project = root / "families"
    project.mkdir()
    shutil.copy(FAMILIES / "site.toml", project / "site.toml")
    shutil.copytree(TRADE, project / "trade")
    return project


def _changelog(out: Path, dataset: str) -> tuple[str, list[Element]]:
    page = parse(out / "trade" / dataset / "index.html")
    return (page.find(data_changes_status=True).visible_text(), page.find_all("li", data_version=True))


def test_the_changelog_after_a_rebuild_with_changed_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")  # 2025-11-30
    project = _trade_project(tmp_path)
    out = tmp_path / "out"
    build(project, out)
    build(project, out)  # the same input again
    status, versions = _changelog(out, "trade-in-services")
    assert status.startswith("No changes since the previous build.")
    assert [v.attrs["data-version"] for v in versions] == ["1"]
    assert parse(out / "quality" / "index.html").find(data_build_changes=True).text == \
        "No changes since the previous build (3 datasets compared)."

    data = project / "trade" / "trade-in-services" / "data.csv"
    with data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    revised = [(rows[i], rows[i]["Value"], str(int(rows[i]["Value"]) + 17)) for i in (1, 5, 9)]
    for row, _, new in revised:
        row["Value"] = new
    removed = rows.pop(20)
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01
    build(project, out)

    status, versions = _changelog(out, "trade-in-services")
    assert status.startswith("Changed since the previous build: this is version 2, of 1 December 2025")
    assert [v.attrs["data-version"] for v in versions] == ["2", "1"]  # newest first
    latest = versions[0]
    assert latest.attrs["id"] == "version/2"  # the version's URI, `#version/2`, lands here
    assert "1 December 2025" in latest.find("h3").text
    counts = {span.attrs["data-figure"]: int(span.text) for span in latest.find_all("span", data_figure=True)}
    assert counts == {"added": 0, "removed": 1, "revised": 3}
    listed = [li.text for li in latest.find("details").find_all("li")]
    key = ("Period", "Area", "Service", "Flow")
    assert listed[0] == "Removed: " + ", ".join(removed[k] for k in key)
    assert sorted(listed[1:]) == sorted(
        "Revised: " + ", ".join(row[k] for k in key) + f": Value {old} → {new}" for row, old, new in revised)
    assert "30 November 2025" in versions[1].find("h3").text

    for unchanged in ("overseas-trade", "regional-trade"):
        status, versions = _changelog(out, unchanged)
        assert status.startswith("No changes since the previous build."), unchanged
        assert [v.attrs["data-version"] for v in versions] == ["1"]
    quality = parse(out / "quality" / "index.html")
    changed = quality.find("dl", data_build_changes="some")
    assert changed.links() == [("../trade/trade-in-services/index.html#changes", "Trade in services, balance of payments")]
    assert "Unchanged 2" in changed.text
    for time in quality.find_all("dd", data_figure="build-time"):
        assert time.text == "1 December 2025 (2025-12-01T00:00:00+00:00)"
    assert check_links(out) == []


def test_a_reconciled_dataset_shows_its_match_rate_as_linkage_quality(tmp_path: Path) -> None:
    from cogs.reconcile import reconcile_dataset, write_mapping

    project = tmp_path / "labels"
    shutil.copytree(Path(__file__).resolve().parents[1] / "linkage" / "fixtures" / "labels", project)
    folder = project / "places" / "population"
    write_mapping(folder, reconcile_dataset(folder, "Area"))  # 5 of 8 labels match
    data = folder / "data.csv"
    data.write_text("".join(line for line in data.read_text().splitlines(keepends=True)
                            if not line.startswith(("Narnia", "Westmnster", "London City"))))
    out = tmp_path / "out"
    build(project, out)
    page = parse(out / "places" / "population" / "index.html")
    reconciled = page.find("div", data_reconciled="Area")
    assert reconciled.find("dd").visible_text() == \
        "5 of 8 labels matched by cogs reconcile (62.5%), into Area"
    assert "../../places/population/codelist/area/index.html" in dict(reconciled.links())
    reference = page.find("div", data_reference_match="Area")
    assert reference.find("dd").visible_text() == "5 of 5 (100%)"
    assert check_links(out) == []


def test_the_new_sections_render_the_same_bytes_twice(tmp_path: Path) -> None:
    from cogs.site import render_site

    out = tmp_path / "out"
    build(_trade_project(tmp_path), out)
    pages = ["quality/index.html", "trade/index.html", "trade/regional-trade/index.html",
             "trade/codelist/flow/index.html"]
    before = {page: (out / page).read_bytes() for page in pages}
    for page in pages:
        (out / page).unlink()
    render_site(out)
    assert {page: (out / page).read_bytes() for page in pages} == before
