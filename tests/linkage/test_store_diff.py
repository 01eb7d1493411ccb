"""`cogs diff STORE NEW`: a build compared with what `cogs publish` put into a real Oxigraph server."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.build import build
from cogs.cli import main
from cogs.problems import CogsError
from cogs.publish import Options, publish
from cogs.published import Template, diff_store
from cogs.revisions import diff_builds, read_build, report_lines

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))

from store_fixture import OxigraphServer, free_port, oxigraph  # noqa: E402,F401

pytestmark = pytest.mark.server

FAMILIES = Path(__file__).resolve().parents[2] / "families"
FAST = Options(retries=1, backoff=0.01, timeout=30)
KEY = ("Period", "Area", "Service", "Flow")


def trade_project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(FAMILIES / "site.toml", folder / "site.toml")
    shutil.copytree(FAMILIES / "trade", folder / "trade")
    return folder


def revise(project: Path) -> tuple[list[tuple[dict[str, str], str, str]], dict[str, str]]:
    """Change three values and remove one row of trade-in-services; returns what was done."""
    data = project / "trade" / "trade-in-services" / "data.csv"
    with data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    revised = []
    for i in (2, 7, 30):
        old = rows[i]["Value"]
        rows[i]["Value"] = str(int(old) * 2 + 1)
        revised.append((rows[i], old, rows[i]["Value"]))
    removed = rows.pop(12)
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return revised, removed


def published_copy(tmp_path: Path, oxigraph: OxigraphServer) -> Path:
    """The trade project built and published as `v1`; returns a copy of it, `v2`, to change."""
    first = trade_project(tmp_path / "v1")
    build(first, tmp_path / "out1")
    assert publish(tmp_path / "out1", oxigraph.store, FAST).ok
    second = tmp_path / "v2"
    shutil.copytree(first, second)
    return second


def test_diff_against_the_store_reports_exactly_the_revised_values_and_the_removed_row(
        tmp_path: Path, oxigraph: OxigraphServer) -> None:
    second = published_copy(tmp_path, oxigraph)
    revised, removed = revise(second)
    build(second, tmp_path / "out2")

    found = diff_store(oxigraph.store, tmp_path / "out2", FAST)
    assert {d.key: d.status for d in found.datasets} == {
        "trade/overseas-trade": "unchanged", "trade/regional-trade": "unchanged",
        "trade/trade-in-services": "changed"}
    change = found.of("changed")[0]
    assert change.metadata == []
    obs = change.observations
    assert obs is not None and not obs.structure_changed
    assert (obs.added, obs.removed, obs.revised) == (0, 1, 3)
    assert obs.key == list(KEY)
    assert obs.removed_rows == [{k: removed[k] for k in KEY}]
    assert sorted(obs.revised_rows, key=str) == sorted(
        ({**{k: row[k] for k in KEY}, "changes": {"Value": [old, new]}} for row, old, new in revised), key=str)

    # The store read back says what comparing the two folders says.
    folders = diff_builds(read_build(tmp_path / "out1"), read_build(tmp_path / "out2"))
    assert report_lines(found) == report_lines(folders)

    result = CliRunner().invoke(main, ["diff", oxigraph.store, str(tmp_path / "out2")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == report_lines(folders)
    assert result.output.splitlines()[0] == "~ trade/trade-in-services: 0 observations added, 1 removed, 3 revised"

    # Once the new build is published there is nothing left to report.
    assert publish(tmp_path / "out2", oxigraph.store, FAST).ok
    again = CliRunner().invoke(main, ["diff", oxigraph.store, str(tmp_path / "out2")])
    assert again.exit_code == 0, again.output
    assert again.output == "no changes (3 datasets compared)\n"


def test_a_dataset_published_but_no_longer_built_is_removed_and_a_new_one_added(
        tmp_path: Path, oxigraph: OxigraphServer) -> None:
    second = published_copy(tmp_path, oxigraph)
    (second / "trade" / "regional-trade").rename(second / "trade" / "regional-trade-2")
    build(second, tmp_path / "out2")
    found = diff_store(oxigraph.store, tmp_path / "out2", FAST)
    assert [d.key for d in found.of("removed")] == ["trade/regional-trade"]
    assert [d.key for d in found.of("added")] == ["trade/regional-trade-2"]
    removed = found.of("removed")[0]
    assert removed.title == "Regional trade in goods by SITC section"
    assert removed.rows == 44


def test_a_store_that_does_not_answer_is_a_usage_error(tmp_path: Path) -> None:
    project = trade_project(tmp_path / "v1")
    build(project, tmp_path / "out")
    endpoint = f"http://127.0.0.1:{free_port()}/store"
    with pytest.raises(CogsError) as raised:
        diff_store(endpoint, tmp_path / "out", FAST)
    assert [p.code for p in raised.value.problems] == ["diff.store-unreachable"]
    result = CliRunner().invoke(main, ["diff", endpoint, str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "diff.store-unreachable" in result.output


def test_an_empty_store_says_nothing_was_published(tmp_path: Path, oxigraph: OxigraphServer) -> None:
    project = trade_project(tmp_path / "v1")
    build(project, tmp_path / "out")
    with pytest.raises(CogsError) as raised:
        diff_store(oxigraph.store, tmp_path / "out", FAST)
    assert [p.code for p in raised.value.problems] == ["diff.not-published"]


@pytest.mark.parametrize("template, uri, cells", [
    ("https://x.example/ds/#obs/{period}/{area}", "https://x.example/ds/#obs/2015-Q3/K02000001",
     {"period": "2015-Q3", "area": "K02000001"}),
    ("https://x.example/code/{flow}/", "https://x.example/code/net%20exports/", {"flow": "net exports"}),
    ("http://reference.data.gov.uk/id/{+period_ref}", "http://reference.data.gov.uk/id/quarter/2015-Q3",
     {"period_ref": "quarter/2015-Q3"}),
    ("https://x.example/code/{flow}/", "https://x.example/other/export/", None),
])
def test_a_uri_template_reads_back_the_cells_that_made_a_uri(template: str, uri: str,
                                                             cells: dict[str, str] | None) -> None:
    assert Template.of(template).read(uri) == cells


def test_values_equal_as_rdf_are_not_revisions_and_changed_ones_are() -> None:
    from cogs.published import Schema, diff_observation_triples, ntriples_frame

    def document(values: dict[int, str]) -> bytes:
        lines = []
        for i, value in values.items():
            subject = f"<https://x.example/ds/#obs/{i}/K02000001>"
            lines.append(f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                         "<http://purl.org/linked-data/cube#Observation> .")
            lines.append(f'{subject} <https://x.example/measure/value/> '
                         f'"{value}"^^<http://www.w3.org/2001/XMLSchema#decimal> .')
            lines.append(f'{subject} <https://x.example/note/> "a note . with spaces {i}" .')
        return ("\n".join(lines) + "\n").encode()

    old = ntriples_frame(document({1: "1.50", 2: "007", 3: "3", 4: "4"}))
    new = ntriples_frame(document({1: "1.5", 2: "7", 3: "3.25", 5: "5"}))
    assert old.row(2) == ("https://x.example/ds/#obs/1/K02000001", "https://x.example/note/",
                          '"a note . with spaces 1"')
    schema = Schema(Template.of("https://x.example/ds/#obs/{n}/{area}"), ["N", "Area"], ["n", "area"], [])
    found = diff_observation_triples(old, new, schema)
    assert (found.added, found.removed, found.revised) == (1, 1, 1)
    assert found.added_rows == [{"N": "5", "Area": "K02000001"}]
    assert found.removed_rows == [{"N": "4", "Area": "K02000001"}]
    assert found.revised_rows == [{"N": "3", "Area": "K02000001",
                                   "changes": {"https://x.example/measure/value/": ["3", "3.25"]}}]
