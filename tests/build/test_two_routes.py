"""One truth, two routes: the build's RDF equals what `cogs csv2rdf` makes of the build's own CSVW.

Minimal mode gives exactly the observations; standard mode also carries every metadata triple
(the table group's `rdfs:seeAlso` holds the dataset, its structure and components).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from cogs.build import build
from cogs.csv2rdf import csv2rdf
from tests.conftest import FIXTURES, ROOT

PROJECTS = {"examples": ROOT / "families", "good": FIXTURES / "good"}


@pytest.fixture(scope="module", params=sorted(PROJECTS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(PROJECTS[request.param], tmp_path_factory.mktemp(request.param) / "out").out


def datasets(out: Path) -> list[str]:
    return [d["id"] for d in json.loads((out / "manifest.json").read_text())["datasets"]]


def explain(a: rdflib.Graph, b: rdflib.Graph) -> str:
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    return f"only csv2rdf: {sorted(only_a)[:5]}\nonly build: {sorted(only_b)[:5]}"


def test_observations_equal_csv2rdf_minimal(built: Path) -> None:
    for key in datasets(built):
        folder = built / key
        conversion = csv2rdf(folder / "data.csv-metadata.json", mode="minimal")
        assert not conversion.problems, conversion.problems
        ours = rdflib.Graph().parse(data=gzip.decompress((folder / "observations.nt.gz").read_bytes()).decode(),
                                    format="nt")
        theirs = conversion.graph()
        assert len(ours) > 0
        assert isomorphic(ours, theirs), explain(theirs, ours)


def test_metadata_is_inside_csv2rdf_standard(built: Path) -> None:
    for key in datasets(built):
        folder = built / key
        theirs = csv2rdf(folder / "data.csv-metadata.json", mode="standard").graph()
        structure = rdflib.Graph().parse(folder / "dataset.ttl")
        described = {s for s in structure.subjects() if not str(s).startswith("http://reference.data.gov.uk/")
                     and "/codelist/" not in str(s) and "/unit/" not in str(s)}
        missing = [t for t in structure if t[0] in described and t not in theirs]
        assert not missing, f"{key}: {missing[:5]}"


def test_codelists_equal_csv2rdf(built: Path) -> None:
    for metadata in sorted(built.rglob("codelist.csv-metadata.json")):
        theirs = csv2rdf(metadata, mode="minimal").graph()
        ours = rdflib.Graph().parse(metadata.parent / "codelist.ttl")
        concepts = {s for s in theirs.subjects()}
        ours_codes = rdflib.Graph()
        for triple in ours:
            if triple[0] in concepts:
                ours_codes.add(triple)
        assert isomorphic(ours_codes, theirs), explain(theirs, ours_codes)
