"""csvcubed's CSVW output, read in place from ../shared, as datasets of a family."""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import DCAT, QB, RDF

from cogs.cli import main
from cogs.site.links import check_links
from tests.conftest import shared_path

CUBES = {
    "energy-trends": "energy-trends-uk-total-energy.csv",
    "ghg-emissions": "final-uk-greenhouse-gas-emissions-national-statistics-1990-to-2019.csv",
    "qualifications": "aged-16-to-64-years-level-3-or-above-qualifications.csv",
}


def _rows(path: Path, empty_in: str | None = None) -> int:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return sum(1 for row in csv.DictReader(f) if empty_in is None or row[empty_in].strip() == "")


def _add(project: Path, name: str) -> Path:
    metadata = shared_path("data", "csvcubed", name, CUBES[name] + "-metadata.json")
    folder = project / "trade" / name
    folder.mkdir()
    (folder / "dataset.toml").write_text(f'csvw = "{metadata}"\n')
    return metadata


@pytest.mark.parametrize("name", ["energy-trends", "ghg-emissions"])
def test_csvcubed_output_builds_as_a_dataset(name: str, good_project: Path, tmp_path: Path) -> None:
    metadata = _add(good_project, name)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(out)])
    assert result.exit_code == 0, result.output

    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = [d for d in manifest["datasets"] if d["id"] == f"trade/{name}"]
    uri = entry["uri"]
    assert uri.startswith(f"https://stats.example.org/trade/{name}/{CUBES[name]}#")  # the CSVW's own, under the dataset
    rows = _rows(metadata.parent / CUBES[name])
    assert entry["observations"] == rows

    dump = rdflib.Dataset()
    dump.parse(data=gzip.decompress((out / "cogs.nq.gz").read_bytes()).decode(), format="nquads")
    graph = dump.graph(rdflib.URIRef(uri))
    assert len(set(graph.subjects(RDF.type, QB.Observation))) == rows
    assert set(graph.subjects(RDF.type, QB.DataSet)) == {rdflib.URIRef(uri)}
    assert graph.value(rdflib.URIRef(uri), QB.structure) is not None
    catalog = rdflib.Graph().parse(out / "catalog.ttl")
    assert (rdflib.URIRef("https://stats.example.org/trade/"), DCAT.dataset, rdflib.URIRef(uri)) in catalog
    # csvcubed's own dcat:Dataset gives the title; it is no longer typed so, the qb:DataSet is the record
    assert len(set(catalog.subjects(RDF.type, DCAT.Dataset)) & set(graph.subjects())) == 1

    page = out / "trade" / name / "index.html"
    assert page.is_file()
    assert f'href="{name}/index.html"' in (out / "trade" / "index.html").read_text() or \
        f'href="../trade/{name}/index.html"' in (out / "trade" / "index.html").read_text()
    assert (out / "trade" / name / CUBES[name]).is_file()
    assert check_links(out) == []
    assert "warning[site.unresolved-uri]" not in result.output

    # `cogs validate` of the whole output agrees, but for the properties the build said it could
    # not check: defined in another vocabulary, they have no range in the published graph (IC-4)
    unchecked = set(re.findall(r"<([^>]+)>", "".join(
        line for line in result.output.splitlines() if "csvw-dataset.external-property" in line)))
    checked = CliRunner().invoke(main, ["validate", str(out)])
    errors = [line for line in checked.output.splitlines() if "error[" in line]
    assert {re.match(r"<([^>]+)>", line).group(1) for line in errors if line.startswith("<")} == unchecked  # type: ignore[union-attr]
    assert all("error[qb-ic-4]" in line for line in errors)


def test_csvcubed_missing_values_fail_the_shapes(good_project: Path, tmp_path: Path) -> None:
    """The qualifications cube leaves 42 values empty, marked with csvcubed's own status attribute
    rather than sdmx-attribute:obsStatus: IC-15 by the letter, and the build says so."""
    metadata = _add(good_project, "qualifications")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(out)])
    assert result.exit_code == 1, result.output
    missing = _rows(metadata.parent / CUBES["qualifications"], empty_in="Observation")
    assert missing > 0
    errors = [line for line in result.output.splitlines() if "error[" in line]
    assert len(errors) == missing and all("error[qb-ic-15]" in line for line in errors)
    assert not out.exists()
