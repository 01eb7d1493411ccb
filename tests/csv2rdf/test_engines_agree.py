"""The vectorised engine and the reference (cell by cell) engine give the same graph and warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import to_isomorphic

from cogs.csv2rdf import csv2rdf
from tests.conftest import shared_path
from tests.csv2rdf.w3c import SUITE, TESTS, SuiteServer, entries


def _same_graph(a: str, b: str) -> bool:
    ga = rdflib.Graph().parse(data=a, format="nt")
    gb = rdflib.Graph().parse(data=b, format="nt")
    return to_isomorphic(ga) == to_isomorphic(gb)


@pytest.mark.slow
def test_engines_agree_on_the_w3c_suite() -> None:
    if not (SUITE / "tests" / "manifest-rdf.jsonld").exists():
        pytest.skip(f"{SUITE} is absent: the W3C CSVW test suite is not beside this checkout")
    compared = 0
    with SuiteServer() as server:
        for entry in entries("rdf"):
            if entry["type"].startswith("csvt:Negative"):
                continue
            option = entry.get("option", {})
            server.set_headers("2013/csvw/tests/" + entry["action"], {"Link": entry["httpLink"]} if "httpLink" in entry else {})
            for mode in ("standard", "minimal"):
                kwargs = {
                    "metadata": TESTS + option["metadata"] if "metadata" in option else None,
                    "mode": mode, "prov": False, "fetch": server.fetch,
                }
                reference = csv2rdf(TESTS + entry["action"], engine="reference", **kwargs)  # type: ignore[arg-type]
                try:
                    fast = csv2rdf(TESTS + entry["action"], engine="fast", **kwargs)  # type: ignore[arg-type]
                except ValueError:
                    continue  # input the vectorised engine leaves to the reference engine
                compared += 1
                where = f"{entry['id']} ({mode})"
                assert _same_graph(reference.ntriples, fast.ntriples), where
                assert sorted(p.message for p in reference.problems) == sorted(p.message for p in fast.problems), where
    assert compared > 300  # the vectorised engine takes most of the suite


@pytest.mark.parametrize("dataset", ["energy-trends", "ghg-emissions", "qualifications"])
def test_engines_agree_on_csvcubed_output(dataset: str) -> None:
    folder = shared_path("data", "csvcubed", dataset)
    metadata = next(p for p in sorted(folder.glob("*.csv-metadata.json")) if not p.name.startswith("year"))
    reference = csv2rdf(metadata, engine="reference", mode="minimal")
    fast = csv2rdf(metadata, engine="fast", mode="minimal")
    assert fast.engine == "fast" and reference.engine == "reference"
    # minimal mode here has no blank nodes: the same triples, line for line
    assert "_:" not in fast.ntriples
    assert sorted(set(reference.ntriples.splitlines())) == sorted(set(fast.ntriples.splitlines()))


@pytest.mark.parametrize("batch", [250_000, 2])
def test_engines_agree_in_standard_mode_with_warnings(tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from cogs.csv2rdf import fast as fast_engine

    monkeypatch.setattr(fast_engine, "BATCH", batch)  # small batches: keys are still checked across them
    (tmp_path / "t.csv").write_text("id,amount,when,flag\na,1,2020-01-01,true\nb,x,2020-02-30,maybe\na, 3 ,,1\n")
    (tmp_path / "t.csv-metadata.json").write_text("""{
      "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
      "url": "t.csv", "dc:title": "A table",
      "tableSchema": {
        "columns": [
          {"titles": "id", "name": "id", "required": true},
          {"titles": "amount", "name": "amount", "datatype": "integer"},
          {"titles": "when", "name": "when", "datatype": "date", "required": true},
          {"titles": "flag", "name": "flag", "datatype": "boolean"},
          {"name": "kind", "virtual": true, "propertyUrl": "rdf:type", "valueUrl": "http://example.org/Thing"}
        ],
        "primaryKey": "id",
        "aboutUrl": "#{id}-{_row}"
      }
    }""")
    reference = csv2rdf(tmp_path / "t.csv", engine="reference", prov=False)
    fast = csv2rdf(tmp_path / "t.csv", engine="fast", prov=False)
    assert _same_graph(reference.ntriples, fast.ntriples)
    messages = sorted(p.message for p in fast.problems)
    assert messages == sorted(p.message for p in reference.problems)
    assert any("is not a valid integer" in m for m in messages)
    assert any("is not a valid date" in m for m in messages)
    assert any("duplicate primary key" in m for m in messages)
    assert any("'when' is required" in m for m in messages)


@pytest.mark.parametrize(("name", "data"), [
    ("header only", b"id,name\n"),
    ("no final newline", b"id,name\n1,a"),
    ("CRLF and a BOM", b"\xef\xbb\xbfid,name\r\n1,a\r\n2,b\r\n"),
    ("short and long rows", b"id,name\n1\n2,b,extra\n"),
    ("quoted cells", b'id,name\n1,"a, ""quoted"" name"\n2,"back\\\\slash"\n'),
    ("a cell over two lines", b'id,name\n1,"two\nlines"\n'),
    ("blank line", b"id,name\n1,a\n\n2,b\n"),
    ("spaces to trim", b"id,name\n 1 , a \n"),
])
def test_engines_agree_on_csv_edge_cases(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / "t.csv").write_bytes(data)
    for mode in ("standard", "minimal"):
        reference = csv2rdf(tmp_path / "t.csv", engine="reference", mode=mode, prov=False)
        auto = csv2rdf(tmp_path / "t.csv", engine="auto", mode=mode, prov=False)
        assert _same_graph(reference.ntriples, auto.ntriples), (name, mode, auto.engine)
        assert sorted(p.message for p in reference.problems) == sorted(p.message for p in auto.problems)
