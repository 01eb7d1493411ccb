"""The messy-CSV corpus: each case in messy/<case>/ builds with exactly the problems in its expected.txt.

`expected.txt` lists `severity code file:line:column`, one problem a line (notes left out); an empty
file means the case reads cleanly. Every fix the reader makes is reported where it was made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cogs.build import build
from cogs.problems import CogsError, Problem, Severity

from .conftest import copy_case, make_project

MESSY = Path(__file__).resolve().parent / "messy"
CASES = sorted(p.name for p in MESSY.iterdir() if p.is_dir())


def reported(problems: list[Problem], folder: Path) -> set[str]:
    out = set()
    for p in problems:
        if p.severity is Severity.INFO:
            continue
        assert p.location is not None, p
        where = str(p.location).replace(str(folder) + "/", "")
        out.add(f"{p.severity} {p.code} {where}")
    return out


@pytest.mark.parametrize("case", CASES)
def test_messy_case_reports_exactly_its_expected_problems(case: str, tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    folder = copy_case(MESSY / case, family, case)
    expected = {line.strip() for line in (MESSY / case / "expected.txt").read_text().splitlines() if line.strip()}
    try:
        result = build(tmp_path / "project", tmp_path / "out")
    except CogsError as exc:
        problems = exc.problems
        assert any(p.severity is Severity.ERROR for p in problems)
        assert any(line.startswith("error ") for line in expected), problems
    else:
        problems = result.problems
        assert not any(line.startswith("error ") for line in expected)
    assert reported(problems, folder) == expected


def test_every_case_has_expected_problems_beside_it() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert (MESSY / case / "expected.txt").is_file(), case
        assert (MESSY / case / "data.csv").is_file(), case


def test_windows_1252_detected_reads_the_same_as_declared(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    copy_case(MESSY / "windows-1252-detected", family, "cp1252")
    build(tmp_path / "project", tmp_path / "out")
    text = (tmp_path / "out/inputs/cp1252/data.csv").read_text("utf-8")
    assert "Cafés" in text


def test_cleaned_values_are_published_as_numbers(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    copy_case(MESSY / "everything-at-once", family, "mixed")
    result = build(tmp_path / "project", tmp_path / "out")
    rows = (tmp_path / "out/inputs/mixed/data.csv").read_text("utf-8").splitlines()
    assert rows[0].startswith("Area,Period,Sector,Value")
    assert rows[1].startswith('E92000001,2019,"Farming, forestry",1234,p')
    assert result.observations == 3


def test_blank_rows_are_left_out_with_a_note(tmp_path: Path) -> None:
    family = make_project(tmp_path / "project")
    folder = copy_case(MESSY / "blank-trailing-rows", family, "blank")
    result = build(tmp_path / "project", tmp_path / "out")
    [note] = [p for p in result.problems if p.code == "csv.blank-rows"]
    assert note.severity is Severity.INFO and str(note.location) == f"{folder}/data.csv:5:1"
    assert note.message == "3 blank row(s) left out (line 5 to 7)"
    assert result.observations == 3
