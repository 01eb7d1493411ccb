"""Reconciliation of a label-only table against the GSS geography reference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.build import build
from cogs.cli import main
from cogs.reconcile import loosen, normalise, reconcile_dataset, write_mapping
from cogs.reference import gss_areas

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "labels"
DATASET = FIXTURE / "places" / "population"
REF_AREA = "http://purl.org/linked-data/sdmx/2009/dimension#refArea"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "labels"
    shutil.copytree(FIXTURE, target)
    return target


def test_label_only_table_reports_match_rate_and_misses() -> None:
    result = reconcile_dataset(DATASET, "Area")
    kinds = {m.value: m.kind for m in result.matches}
    assert kinds == {"E09000007": "code", "Westminster": "label", "North East": "label",
                     "kensington & chelsea": "normalised", "Edinburgh": "normalised",
                     "London City": "ambiguous", "Narnia": "miss", "Westmnster": "miss"}
    codes = {m.value: m.notation for m in result.matched}
    areas = gss_areas()
    assert {v: areas[c].label for v, c in codes.items()} == {
        "E09000007": "Camden", "Westminster": "Westminster", "North East": "North East",
        "kensington & chelsea": "Kensington and Chelsea", "Edinburgh": "City of Edinburgh"}
    assert result.match_rate == 5 / 8
    assert result.row_match_rate == 10 / 16
    ambiguous = result.of("ambiguous")[0]
    assert set(ambiguous.candidates) == {"E09000001", "E12000007"}
    assert sorted(m.value for m in result.of("miss")) == ["Narnia", "Westmnster"]
    assert next(m for m in result.of("miss") if m.value == "Westmnster").candidates == ("Westminster",)
    located = {p.code: str(p.location) for p in result.problems if "Narnia" in p.message or "London" in p.message}
    # Narnia is on line 8 of the CSV (header + 6 rows before it), column 1.
    assert located["reconcile.no-match"].endswith("data.csv:8:1")
    assert located["reconcile.ambiguous"].endswith("data.csv:7:1")


def test_normalising_ignores_case_accents_punctuation_and_ampersands() -> None:
    assert normalise("  The Vale of Glamorgan ") == normalise("vale of glamorgan")
    assert normalise("Kensington & Chelsea") == normalise("KENSINGTON AND CHELSEA")
    assert normalise("Ynys Môn") == "ynys mon"
    assert loosen("City of Edinburgh") == loosen("Edinburgh") == "edinburgh"
    assert loosen("Glasgow City") == "glasgow"


def test_written_mapping_is_a_code_list_the_build_reads(project: Path, tmp_path: Path) -> None:
    folder = project / "places" / "population"
    result = reconcile_dataset(folder, "Area")
    written = write_mapping(folder, result)
    assert written == folder / "codelists" / "area.csv"
    assert written.read_text().splitlines() == [
        "label,notation", "Camden,E09000007", "Edinburgh,S12000036", "North East,E12000001",
        "Westminster,E09000033", "kensington & chelsea,E09000020"]
    config = (folder / "dataset.toml").read_text()
    assert 'component = "area"' in config and "[codelists.area]" in config
    assert f'sub_property_of = "{REF_AREA}"' in config
    # The misses are still misses: the build names them and the code list to add them to.
    from cogs.problems import CogsError

    with pytest.raises(CogsError) as failed:
        build(project, tmp_path / "out")
    unknown = [p for p in failed.value.problems if p.code == "code.unknown"]
    assert {p.location.line for p in unknown if p.location} == {7, 8, 9, 15, 16, 17}
    # Without the rows it could not match, the table builds, its areas as codes, linked as geography.
    data = folder / "data.csv"
    data.write_text("".join(line for line in data.read_text().splitlines(keepends=True)
                            if not line.startswith(("Narnia", "Westmnster", "London City"))))
    build(project, tmp_path / "out")
    published = (tmp_path / "out" / "places" / "population" / "data.csv").read_text().splitlines()
    assert {line.split(",")[0] for line in published[1:]} == {"E09000007", "S12000036", "E12000001", "E09000033",
                                                              "E09000020"}
    linkage = json.loads((tmp_path / "out" / "linkage.json").read_text())
    area = linkage["datasets"]["places/population"]["dimensions"][0]
    assert area["parent"] == REF_AREA and area["codes"] == 5
    quality = json.loads((tmp_path / "out" / "quality.json").read_text())
    assert quality["datasets"]["places/population"]["linkage"]["reference_match"][0]["rate"] == 1.0
    # Running again rewrites the CSV but declares nothing twice.
    write_mapping(folder, reconcile_dataset(folder, "Area"))
    assert (folder / "dataset.toml").read_text().count("[codelists.area]") == 1


def test_cli_reports_the_match_rate_and_exits_1_on_misses() -> None:
    result = CliRunner().invoke(main, ["reconcile", str(DATASET), "--column", "Area"])
    assert result.exit_code == 1, result.output
    assert "match rate: 5 of 8 distinct values (62.5%)" in result.output
    assert "'Narnia' matches no code" in result.output


def test_cli_json_equals_the_library_result() -> None:
    result = CliRunner().invoke(main, ["reconcile", str(DATASET), "-c", "Area", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["match_rate"] == 0.625 and data["counts"]["miss"] == 2
    assert data == {**reconcile_dataset(DATASET, "Area").as_json(), "written": None}


def test_unknown_column_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["reconcile", str(DATASET), "-c", "Place"])
    assert result.exit_code == 2, result.output
    assert "reconcile.unknown-column" in result.output
