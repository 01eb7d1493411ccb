"""`cogs validate`: exit codes, text and JSON output, problems located at the CSV cell."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cogs.cli import main
from cogs.validate.paths import validate_paths

from .corpus import FIXTURES, broken, write_ntriples

CUBE = FIXTURES / "valid" / "cube.ttl"
CSVW = FIXTURES / "csvw" / "births.csv-metadata.json"
CSV = FIXTURES / "csvw" / "births.csv"


def test_a_valid_cube_conforms_with_exit_0() -> None:
    result = CliRunner().invoke(main, ["validate", str(CUBE)])
    assert result.exit_code == 0, result.output


def test_violations_exit_1_with_code_severity_message_and_focus(tmp_path: Path) -> None:
    data = write_ntriples(broken(FIXTURES / "broken" / "qb-ic-12.ru").graph(), tmp_path / "dup.nt")
    result = CliRunner().invoke(main, ["validate", str(data), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert {p["code"] for p in report["problems"]} == {"qb-ic-12"}
    assert {p["focus"] for p in report["problems"]} == {
        "https://stats.example/health/births/#obs/E92000001/2022/F",
        "https://stats.example/health/births/#obs/E92000001/2022/F/again",
    }
    assert all(p["severity"] == "error" and "same dimension values" in p["message"] for p in report["problems"])


def test_warnings_alone_conform_unless_strict(tmp_path: Path) -> None:
    data = write_ntriples(broken(FIXTURES / "broken" / "catalog-modified.ru").graph(), tmp_path / "w.nt")
    assert CliRunner().invoke(main, ["validate", str(data)]).exit_code == 0
    assert CliRunner().invoke(main, ["validate", "--strict", str(data)]).exit_code == 1


def test_a_missing_or_unreadable_input_is_a_tool_failure_exit_2(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["validate", str(tmp_path / "absent.ttl")]).exit_code == 2
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n ex:d .\nex:e ex:f\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2, result.output
    assert "validate-rdf-syntax" in result.output and "bad.ttl:" in result.output


def test_problems_in_a_csvw_table_point_to_the_cell() -> None:
    problems = validate_paths([CUBE, CSVW])
    located = {(p.code, str(p.location)) for p in problems if p.location}
    assert located == {
        ("obs-measure-datatype", f"{CSV.relative_to(Path.cwd()) if CSV.is_relative_to(Path.cwd()) else CSV}:3:4"),
        ("qb-ic-19", f"{CSV.relative_to(Path.cwd()) if CSV.is_relative_to(Path.cwd()) else CSV}:4:1"),
    }


def test_text_output_reads_path_line_column_severity_code_message() -> None:
    result = CliRunner().invoke(main, ["validate", str(CUBE), str(CSVW)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "births.csv:" in line]
    assert any(line.endswith("error[obs-measure-datatype] \"n/a\" is not a valid value of measure "
                             "<https://stats.example/health/measure/births/>, whose range is xsd:decimal")
               and ":3:4: " in line for line in lines), lines


def test_every_problem_code_is_documented() -> None:
    from cogs.validate import default_shapes

    text = (Path(__file__).resolve().parents[2] / "docs" / "validate.md").read_text(encoding="utf-8")
    codes = set(default_shapes().codes()) | {"validate-no-such-file", "validate-unknown-format",
                                             "validate-rdf-syntax", "validate-columnar-unsupported"}
    assert {c for c in codes if f"`{c}`" not in text} == set()


def test_the_documented_severity_is_the_shapes_severity() -> None:
    import re

    from cogs.validate import default_shapes

    text = (Path(__file__).resolve().parents[2] / "docs" / "validate.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning) \|", text, flags=re.M))
    assert {c.code: str(c.severity) for c in default_shapes().checks} == documented


def test_a_project_folder_is_built_then_validated_and_conforms(good_project: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(good_project), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["conforms"] is True and report["errors"] == 0
