"""Spreadsheets made to the GSS guidance: a cover sheet, contents, notes, one table per sheet below a
title, markers in cells or in their own column, and wide tables unpivoted by config. The workbooks
are written by the tests (openpyxl for XLSX, odfpy for ODS).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cogs.build import build
from cogs.problems import CogsError, Severity
from cogs.spreadsheet import (
    cell_text,
    column_letters,
    column_number,
    parse_range,
    read_region,
)
from cogs.table import DataPath, ReadOptions, Unpivot, read_table

from .conftest import make_project

Rows = list[list[Any]]

COVER: Rows = [["Regional employment, 2019 to 2021"], ["This workbook holds two tables."],
               ["Source: Office for Testing"]]
CONTENTS: Rows = [["Table of contents"], ["Sheet", "Title"], ["Table_1", "Employment by region (tidy)"],
                  ["Table_2", "Employment by region and year (wide)"]]
NOTES: Rows = [["Notes"], ["Note number", "Note text"], ["Note 1", "2021 figures are provisional."]]
TIDY: Rows = [["Table 1: Employment by region, 2019 to 2021 [note 1]"],
              ["This table contains shorthand markers: [x] not available, [p] provisional."],
              ["Area", "Year", "Employment", "Status"],
              ["E12000001", 2019, 1234.0, None],
              ["E12000001", 2020, 1250.5, None],
              ["E12000002", 2019, "[x]", None],
              ["E12000002", 2020, 3001, "[p]"]]
WIDE: Rows = [["Table 2: Employment by region and year"],
              ["Some cells are estimates"],
              [None, None, None, None, None],
              ["Area", "Area name", "2019", "2020", "2021"],
              ["E12000001", "North East", 1234, 1250, "1300 [p]"],
              ["E12000002", "North West", "[x]", 3001, "3100 [p]"]]
SHEETS = {"Cover": COVER, "Contents": CONTENTS, "Notes": NOTES, "Table_1": TIDY, "Table_2": WIDE}


def write_xlsx(path: Path, sheets: dict[str, Rows]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def write_ods(path: Path, sheets: dict[str, Rows]) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            line = TableRow()
            for value in row:
                if value is None:
                    cell = TableCell()
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                line.addElement(cell)
            table.addElement(line)
        doc.spreadsheet.addElement(table)
    doc.save(str(path))


WRITERS = {"xlsx": write_xlsx, "ods": write_ods}


def published(path: Path, width: int) -> list[str]:
    """The first `width` columns of a built CSV (helper columns follow them)."""
    return [",".join(line.split(",")[:width]) for line in path.read_text().splitlines()]

TIDY_TOML = '''title = "Employment by region"
description = "Employment by region, from Table 1 of the workbook."
issued = "2024-01-01"
data = "../tables.{ext}"
sheet = "Table_1"
{extra}
[columns.Area]
role = "dimension"
component = "geography"

[columns.Year]
role = "dimension"
component = "period"

[columns.Employment]
role = "observations"
measure = "employment"
unit = "people"

[columns.Status]
role = "marker"

[components.employment]
type = "measure"
label = "Employment"

[units.people]
label = "People"
'''

WIDE_TOML = '''title = "Employment by region and year"
description = "Employment by region, from the wide Table 2 of the workbook."
issued = "2024-01-01"
data = "../tables.{ext}"
sheet = "Table_2"
range = "A4:E6"
unpivot = {{ columns = "2019:2021", into = "Year", value = "Employment" }}
ignore_columns = ["Area name"]

[columns.Area]
role = "dimension"
component = "geography"

[columns.Year]
role = "dimension"
component = "period"

[columns.Employment]
role = "observations"
measure = "employment"
unit = "people"

[components.employment]
type = "measure"
label = "Employment"

[units.people]
label = "People"
'''


def workbook_project(root: Path, ext: str, extra: str = "", sheets: dict[str, Rows] | None = None) -> Path:
    family = make_project(root)
    WRITERS[ext](family / f"tables.{ext}", sheets or SHEETS)
    for name, text in (("tidy", TIDY_TOML), ("wide", WIDE_TOML)):
        (family / name).mkdir()
        (family / name / "dataset.toml").write_text(text.format(ext=ext, extra=extra))
    return family


@pytest.mark.parametrize("ext", ["xlsx", "ods"])
def test_gss_workbook_builds_tidy_and_wide_tables(ext: str, tmp_path: Path) -> None:
    workbook_project(tmp_path / "project", ext)
    result = build(tmp_path / "project", tmp_path / "out")
    tidy = published(tmp_path / "out/inputs/tidy/data.csv", 4)
    assert tidy == ["Area,Year,Employment,Status", "E12000001,2019,1234,", "E12000001,2020,1250.5,",
                    "E12000002,2019,,x", "E12000002,2020,3001,p"]
    wide = published(tmp_path / "out/inputs/wide/data.csv", 4)
    assert wide[0] == "Area,Year,Employment,Observation status"
    assert wide[1:] == ["E12000001,2019,1234,", "E12000001,2020,1250,", "E12000001,2021,1300,p",
                        "E12000002,2019,,x", "E12000002,2020,3001,", "E12000002,2021,3100,p"]
    assert result.observations == 4 + 6
    located = {str(p.location).split("/inputs/")[-1]: p.code for p in result.problems
               if p.severity is Severity.WARNING}
    # The marker taken out of "1300 [p]" is located at its cell: E5 of Table_2.
    assert located[f"tables.{ext}[Table_2]:5:5"] == "obs.marker-in-value"


@pytest.mark.parametrize("ext", ["xlsx", "ods"])
def test_problems_in_a_sheet_name_the_sheet_row_and_column(ext: str, tmp_path: Path) -> None:
    sheets = dict(SHEETS, Table_1=[r if r[:2] != ["E12000001", 2020] else ["E12000001", 2020, "n/a", None]
                                   for r in TIDY])
    family = workbook_project(tmp_path / "project", ext, sheets=sheets)
    with pytest.raises(CogsError) as caught:
        build(tmp_path / "project", tmp_path / "out")
    problems = [p for p in caught.value.problems if p.code == "obs.not-a-number"]
    assert [str(p.location) for p in problems] == [f"{family}/tables.{ext}[Table_1]:5:3"]  # cell C5


def test_wide_cells_are_located_at_their_own_column(tmp_path: Path) -> None:
    sheets = dict(SHEETS, Table_2=[*WIDE[:5], ["E12000002", "North West", "[x]", 3001, "lots"]])
    family = workbook_project(tmp_path / "project", "xlsx", sheets=sheets)
    with pytest.raises(CogsError) as caught:
        build(tmp_path / "project", tmp_path / "out")
    where = [str(p.location) for p in caught.value.problems if p.code == "obs.not-a-number"]
    assert where == [f"{family}/tables.xlsx[Table_2]:6:5"]  # E6


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    family = workbook_project(tmp_path / "project", "xlsx")
    toml = family / "tidy" / "dataset.toml"
    toml.write_text(toml.read_text().replace('sheet = "Table_1"', 'sheet = "table_1"'))
    with pytest.raises(CogsError) as caught:
        build(tmp_path / "project", tmp_path / "out")
    [problem] = [p for p in caught.value.problems if p.code == "sheet.no-such-sheet"]
    assert str(problem.location) == f"{toml}:5:1"
    assert problem.hint is not None and "'Table_1'" in problem.hint


def test_sheet_is_required_when_the_workbook_has_several(tmp_path: Path) -> None:
    family = workbook_project(tmp_path / "project", "xlsx")
    toml = family / "tidy" / "dataset.toml"
    toml.write_text(toml.read_text().replace('sheet = "Table_1"\n', ""))
    with pytest.raises(CogsError) as caught:
        build(tmp_path / "project", tmp_path / "out")
    assert [p.code for p in caught.value.problems if p.severity is Severity.ERROR] == ["sheet.sheet-required"]


def test_unpivot_of_unknown_columns_is_located_in_the_config(tmp_path: Path) -> None:
    family = workbook_project(tmp_path / "project", "xlsx")
    toml = family / "wide" / "dataset.toml"
    toml.write_text(toml.read_text().replace('"2019:2021"', '"2019:2022"'))
    with pytest.raises(CogsError) as caught:
        build(tmp_path / "project", tmp_path / "out")
    [problem] = caught.value.problems
    assert problem.code == "config.unpivot-columns" and str(problem.location) == f"{toml}:7:1"
    assert "'2022'" in problem.message


def test_unpivot_works_on_csv_too(tmp_path: Path) -> None:
    csv = tmp_path / "wide.csv"
    csv.write_text("Area,2019,2020\nE12000001,1,2\nE12000002,3,[x]\n")
    table = read_table(DataPath.of(csv, ReadOptions(unpivot=Unpivot(("2019", "2020"), "Year", "Value"))))
    assert table.header == ("Area", "Year", "Value")
    assert table.frame["Year"].to_list() == ["2019", "2020", "2019", "2020"]
    assert str(table.cell(3, "Value")) == f"{csv}:3:3"
    assert str(table.cell(3, "Year")) == f"{csv}:1:3"


def test_note_references_in_wide_headers_are_left_out_of_the_values(tmp_path: Path) -> None:
    csv = tmp_path / "wide.csv"
    csv.write_text("Area,2019,2020 [note 1]\nE12000001,1,2\n")
    table = read_table(DataPath.of(csv, ReadOptions(unpivot=Unpivot(("2019:2020 [note 1]",), "Year", "Value"))))
    assert table.frame["Year"].to_list() == ["2019", "2020"]
    [note] = [p for p in table.problems if p.code == "csv.note-reference"]
    assert str(note.location) == f"{csv}:1:3" and note.severity is Severity.INFO


def test_ranges_and_cell_text() -> None:
    assert parse_range("A3:F200") == (3, 1, 200, 6)
    assert parse_range("$B$3:$AA") == (3, 2, None, 27)
    assert parse_range("C7") == (7, 3, None, None)
    assert parse_range("F3:A1") is None and parse_range("3:4") is None
    assert [column_letters(n) for n in (1, 26, 27, 702, 703)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert all(column_number(column_letters(n)) == n for n in range(1, 2000))
    assert [cell_text(v) for v in (1234.0, 0.1 + 0.2, 12.5, "", " x", True)] == ["1234", "0.3", "12.5", None,
                                                                                   " x", "TRUE"]


def test_header_found_below_title_rows(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "t.xlsx", {"Table_1": TIDY})
    region = read_region(tmp_path / "t.xlsx", None, None, None)
    assert region.first_row == 3 and region.first_column == 1
    assert region.rows[0] == ["Area", "Year", "Employment", "Status"]


@pytest.mark.slow
def test_a_sheet_of_a_million_cells_reads_whole(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data")
    sheet.append(["Area", "Period", "Sector", "Flow", "Measure", "Unit", "Marker", "Notes", "Extra", "Value"])
    for i in range(100_000):
        sheet.append([f"E{i % 400:08d}", 2000 + i % 20, f"s{i % 50}", "export", "value", "gbp", "", "n", "e",
                      i * 1.5])
    book.save(tmp_path / "big.xlsx")
    table = read_table(DataPath.of(tmp_path / "big.xlsx", ReadOptions(sheet="Data")))
    assert table.frame.height == 100_000 and len(table.header) == 10
    assert table.frame.row(99_999)[:2] == (f"E{99_999 % 400:08d}", str(2000 + 99_999 % 20))


@pytest.mark.parametrize("case,code,where", [
    ("missing", "sheet.missing-file", "nothing.xlsx"),
    ("not-a-workbook", "sheet.unreadable", "t.xlsx"),
    ("bad-range", "sheet.bad-range", "dataset.toml:6:1"),
    ("empty-sheet", "sheet.empty", "t.xlsx[Empty]:1:1"),
    ("untitled", "sheet.blank-title", "t.xlsx[Table_1]:3:2"),
    ("sheet-on-csv", "config.not-a-spreadsheet", "dataset.toml:4:1"),
])
def test_spreadsheet_problems_are_located(case: str, code: str, where: str, tmp_path: Path) -> None:
    sheets: dict[str, Rows] = {"Table_1": TIDY, "Empty": [["Just a title"]]}
    if case == "untitled":
        sheets["Table_1"] = [TIDY[0], TIDY[1], ["Area", None, "Employment", "Status"], *TIDY[3:]]
    write_xlsx(tmp_path / "t.xlsx", sheets)
    (tmp_path / "t.csv").write_text("Area,Value\nE12000001,1\n")
    data = {"missing": "nothing.xlsx", "sheet-on-csv": "t.csv"}.get(case, "t.xlsx")
    if case == "not-a-workbook":
        (tmp_path / "t.xlsx").write_text("Area,Value\n")
    sheet = "Empty" if case == "empty-sheet" else "Table_1"
    (tmp_path / "dataset.toml").write_text("\n".join([
        'title = "T"', 'description = "D"', 'issued = "2024-01-01"', f'data = "{data}"', f'sheet = "{sheet}"',
        'range = "A3:Z"' if case != "bad-range" else 'range = "3:A"']))
    from cogs.config import dataset_from_data, locate_key, read_toml

    values, text = read_toml(tmp_path / "dataset.toml")
    values["columns"] = {"Area": {"role": "dimension", "component": "geography"}}
    if case in ("empty-sheet", "untitled", "not-a-workbook", "missing"):
        values.pop("range")
    config = dataset_from_data(tmp_path, tmp_path / "dataset.toml", values, lambda keys: locate_key(text, keys))
    with pytest.raises(CogsError) as caught:
        read_table(config.data)
    [problem] = caught.value.problems
    assert problem.code == code
    assert str(problem.location) == f"{tmp_path}/{where}"
