"""Real published tables: the table2qb examples (read in place from ../shared) and the example families."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from csvw import TableGroup
from rdflib.namespace import DCAT, QB, RDF, SKOS

from cogs.build import build
from cogs.validate.load import rdf_format, read_bytes
from tests.conftest import ROOT, shared_path

TABLE2QB = ROOT / "tests" / "fixtures" / "table2qb"

# dataset id -> (source CSV under ../shared/data/table2qb, code lists its dimensions use)
TABLES = {
    "regional-trade": ("regional-trade/input.csv", {"flow-directions", "sitc-sections"}),
    "employment": ("employment/input.csv", {"gender"}),
    "bop-quarterly": ("bop-quarterly/balanceofpayments2017q3.csv", {"flow-directions", "services"}),
    "overseas-trade": ("overseas-trade/ots-cn-sample.csv", {"flow-directions", "countries"}),
}


@pytest.fixture(scope="module")
def table2qb_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared_path("data", "table2qb")
    return build(TABLE2QB, tmp_path_factory.mktemp("t2q") / "out").out


def rows_of(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for row in csv.DictReader(handle) if any(v.strip() for v in row.values() if v))


@pytest.mark.parametrize("dataset", sorted(TABLES))
def test_table2qb_table_builds_with_its_codelists(table2qb_out: Path, dataset: str) -> None:
    source, lists = TABLES[dataset]
    folder = table2qb_out / "table2qb" / dataset
    graph = rdflib.Graph().parse(folder / "dataset.ttl")
    graph.parse(data=gzip.decompress((folder / "observations.nt.gz").read_bytes()).decode(), format="nt")
    observations = set(graph.subjects(RDF.type, QB.Observation))
    assert len(observations) == rows_of(shared_path("data", "table2qb", source))
    schemes = {str(s).rstrip("/").rsplit("/", 1)[-1] for s in graph.subjects(RDF.type, SKOS.ConceptScheme)}
    assert lists <= schemes
    for scheme_id in lists:
        scheme = rdflib.URIRef(f"https://table2qb.example.org/table2qb/codelist/{scheme_id}/")
        used = {o for s in observations for o in graph.objects(s, None) if str(o).startswith(str(scheme))}
        members = set(graph.subjects(SKOS.inScheme, scheme))
        assert used and used <= members, scheme_id
        assert (table2qb_out / "table2qb" / "codelist" / scheme_id / "codelist.csv").is_file()


def test_table2qb_cdid_attribute_is_kept(table2qb_out: Path) -> None:
    text = gzip.decompress((table2qb_out / "table2qb" / "bop-quarterly" / "observations.nt.gz").read_bytes()).decode()
    assert '"MTN7"' in text


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ROOT / "families", tmp_path_factory.mktemp("examples") / "out").out


def test_example_families_build_with_every_dataset_in_the_dump(examples_out: Path) -> None:
    manifest = json.loads((examples_out / "manifest.json").read_text())
    families = {d["id"].split("/")[0] for d in manifest["datasets"]}
    assert "trade" in families and len(families) >= 2
    assert sum(d["id"].startswith("trade/") for d in manifest["datasets"]) >= 3
    store = rdflib.Dataset()
    with gzip.open(examples_out / "cogs.nq.gz", "rb") as handle:
        store.parse(handle, format="nquads")
    graphs = {str(g.identifier) for g in store.graphs() if len(g)}
    for entry in manifest["datasets"]:
        assert entry["uri"] in graphs
        graph = store.graph(rdflib.URIRef(entry["uri"]))
        assert len(set(graph.subjects(RDF.type, QB.Observation))) == entry["rows"]
        assert entry["rows"] == rows_of(examples_out / entry["csv"])


def test_trade_datasets_share_flow_geography_and_period(examples_out: Path) -> None:
    dims: dict[str, set[str]] = {}
    for folder in sorted((examples_out / "trade").iterdir()):
        if (folder / "dataset.ttl").is_file():
            graph = rdflib.Graph().parse(folder / "dataset.ttl")
            dims[folder.name] = {str(d) for d in graph.objects(None, QB.dimension)}
    shared = set.intersection(*dims.values())
    assert "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod" in shared
    assert "http://purl.org/linked-data/sdmx/2009/dimension#refArea" in shared
    assert any(d.endswith("/dimension/flow/") for d in shared)


def test_every_rdf_and_csvw_file_of_the_examples_reads(examples_out: Path) -> None:
    """What `make build` writes: every RDF file (the build's and the site's, offline) parses, every
    CSVW metadata file opens with the csvw package with all its rows, and the catalogue lists
    every dataset."""
    counts: dict[str, int] = {}
    for path in sorted(examples_out.rglob("*")):
        fmt = rdf_format(path) if path.is_file() else None
        if fmt is None:
            continue
        assert list(pyoxigraph.parse(read_bytes(path), format=fmt)), path
        counts[fmt.name] = counts.get(fmt.name, 0) + 1
    assert {"Turtle", "JSON-LD", "N-Triples", "N-Quads"} <= set(counts), counts
    metadata = sorted(examples_out.rglob("*.csv-metadata.json"))
    assert len(metadata) >= 7
    for path in metadata:
        for table in TableGroup.from_file(path).tables:
            rows = list(table.iterdicts(strict=True))
            assert len(rows) == rows_of(path.parent / str(table.url)) > 0, path
    manifest = json.loads((examples_out / "manifest.json").read_text())
    catalog = rdflib.Graph().parse(examples_out / "catalog.ttl")
    listed = {str(d) for d in catalog.objects(rdflib.URIRef(manifest["base_uri"]), DCAT.dataset)}
    assert listed == {d["uri"] for d in manifest["datasets"]}
