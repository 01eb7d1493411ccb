"""`cogs new DATASET_DIR --from table.csv`: roles inferred from the table, a commented config that
builds as written."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.build import build
from cogs.cli import main
from cogs.scaffold import propose

from .conftest import make_project

ROOT = Path(__file__).resolve().parents[2]

TABLE = ("Area,Year,Sector,Measure,Unit,Marker,Value\n"
         "E12000001,2019,Farming,Jobs,Thousands,,1.5\n"
         "E12000001,2019,Farming,Pay,GBP,[p],\"1,234\"\n"
         "E12000002,2019-Q1,Mining,Jobs,Thousands,[x],\n"
         "E12000002,2019-Q1,Mining,Pay,GBP,,300 [e]\n")


def test_roles_are_inferred_from_titles_and_codes(tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text(TABLE)
    proposal = propose(tmp_path / "table.csv")
    columns = proposal.data["columns"]
    assert columns["Area"] == {"role": "dimension", "component": "geography"}
    assert columns["Year"] == {"role": "dimension", "component": "period"}
    assert columns["Sector"] == {"role": "dimension", "component": "sector"}
    assert columns["Measure"] == {"role": "measure-type"}
    assert columns["Unit"] == {"role": "unit"}
    assert columns["Marker"] == {"role": "marker"}
    assert columns["Value"] == {"role": "observations"}
    assert proposal.data["components"]["jobs"] == {"type": "measure", "label": "Jobs"}
    assert proposal.data["units"] == {"gbp": {"label": "GBP"}, "thousands": {"label": "Thousands"}}
    assert proposal.codelists["sector"] == "label,notation\nFarming,Farming\nMining,Mining\n"


def test_new_writes_a_commented_config_that_builds_as_written(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    (tmp_path / "table.csv").write_text(TABLE)
    result = CliRunner().invoke(main, ["new", str(family / "jobs"), "--from", str(tmp_path / "table.csv")])
    assert result.exit_code == 0, result.output
    text = (family / "jobs" / "dataset.toml").read_text()
    assert text.startswith("# Dataset config proposed by `cogs new`")
    assert "# GSS statistical geography codes: the built-in geography dimension" in text
    tomllib.loads(text)
    assert (family / "jobs" / "codelists" / "sector.csv").is_file()
    built = build(tmp_path / "project", tmp_path / "out")
    assert built.observations == 4


def test_new_single_measure_table_gets_a_measure_and_unit_to_edit(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    (tmp_path / "t.csv").write_text("Region,Period,Count\nE12000001,2020,1\nE12000002,2020,2\n")
    result = CliRunner().invoke(main, ["new", str(family / "counts"), "--from", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    config = tomllib.loads((family / "counts" / "dataset.toml").read_text())
    assert config["columns"]["Count"] == {"role": "observations", "measure": "value", "unit": "count"}
    assert "# TODO: name the measure" in (family / "counts" / "dataset.toml").read_text()
    assert build(tmp_path / "project", tmp_path / "out").observations == 2


def test_new_writes_a_family_toml_when_the_family_has_none(tmp_path: Path) -> None:
    (tmp_path / "site.toml").write_text('base_uri = "https://stats.example.org/"\ntitle = "T"\n')
    (tmp_path / "t.csv").write_text("Region,Period,Count\nE12000001,2020,1\nE12000002,2020,2\n")
    result = CliRunner().invoke(main, ["new", str(tmp_path / "health" / "counts"), "--from", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "health" / "family.toml").is_file()
    assert build(tmp_path, tmp_path / "out").observations == 2


def test_new_refuses_to_overwrite_and_reports_a_table_without_numbers(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    (tmp_path / "t.csv").write_text("Region,Period,Count\nE12000001,2020,1\nE12000002,2020,2\n")
    runner = CliRunner()
    assert runner.invoke(main, ["new", str(family / "c"), "--from", str(tmp_path / "t.csv")]).exit_code == 0
    again = runner.invoke(main, ["new", str(family / "c"), "--from", str(tmp_path / "t.csv")])
    assert again.exit_code == 1 and "[new.exists]" in again.output
    (tmp_path / "words.csv").write_text("Region,Name\nE12000001,North East\n")
    words = runner.invoke(main, ["new", str(family / "w"), "--from", str(tmp_path / "words.csv")])
    assert words.exit_code == 1 and "[new.no-observations]" in words.output


@pytest.mark.parametrize("example", ["employment", "regional-trade"])
def test_new_from_real_published_tables_builds_as_written(example: str, tmp_path: Path) -> None:
    source = ROOT.parent / "shared" / "data" / "table2qb" / example / "input.csv"
    if not source.exists():
        pytest.skip(f"{source} is absent: the shared real-data folder is not beside this checkout")
    family = make_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["new", str(family / example), "--from", str(source)])
    assert result.exit_code == 0, result.output
    built = build(tmp_path / "project", tmp_path / "out")
    assert built.observations == len(source.read_text("utf-8").splitlines()) - 1


def test_new_from_a_gss_workbook_sheet(tmp_path: Path) -> None:
    from .test_spreadsheets import SHEETS, write_xlsx

    family = make_project(tmp_path / "project")
    write_xlsx(tmp_path / "tables.xlsx", SHEETS)
    result = CliRunner().invoke(main, ["new", str(family / "employment"), "--from", str(tmp_path / "tables.xlsx"),
                                       "--sheet", "Table_1"])
    assert result.exit_code == 0, result.output
    config = tomllib.loads((family / "employment" / "dataset.toml").read_text())
    assert (config["data"], config["sheet"]) == ("tables.xlsx", "Table_1")
    assert config["columns"]["Status"] == {"role": "marker"}
    assert config["columns"]["Employment"]["role"] == "observations"
    assert build(tmp_path / "project", tmp_path / "out").observations == 4


MESSY = Path(__file__).resolve().parent / "messy"
READABLE = sorted(p.name for p in MESSY.iterdir()
                  if p.is_dir() and "error" not in (p / "expected.txt").read_text())


@pytest.mark.parametrize("case", READABLE)
def test_new_from_each_readable_messy_csv_builds_as_written(case: str, tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    result = CliRunner().invoke(main, ["new", str(family / "ds"), "--from", str(MESSY / case / "data.csv")])
    assert result.exit_code == 0, result.output
    assert build(tmp_path / "project", tmp_path / "out").observations == 3
