"""`cogs csv2rdf`: RDF to stdout or a file, warnings to stderr, exit 1 on fatal input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from cogs.cli import main

EX = "http://example.org/"


@pytest.fixture
def table(tmp_path: Path) -> Path:
    (tmp_path / "people.csv").write_text("id,name,age\n1,Ann,34\n2,Bob,forty\n")
    (tmp_path / "people.csv-metadata.json").write_text(json.dumps({
        "@context": "http://www.w3.org/ns/csvw",
        "url": "people.csv",
        "tableSchema": {
            "columns": [
                {"titles": "id", "name": "id"},
                {"titles": "name", "name": "name", "propertyUrl": "http://xmlns.com/foaf/0.1/name"},
                {"titles": "age", "name": "age", "datatype": "integer", "propertyUrl": f"{EX}age"},
            ],
            "aboutUrl": EX + "person/{id}",
        },
    }))
    return tmp_path


def test_csv_finds_its_metadata_and_prints_ntriples(table: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["csv2rdf", str(table / "people.csv"), "--mode", "minimal"])
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(data=result.stdout, format="nt")
    ann = rdflib.URIRef(EX + "person/1")
    assert graph.value(ann, rdflib.URIRef("http://xmlns.com/foaf/0.1/name")) == rdflib.Literal("Ann")
    assert graph.value(ann, rdflib.URIRef(EX + "age")) == rdflib.Literal(34)
    # 'forty' is not an integer: a warning naming file, line and column; the value stays a string
    assert "people.csv:3:3: warning[csvw.warning]" in result.stderr
    assert graph.value(rdflib.URIRef(EX + "person/2"), rdflib.URIRef(EX + "age")) == rdflib.Literal("forty")


def test_standard_mode_turtle_to_a_file(table: Path) -> None:
    out = table / "people.ttl"
    result = CliRunner().invoke(main, ["csv2rdf", str(table / "people.csv-metadata.json"), "--format", "ttl",
                                       "--no-prov", "-o", str(out)])
    assert result.exit_code == 0, result.output
    graph = rdflib.Graph().parse(out, format="turtle")
    csvw = rdflib.Namespace("http://www.w3.org/ns/csvw#")
    assert len(set(graph.subjects(rdflib.RDF.type, csvw.Row))) == 2
    assert not set(graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/prov#Activity")))


def test_provenance_in_standard_mode_follows_source_date_epoch(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    result = CliRunner().invoke(main, ["csv2rdf", str(table / "people.csv")])
    assert result.exit_code == 0, result.output
    assert '"1970-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in result.stdout


def test_json_output(table: Path) -> None:
    result = CliRunner().invoke(main, ["csv2rdf", str(table / "people.csv"), "--format", "json", "--mode", "minimal"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0] == {"@id": EX + "person/1", "id": "1", "foaf:name": "Ann", f"{EX}age": 34}


def test_user_metadata_overrides(table: Path) -> None:
    (table / "user.json").write_text(json.dumps({
        "@context": "http://www.w3.org/ns/csvw", "url": "people.csv",
        "tableSchema": {"columns": [{"name": "a"}, {"name": "b"}, {"name": "c"}]},
    }))
    result = CliRunner().invoke(main, ["csv2rdf", str(table / "people.csv"), "--metadata", str(table / "user.json"),
                                       "--mode", "minimal"])
    assert result.exit_code == 0, result.output
    assert (table / "people.csv").as_uri() + "#b>" in result.stdout


def test_fatal_metadata_exits_1(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "bad.json").write_text(json.dumps({"@context": "http://www.w3.org/ns/csvw", "@id": "_:x", "url": "t.csv"}))
    result = CliRunner().invoke(main, ["csv2rdf", str(tmp_path / "bad.json")])
    assert result.exit_code == 1
    assert "error[csvw.invalid]" in result.stderr and "blank node" in result.stderr
    assert result.stdout == ""


def test_missing_file_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["csv2rdf", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "nope.csv" in result.stderr


def test_fatal_metadata_error_points_at_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a\n1\n")
    (tmp_path / "t.json").write_text('''{
  "@context": "http://www.w3.org/ns/csvw",
  "url": "t.csv",
  "tableSchema": {"columns": [{"name": "a", "datatype": {"base": "string", "minimum": 3}}]}
}
''')
    result = CliRunner().invoke(main, ["csv2rdf", str(tmp_path / "t.json")])
    assert result.exit_code == 1
    assert f"{tmp_path / 't.json'}:4:" in result.stderr and "minimum does not apply to string" in result.stderr


@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
def test_output_is_deterministic(table: Path, fmt: str) -> None:
    """Byte-identical output from two processes with different string hashing."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, SOURCE_DATE_EPOCH="0")
        done = subprocess.run([sys.executable, "-c", "from cogs.cli import main; main()", "csv2rdf",
                               str(table / "people.csv"), "--format", fmt],
                              capture_output=True, env=env, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and outputs[0]
