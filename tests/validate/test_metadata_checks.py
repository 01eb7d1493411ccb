"""The cross-dataset checks on a catalogue of several datasets, each in its own named graph with
the code lists it uses repeated there, as a build's dump has them: each check reports exactly the
conflicts planted, with the bindings its message names, and what pySHACL reports."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from cogs.problems import Severity
from cogs.validate import default_shapes
from cogs.validate.reference import pyshacl_results
from cogs.validate.shapes import Check, Target
from cogs.validate.sparql import Violation, merged, run_checks

S = "https://stats.example/"
PREFIXES = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@base <{S}> .
"""


def _codelist(name: str, notations: list[str]) -> str:
    lines = [f"<cl/{name}/> a skos:ConceptScheme ; skos:prefLabel \"{name}\" ."]
    for n, notation in enumerate(notations):
        lines.append(f"<cl/{name}/{n}> a skos:Concept ; skos:inScheme <cl/{name}/> ; skos:notation \"{notation}\" .")
    return "\n".join(lines)


def _dataset(n: int, dimension: str, codelist: str, publisher: str) -> str:
    """Dataset `n` in its own graph, with its dimension and that dimension's code list."""
    ds = f"family/ds{n}/"
    body = f"""
      <{ds}> a qb:DataSet , dcat:Dataset ; dcterms:publisher <{publisher}> ; qb:structure <{ds}dsd> .
      <{ds}dsd> a qb:DataStructureDefinition ; qb:component <{ds}dim> .
      <{ds}dim> qb:dimension <{dimension}> .
      {DIMENSIONS[dimension]}
      {_codelist(codelist, NOTATIONS[codelist])}
      <org/ons> rdfs:label "Office for National Statistics" .
      <org/ons-typo> rdfs:label "office for national statistics." .
      <org/other> rdfs:label "Another publisher" .
    """
    return f"<{ds}> {{ {body} }}\n"


DIMENSIONS = {
    "dim/area": '<dim/area> a qb:DimensionProperty ; rdfs:label "Area"@en ; qb:codeList <cl/area/> ; '
                'rdfs:comment "Where"@en , "Place"@en .',
    "dim/area-2": '<dim/area-2> a qb:DimensionProperty ; rdfs:label "area"@en ; qb:codeList <cl/area-2/> .',
    "dim/period": '<dim/period> a qb:DimensionProperty ; rdfs:label "Period"@en ; qb:codeList <cl/period/> .',
}
NOTATIONS = {"area": ["E1", "E2", "E2"], "area-2": ["E1", "W1"], "period": ["2019", "2020"]}


def _data() -> str:
    """A catalogue holding a family of four datasets: two use one dimension, a third another
    labelled alike with another code list, the fourth an unrelated one."""
    datasets = [
        _dataset(1, "dim/area", "area", "org/ons"),
        _dataset(2, "dim/area-2", "area-2", "org/ons-typo"),
        _dataset(3, "dim/area", "area", "org/ons"),
        _dataset(4, "dim/period", "period", "org/other"),
    ]
    members = " , ".join(f"<family/ds{n}/>" for n in range(1, 5))
    catalog = f"""<> {{ <> a dcat:Catalog ; dcterms:title "Stats" ; dcat:dataset <family/> .
        <family/> a dcat:Catalog ; dcterms:title "Family" ; dcat:dataset {members} . }}\n"""
    return PREFIXES + catalog + "".join(datasets)


CODES = ("family-dimension-codelists", "code-notation-unique", "family-spelling", "family-shared-component")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    store.load(_data(), format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture(scope="module")
def found(store: ox.Store) -> dict[str, set[tuple[str, frozenset[tuple[str, str]]]]]:
    shapes = default_shapes()
    violations = run_checks(store, shapes, [c for c in shapes.checks if c.code in CODES])
    out: dict[str, set[tuple[str, frozenset[tuple[str, str]]]]] = {code: set() for code in CODES}
    for v in violations:
        out[v.code].add((v.focus.removeprefix(S), frozenset((k, b.replace(S, "")) for k, b in v.bindings)))
    return out


def _row(focus: str, **bindings: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return focus, frozenset(bindings.items())


def test_the_store_repeats_shared_triples_in_several_graphs(store: ox.Store) -> None:
    assert len(merged(store)) < len(store)
    assert len(list(store.named_graphs())) == 5


def test_one_dimension_label_with_two_code_lists_in_a_catalogue(found: dict[str, set[object]]) -> None:
    assert found["family-dimension-codelists"] == {
        _row("dim/area", label='"Area"', list="<cl/area/>", other="<dim/area-2>", otherList="<cl/area-2/>",
             family="<family/>"),
        _row("dim/area-2", label='"area"', list="<cl/area-2/>", other="<dim/area>", otherList="<cl/area/>",
             family="<family/>"),
    }


def test_a_notation_twice_in_one_code_list_but_not_across_code_lists(found: dict[str, set[object]]) -> None:
    assert found["code-notation-unique"] == {
        _row("cl/area/1", notation='"E2"', other="<cl/area/2>", scheme="<cl/area/>"),
        _row("cl/area/2", notation='"E2"', other="<cl/area/1>", scheme="<cl/area/>"),
    }


def test_one_publisher_spelt_two_ways(found: dict[str, set[tuple[str, frozenset[tuple[str, str]]]]]) -> None:
    ons, typo = '"Office for National Statistics"', '"office for national statistics."'
    publisher = "<http://purl.org/dc/terms/publisher>"
    # One violation a focus node: where a node conflicts with several, it names any one of them.
    allowed = {
        "family/ds1/": {_row("family/ds1/", property=publisher, text=ons, other="<family/ds2/>", otherText=typo)},
        "family/ds3/": {_row("family/ds3/", property=publisher, text=ons, other="<family/ds2/>", otherText=typo)},
        "family/ds2/": {_row("family/ds2/", property=publisher, text=typo, other=f"<family/ds{n}/>", otherText=ons)
                        for n in (1, 3)},
    }
    rows = found["family-spelling"]
    assert {focus for focus, _ in rows} == set(allowed)
    assert all(row in allowed[row[0]] for row in rows), rows


def test_a_shared_component_given_two_comments(found: dict[str, set[object]]) -> None:
    assert found["family-shared-component"] == {
        _row("dim/area", property="<http://www.w3.org/2000/01/rdf-schema#comment>", a='"Place"', b='"Where"'),
    }


def test_pyshacl_reports_the_same_focus_nodes() -> None:
    dataset = rdflib.Dataset()
    dataset.parse(data=_data(), format="trig")
    union = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    expected = {(focus, code) for focus, code in pyshacl_results(union) if code in CODES}
    shapes = default_shapes()
    store = ox.Store()
    store.load(_data(), format=ox.RdfFormat.TRIG)
    violations: list[Violation] = run_checks(store, shapes)
    assert {(v.focus, v.code) for v in violations if v.code in CODES} == expected
    assert {code for _, code in expected} == set(CODES)


def test_checks_read_a_triple_stated_in_several_graphs_once(store: ox.Store) -> None:
    # The code list <cl/area/> is stated in the graphs of two datasets; a check counting its
    # labels must see one. (Oxigraph's union default graph would give it twice, and every
    # join over shared code lists and dimensions a multiple of the rows.)
    shapes = default_shapes()
    count = Check(shape="test", code="test-count", severity=Severity.ERROR, message="", target=Target(nodes=(f"{S}cl/area/",)),
                  query="SELECT ?this (COUNT(*) AS ?n) WHERE { ?this skos:prefLabel ?label } GROUP BY ?this HAVING (COUNT(*) > 1)",
                  kind="sparql")
    assert len(list(store.quads_for_pattern(ox.NamedNode(f"{S}cl/area/"), None, None))) > \
        len(list(merged(store).quads_for_pattern(ox.NamedNode(f"{S}cl/area/"), None, None)))
    assert run_checks(store, shapes, [count]) == []
