"""The fixture corpus: valid cubes conform, each broken cube is caught with exactly its codes,
and the fast paths report exactly what pySHACL reports for the same shapes and data."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from cogs.problems import CogsError
from cogs.validate import Violation, default_shapes, violations_in_files
from cogs.validate.reference import pyshacl_results
from cogs.validate.shapes import load_shapes_graph

from .corpus import BROKEN, FIXTURES, VALID, broken, write_ntriples

ENGINES = ["sparql", "auto", "columnar"]


def _columnar_can(base: Path) -> bool:
    """The columnar path leaves slices and hierarchical code lists to SPARQL."""
    return base.name != "slices.ttl"


def _run(files: list[Path], engine: str, base: Path) -> list[Violation]:
    if engine == "columnar" and not _columnar_can(base):
        with pytest.raises(CogsError) as raised:
            violations_in_files(files, engine=engine)
        assert raised.value.problems[0].code == "validate-columnar-unsupported"
        engine = "auto"
    return violations_in_files(files, engine=engine)


def _fixture_files(name: str, tmp_path: Path) -> tuple[rdflib.Graph, list[Path]]:
    if name.endswith(".ttl"):
        path = Path(name)
        return rdflib.Graph().parse(path, format="turtle"), [path]
    graph = broken(Path(name)).graph()
    return graph, [write_ntriples(graph, tmp_path / "data.nt")]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_cube_conforms(path: Path, engine: str) -> None:
    assert _run([path], engine, path) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_fixture_is_caught_with_its_codes(path: Path, engine: str, tmp_path: Path) -> None:
    fixture = broken(path)
    data = write_ntriples(fixture.graph(), tmp_path / "data.nt")
    codes = {v.code for v in _run([data], engine, fixture.base)}
    assert codes == fixture.expect


@pytest.mark.parametrize("path", VALID + BROKEN, ids=lambda p: p.stem)
def test_fast_path_reports_exactly_what_pyshacl_reports(path: Path, tmp_path: Path) -> None:
    graph, files = _fixture_files(str(path), tmp_path)
    base = path if path.suffix == ".ttl" else broken(path).base
    expected = pyshacl_results(graph, _SHAPES)
    for engine in ENGINES:
        found = {(v.focus, v.code) for v in _run(files, engine, base)}
        assert found == expected, engine


_SHAPES = load_shapes_graph()


def test_every_rule_has_a_broken_fixture() -> None:
    expected = set().union(*(broken(p).expect for p in BROKEN))
    assert set(default_shapes().codes()) == expected


def test_every_integrity_constraint_has_a_shape_with_its_number_and_code() -> None:
    ics = {(c.ic, c.code) for c in default_shapes().checks if c.ic is not None}
    assert ics == {(n, f"qb-ic-{n}") for n in range(1, 22)}


def _as(graph: rdflib.Graph, tmp_path: Path, form: str) -> list[Path]:
    """The fixture in another shape RDF arrives in: split over named graphs, gzipped, Turtle,
    or N-Triples laid out with tabs."""
    if form == "nq.gz":
        import gzip

        observations = {s for s in graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://purl.org/linked-data/cube#Observation"))}
        lines = []
        for s, p, o in graph:
            g = "<https://stats.example/graph/obs>" if s in observations else "<https://stats.example/graph/meta>"
            lines.append(f"{s.n3()} {p.n3()} {o.n3()} {g} .")
        path = tmp_path / "data.nq.gz"
        path.write_bytes(gzip.compress(("\n".join(sorted(lines)) + "\n").encode()))
        return [path]
    if form == "ttl":
        path = tmp_path / "data.ttl"
        graph.serialize(path, format="turtle")
        return [path]
    path = tmp_path / "data.nt"
    lines = graph.serialize(format="nt").splitlines()
    path.write_text("\n".join(line.replace("> <", ">\t<", 1) for line in lines if line) + "\n", encoding="utf-8")
    return [path]


@pytest.mark.parametrize("form", ["nq.gz", "ttl", "tabbed.nt"])
@pytest.mark.parametrize("name", ["qb-ic-12", "qb-ic-19", "obs-measure-datatype", "catalog-title", "qb-ic-14"])
def test_columnar_path_reads_every_form_alike(name: str, form: str, tmp_path: Path) -> None:
    fixture = broken(FIXTURES / "broken" / f"{name}.ru")
    graph = fixture.graph()
    reference = {(v.focus, v.code) for v in violations_in_files([write_ntriples(graph, tmp_path / "ref.nt")], engine="sparql")}
    found = {(v.focus, v.code) for v in violations_in_files(_as(graph, tmp_path, form), engine="columnar")}
    assert found == reference
    assert {c for _, c in found} == fixture.expect
