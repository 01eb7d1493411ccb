"""A dataset given only as CSVW metadata appears in the catalogue, the dump, the manifest and the site."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import DCAT, DCTERMS, QB, RDF, SKOS

from cogs.cli import main
from cogs.site.links import check_links

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "csvw-dataset"
BASE = "https://stats.example.org/"
PORTS = f"{BASE}trade/ports/"
METADATA = "ports.csv-metadata.json"


@pytest.fixture
def project(good_project: Path) -> Path:
    """The good project with the CSVW-only dataset trade/ports laid over it."""
    shutil.copytree(FIXTURE, good_project, dirs_exist_ok=True)
    return good_project


def build(project: Path, out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(project), "-o", str(out), *args])
    return result.exit_code, result.output


def quads(out: Path) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress((out / "cogs.nq.gz").read_bytes()).decode(), format="nquads")
    return dataset


def test_csvw_dataset_is_catalogued_dumped_and_listed(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = build(project, out)
    assert code == 0, output
    assert "built 3 datasets in 1 family (16 observations)" in output  # 10 in the tidy tables, 6 in ports.csv

    catalog = rdflib.Graph().parse(out / "catalog.ttl")
    ports = rdflib.URIRef(PORTS)
    assert (rdflib.URIRef(BASE), DCAT.dataset, ports) in catalog
    assert (rdflib.URIRef(f"{BASE}trade/"), DCAT.dataset, ports) in catalog
    assert str(catalog.value(ports, DCTERMS.title)) == "Freight through major ports"  # from the CSVW
    family_license = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert catalog.value(ports, DCTERMS.license) == rdflib.URIRef(family_license)  # inherited
    assert catalog.value(ports, DCTERMS.publisher) == \
        rdflib.URIRef("https://www.gov.uk/government/organisations/hm-revenue-customs")
    downloads = {str(catalog.value(d, DCAT.downloadURL)) for d in catalog.objects(ports, DCAT.distribution)}
    assert f"{PORTS}ports.csv" in downloads and f"{PORTS}{METADATA}" in downloads
    for url in downloads:
        assert (out / url[len(BASE):]).is_file(), url

    dump = quads(out)
    graph = dump.graph(ports)
    observations = set(graph.subjects(RDF.type, QB.Observation))
    assert len(observations) == 6  # the rows of ports.csv
    assert all((o, QB.dataSet, ports) in graph for o in observations)
    assert (ports, QB.structure, rdflib.URIRef(f"{PORTS}#structure")) in graph
    port_list = rdflib.URIRef(f"{PORTS}codelist/port/")
    assert len(set(graph.subjects(SKOS.inScheme, port_list))) == 3  # the code list table
    # its years are reference.data.gov.uk URIs: they join the build's period list, as other datasets' do
    periods = rdflib.URIRef(f"{BASE}ref/codelist/period/")
    sdmx_period = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
    assert (sdmx_period, QB.codeList, periods) in graph
    assert {str(c) for c in graph.subjects(SKOS.inScheme, periods)} == \
        {"http://reference.data.gov.uk/id/year/2019", "http://reference.data.gov.uk/id/year/2020"}
    assert not any(isinstance(t, rdflib.BNode) for triple in graph for t in triple)
    assert not any(str(p).startswith("http://www.w3.org/ns/csvw#") for p in graph.predicates())
    assert (rdflib.URIRef(BASE), DCAT.dataset, ports) in dump.graph(rdflib.URIRef(BASE))

    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = [d for d in manifest["datasets"] if d["id"] == "trade/ports"]
    assert entry["uri"] == PORTS and entry["observations"] == 6 and entry["given_as"] == "csvw"
    for key in ("csv", "metadata", "turtle", "ntriples"):
        assert (out / entry[key]).is_file(), key
    assert (out / "schemas" / "csvw-dataset.schema.json").is_file()
    (graph_entry,) = [g for g in manifest["graphs"] if g["iri"] == PORTS]
    assert graph_entry["triples"] == len(graph)
    own = rdflib.Graph().parse(data=gzip.decompress((out / entry["ntriples"]).read_bytes()).decode(), format="nt")
    assert len(set(own.subjects(RDF.type, QB.Observation))) == 6


def test_csvw_dataset_has_site_pages_linked_from_its_family(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = build(project, out)
    assert code == 0, output
    page = out / "trade" / "ports" / "index.html"
    assert page.is_file()
    assert "Freight through major ports" in page.read_text()
    family_links = re.findall(r'href="([^"]+)"', (out / "trade" / "index.html").read_text())
    assert any((out / "trade" / link).resolve() == page.resolve() for link in family_links)
    assert (out / "trade" / "ports" / "codelist" / "port" / "index.html").is_file()
    assert (out / "trade" / "ports" / "codelist" / "port" / "london" / "index.html").is_file()
    assert check_links(out) == []
    assert "site.unresolved-uri" not in output


def test_build_with_a_csvw_dataset_is_byte_identical(project: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert build(project, first)[0] == 0
    assert build(project, second)[0] == 0
    for name in ("catalog.ttl", "manifest.json", "cogs.nq.gz", "trade/ports/dataset.ttl",
                 "trade/ports/observations.nt.gz"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _edit_metadata(project: Path, change: object) -> Path:
    path = project / "trade" / "ports" / METADATA
    document = json.loads(path.read_text())
    change(document)  # type: ignore[operator]
    path.write_text(json.dumps(document, indent=2))
    return path


def _catalogue_entry(document: dict[str, object]) -> dict[str, object]:
    see_also = document["rdfs:seeAlso"]
    assert isinstance(see_also, list)
    entry: dict[str, object] = see_also[0]
    return entry


def test_catalogue_fields_the_csvw_lacks_are_reported_then_taken_from_dataset_toml(project: Path,
                                                                                    tmp_path: Path) -> None:
    path = _edit_metadata(project, lambda d: [_catalogue_entry(d).pop(k) for k in ("dcterms:title", "dcterms:issued")])
    out = tmp_path / "out"
    code, output = build(project, out)
    assert code == 1, output
    assert f"{path}: error[csvw-dataset.missing-metadata] the CSVW gives its data set no title" in output
    assert "no issued" in output
    assert f"add title = ... to {project / 'trade' / 'ports' / 'dataset.toml'}" in output
    assert not out.exists()

    (project / "trade" / "ports" / "dataset.toml").write_text(
        f'csvw = "{METADATA}"\ntitle = "Port freight"\nissued = 2024-06-01\n')
    code, output = build(project, out)
    assert code == 0, output
    catalog = rdflib.Graph().parse(out / "catalog.ttl")
    assert str(catalog.value(rdflib.URIRef(PORTS), DCTERMS.title)) == "Port freight"
    assert str(catalog.value(rdflib.URIRef(PORTS), DCTERMS.issued)) == "2024-06-01"


def test_dataset_toml_keys_are_checked(project: Path, tmp_path: Path) -> None:
    toml = project / "trade" / "ports" / "dataset.toml"
    toml.write_text(f'csvw = "{METADATA}"\ntitel = "Port freight"\n')
    code, output = build(project, tmp_path / "out")
    assert code == 1, output
    assert f"{toml}:2:1: error[config.unknown-key] unknown key 'titel'" in output


def test_two_metadata_documents_without_dataset_toml_are_ambiguous(project: Path, tmp_path: Path) -> None:
    folder = project / "trade" / "ports"
    shutil.copyfile(folder / METADATA, folder / "copy.csv-metadata.json")
    code, output = build(project, tmp_path / "out")
    assert code == 1, output
    assert f"{folder}: error[config.csvw-ambiguous]" in output
    (folder / "dataset.toml").write_text(f'csvw = "{METADATA}"\n')
    code, output = build(project, tmp_path / "out")
    assert code == 0, output


def test_a_csvw_that_is_not_a_cube_is_reported(project: Path, tmp_path: Path) -> None:
    path = _edit_metadata(project, lambda d: _catalogue_entry(d).update({"@type": "dcat:Dataset"}))
    code, output = build(project, tmp_path / "out")
    assert code == 1, output
    assert f"{path}: error[csvw-dataset.not-a-cube] the converted CSVW has no qb:DataSet" in output


def test_the_shapes_hold_a_csvw_dataset_to_the_integrity_constraints(project: Path, tmp_path: Path) -> None:
    """Two observations with the same key: IC-12, as for any other dataset."""
    csv = project / "trade" / "ports" / "ports.csv"
    csv.write_text(csv.read_text() + "london,2020,50.1\n")
    _edit_metadata(project, lambda d: d["tables"][0]["tableSchema"].update(
        {"aboutUrl": "./#obs/{port}/{year}/{_row}", "primaryKey": ["port", "year", "freight"]}))
    out = tmp_path / "out"
    code, output = build(project, out)
    assert code == 1, output
    assert "error[qb-ic-12]" in output
    assert f"{out} was left as it was" in output or not out.exists()


def test_csv2rdf_warnings_point_at_the_local_file(project: Path, tmp_path: Path) -> None:
    csv = project / "trade" / "ports" / "ports.csv"
    csv.write_text(csv.read_text().replace("london,2020,49.9", "london,2020,lots"))
    _edit_metadata(project, lambda d: d["tables"][0]["tableSchema"]["columns"][2].pop("required"))
    code, output = build(project, tmp_path / "out")
    # the cell becomes a plain string with a warning, and the shapes reject a measure value out of its range
    assert code == 1, output
    assert f"{csv}:7:3: warning[csvw.warning]" in output, output
    assert "error[obs-measure-datatype]" in output
    assert "https://stats.example.org/trade/ports/ports.csv:" not in output


def test_the_whole_output_conforms(project: Path, tmp_path: Path) -> None:
    """`cogs validate` of the built folder (the dump, every dataset together) agrees with the build."""
    out = tmp_path / "out"
    assert build(project, out)[0] == 0
    result = CliRunner().invoke(main, ["validate", str(out)])
    assert result.exit_code == 0, result.output


def test_a_shared_property_described_another_way_is_caught(project: Path, tmp_path: Path) -> None:
    """The CSVW datasets are checked with the other datasets' metadata: a CSVW that gives the
    reference period a range of its own contradicts the build's description of it."""
    _edit_metadata(project, lambda d: d["rdfs:seeAlso"].append({
        "@id": "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod", "@type": "qb:DimensionProperty",
        "rdfs:label": "Reference period", "rdfs:range": {"@id": "http://www.w3.org/2006/time#Interval"}}))
    out = tmp_path / "out"
    code, output = build(project, out)
    assert code == 1, output
    assert "error[family-shared-component]" in output
