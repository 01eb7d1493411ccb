"""CSVW that another tool wrote: csvcubed's output converts to a valid RDF Data Cube."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SKOS

from cogs.csv2rdf import csv2rdf
from cogs.problems import Severity
from tests.conftest import shared_path

QB = rdflib.Namespace("http://purl.org/linked-data/cube#")

CUBES = {
    "energy-trends": "energy-trends-uk-total-energy.csv-metadata.json",
    "ghg-emissions": "final-uk-greenhouse-gas-emissions-national-statistics-1990-to-2019.csv-metadata.json",
    "qualifications": "aged-16-to-64-years-level-3-or-above-qualifications.csv-metadata.json",
}
VALUE_COLUMN = {"energy-trends": "Value", "ghg-emissions": "Value", "qualifications": "Observation"}


def _data_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def _rows_without_value(path: Path, column: str) -> int:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return sum(1 for row in csv.DictReader(f) if row[column].strip() == "")


@pytest.mark.parametrize("dataset", sorted(CUBES))
def test_csvcubed_output_converts_to_a_valid_cube(dataset: str, tmp_path: Path) -> None:
    metadata = shared_path("data", "csvcubed", dataset, CUBES[dataset])
    result = csv2rdf(metadata, prov=False)  # standard mode: the data set and its structure are common properties
    assert not [p for p in result.problems if p.severity is Severity.ERROR]
    graph = result.graph()
    observations = set(graph.subjects(RDF.type, QB.Observation))
    assert len(observations) == _data_rows(metadata.parent / CUBES[dataset].removesuffix("-metadata.json"))
    datasets = set(graph.subjects(RDF.type, QB.DataSet))
    assert len(datasets) == 1
    (dataset_uri,) = datasets
    assert all((o, QB.dataSet, dataset_uri) in graph for o in observations)
    structures = set(graph.objects(dataset_uri, QB.structure))
    assert len(structures) == 1
    dimensions = set(graph.objects(None, QB.dimension))
    assert dimensions, "the structure names its dimensions"
    for obs in list(observations)[:50]:
        assert all(graph.value(obs, d) is not None for d in dimensions), f"{obs} lacks a dimension"

    # The W3C integrity constraints that concern observations. The only violations are the
    # observations whose value is missing (csvcubed marks them with its own observation-status
    # attribute): IC-15 by the letter of the recommendation.
    missing = _rows_without_value(metadata.parent / CUBES[dataset].removesuffix("-metadata.json"), VALUE_COLUMN[dataset])
    assert integrity_problems(graph, dataset_uri) == (Counter({"IC-15": missing}) if missing else Counter())


def integrity_problems(graph: rdflib.Graph, dataset: rdflib.term.Node) -> Counter[str]:
    """IC-11 (all dimensions present), IC-12 (no duplicates), IC-14/15 (measures present)."""
    found: Counter[str] = Counter()
    dsd = graph.value(dataset, QB.structure)
    dimensions = sorted(set(graph.objects(dsd, QB.component / QB.dimension)))
    measures = set(graph.objects(dsd, QB.component / QB.measure))
    has_measure_dimension = QB.measureType in dimensions
    seen: set[tuple[object, ...]] = set()
    for obs in graph.subjects(QB.dataSet, dataset):
        key = tuple(graph.value(obs, d) for d in dimensions)
        if any(v is None for v in key):
            found["IC-11"] += 1
        if key in seen:
            found["IC-12"] += 1
        seen.add(key)
        if has_measure_dimension:
            if graph.value(obs, graph.value(obs, QB.measureType)) is None:
                found["IC-15"] += 1
        elif any(graph.value(obs, m) is None for m in measures):
            found["IC-14"] += 1
    return found


def test_csvcubed_cube_passes_the_project_shapes(tmp_path: Path) -> None:
    """The single-measure cube passes the project's own SHACL Data Cube shapes too."""
    from cogs.validate import validate_graph_files

    metadata = shared_path("data", "csvcubed", "energy-trends", CUBES["energy-trends"])
    out = tmp_path / "energy.nt"
    out.write_text(csv2rdf(metadata, prov=False).ntriples)
    problems = validate_graph_files([out])
    assert [p for p in problems if p.code.startswith("qb-") and p.severity is Severity.ERROR] == []


def test_csvcubed_code_list_converts_to_skos(tmp_path: Path) -> None:
    metadata = shared_path("data", "csvcubed", "qualifications", "year.csv-metadata.json")
    graph = csv2rdf(metadata, prov=False).graph()
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == _data_rows(metadata.parent / "year.csv")
    assert all(graph.value(c, RDFS.label) is not None for c in concepts)
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1 and all((c, SKOS.inScheme, next(iter(schemes))) in graph for c in concepts)


def test_validation_catches_a_broken_cube(tmp_path: Path) -> None:
    """The check above can fail: observations without their data set are reported."""
    from cogs.validate import validate_graph_files

    metadata = shared_path("data", "csvcubed", "energy-trends", CUBES["energy-trends"])
    text = csv2rdf(metadata, prov=False).ntriples
    broken = "".join(line + "\n" for line in text.splitlines() if "cube#dataSet>" not in line)
    out = tmp_path / "broken.nt"
    out.write_text(broken)
    assert [p for p in validate_graph_files([out]) if p.severity is Severity.ERROR]
    # and the integrity check above notices a missing dimension value and a duplicate
    graph = rdflib.Graph().parse(data=text, format="nt")
    (dataset,) = set(graph.subjects(RDF.type, QB.DataSet))
    obs = sorted(graph.subjects(QB.dataSet, dataset))
    period = rdflib.URIRef("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
    graph.remove((obs[0], period, None))
    for dimension in graph.objects(graph.value(dataset, QB.structure), QB.component / QB.dimension):
        graph.set((obs[1], dimension, graph.value(obs[2], dimension)))
    assert integrity_problems(graph, dataset) == Counter({"IC-11": 1, "IC-12": 1})
