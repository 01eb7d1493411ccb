"""Revisions: change three values and remove one row of a dataset, rebuild, and read the changes."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.build import build
from cogs.cli import main
from cogs.revisions import diff_builds, read_build

ROOT = Path(__file__).resolve().parents[2]
FAMILIES = ROOT / "families"
KEY = "trade/trade-in-services"
DIMENSIONS = ("Period", "Area", "Service", "Flow")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A first build, a copy of it, and the rebuild of a revised copy of the families into the first."""
    work = tmp_path_factory.mktemp("revisions")
    families = work / "families"
    shutil.copytree(FAMILIES, families)
    out = work / "out"
    build(families, out)
    first = work / "first"
    shutil.copytree(out, first)
    data = families / KEY / "data.csv"
    with data.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    revised = {}
    for index in (3, 50, 200):
        row = rows[index]
        old = row["Value"]
        row["Value"] = str(int(old) + 17)
        revised[tuple(row[d] for d in DIMENSIONS)] = (old, row["Value"])
    removed = rows.pop(120)
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    build(families, out)
    return {"first": first, "out": out, "revised": revised,
            "removed": tuple(removed[d] for d in DIMENSIONS), "families": families}


def test_diff_reports_exactly_the_changed_values_and_the_removed_row(builds: dict[str, object]) -> None:
    first, out = builds["first"], builds["out"]
    assert isinstance(first, Path) and isinstance(out, Path)
    diff = diff_builds(read_build(first), read_build(out))
    assert [d.key for d in diff.datasets if d.status != "unchanged"] == [KEY]
    change = next(d for d in diff.datasets if d.key == KEY)
    assert change.status == "changed" and change.metadata == []
    obs = change.observations
    assert obs is not None
    assert (obs.added, obs.removed, obs.revised) == (0, 1, 3)
    assert obs.key == list(DIMENSIONS)
    assert [tuple(r[d] for d in DIMENSIONS) for r in obs.removed_rows] == [builds["removed"]]
    found = {tuple(str(r[d]) for d in DIMENSIONS): r["changes"] for r in obs.revised_rows}
    revised = builds["revised"]
    assert isinstance(revised, dict)
    assert found == {k: {"Value": list(v)} for k, v in revised.items()}


def test_rebuild_records_a_new_version_and_its_changelog(builds: dict[str, object],
                                                         linkage_graph: Callable[[Path], bytes]) -> None:
    out = builds["out"]
    assert isinstance(out, Path)
    changes = json.loads((out / "changes.json").read_text())
    assert changes["compared_with_previous"] is True
    assert changes["summary"] == {"added": [], "removed": [], "changed": [KEY], "unchanged": 6}
    record = changes["datasets"][KEY]
    assert record["version"] == 2 and record["status"] == "changed"
    assert [h["version"] for h in record["history"]] == [1, 2]
    latest = record["history"][-1]["observations"]
    assert (latest["added"], latest["removed"], latest["revised"]) == (0, 1, 3)
    assert all(r["version"] == 1 for k, r in changes["datasets"].items() if k != KEY)
    triples = linkage_graph(out).decode()
    uri = "https://statistics.example.gov.uk/trade/trade-in-services/"
    assert f"<{uri}> <http://www.w3.org/ns/dcat#hasCurrentVersion> <{uri}#version/2> ." in triples
    assert (f"<{uri}#version/2> <http://www.w3.org/ns/dcat#previousVersion> <{uri}#version/1> ." in triples)
    assert (f"<{uri}#version/2> <https://w3id.org/cogs/ns#observationsRevised> "
            '"3"^^<http://www.w3.org/2001/XMLSchema#integer> .') in triples


def test_rebuilding_unchanged_input_keeps_versions_and_files(builds: dict[str, object], tmp_path: Path,
                                                             linkage_graph: Callable[[Path], bytes]) -> None:
    out, families = builds["out"], builds["families"]
    assert isinstance(out, Path) and isinstance(families, Path)
    again = tmp_path / "out"
    shutil.copytree(out, again)
    build(families, again)
    for name in ("linkage.json", "quality.json"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    assert linkage_graph(again) == linkage_graph(out)
    before, after = (json.loads((folder / "changes.json").read_text()) for folder in (out, again))
    assert after["summary"] == {"added": [], "removed": [], "changed": [], "unchanged": 7}
    for key, record in after["datasets"].items():
        assert record["status"] == "unchanged"
        assert (record["version"], record["history"]) == (before["datasets"][key]["version"],
                                                          before["datasets"][key]["history"])


def test_cli_diff_prints_the_changes_and_says_plainly_when_there_are_none(builds: dict[str, object]) -> None:
    first, out = builds["first"], builds["out"]
    runner = CliRunner()
    result = runner.invoke(main, ["diff", str(first), str(out)])
    assert result.exit_code == 0, result.output
    assert f"~ {KEY}: 0 observations added, 1 removed, 3 revised" in result.output
    assert result.output.count("\n    ~ ") == 3 and result.output.count("\n    - ") == 1
    same = runner.invoke(main, ["diff", str(first), str(first)])
    assert same.exit_code == 0, same.output
    assert same.output == "no changes (7 datasets compared)\n"
    as_json = runner.invoke(main, ["diff", str(first), str(out), "--json"])
    assert json.loads(as_json.output) == diff_builds(read_build(Path(str(first))), read_build(Path(str(out)))).as_json()


def test_diff_of_a_folder_that_is_not_a_build_is_a_usage_error(tmp_path: Path,
                                                              builds: dict[str, object]) -> None:
    result = CliRunner().invoke(main, ["diff", str(tmp_path), str(builds["out"])])
    assert result.exit_code == 2
    assert "diff.not-a-build" in result.output


def test_added_and_removed_datasets_and_changed_metadata(builds: dict[str, object], tmp_path: Path) -> None:
    families = tmp_path / "families"
    shutil.copytree(FAMILIES, families)
    shutil.rmtree(families / "trade" / "overseas-trade")
    shutil.copytree(families / "labour-market" / "scottish-employment", families / "labour-market" / "employment")
    config = families / "trade" / "regional-trade" / "dataset.toml"
    config.write_text(config.read_text().replace('title = "Regional trade in goods by SITC section"',
                                                 'title = "Regional trade in goods"'))
    build(families, tmp_path / "out")
    first = builds["first"]
    assert isinstance(first, Path)
    diff = diff_builds(read_build(first), read_build(tmp_path / "out"))
    assert [d.key for d in diff.of("added")] == ["labour-market/employment"]
    assert [d.key for d in diff.of("removed")] == ["trade/overseas-trade"]
    changed = {d.key: d for d in diff.of("changed")}
    assert set(changed) == {"trade/regional-trade"}
    title = next(m for m in changed["trade/regional-trade"].metadata if m.property == "dcterms:title")
    assert (title.old, title.new) == (("Regional trade in goods by SITC section",), ("Regional trade in goods",))
