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

from .corpus import BROKEN, VALID, broken, write_ntriples

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
