"""`cogs serve`: a SPARQL 1.1 Protocol endpoint over the build, queried with a real client."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from cube_fixture import BASE, make_out, running
from SPARQLWrapper import CSV, JSON, N3, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from cogs.negotiation import parse_accept
from cogs.queries import example_queries

pytestmark = pytest.mark.server

DATASETS = {"trade/regional-trade": 44, "trade/overseas-trade": 20, "labour-market/employment": 7}


@pytest.fixture(scope="module")
def fixture_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serve") / "out"
    make_out(out, DATASETS)
    return out


@pytest.fixture(scope="module")
def endpoint(fixture_out: Path):  # type: ignore[no-untyped-def]
    with running(fixture_out, timeout=3.0, workers=2) as (server, _):
        yield server.url + "sparql"


def select(url: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    return [{k: v["value"] for k, v in row.items()} for row in result["results"]["bindings"]]


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


@pytest.mark.xdist_group("cogs-families")
def test_observation_counts_equal_csv_rows_for_every_example_dataset(families_out: Path) -> None:
    manifest = json.loads((families_out / "manifest.json").read_text())
    assert manifest["datasets"], "the example families built no datasets"
    with running(families_out) as (server, _):
        rows = select(server.url + "sparql", """
            PREFIX qb: <http://purl.org/linked-data/cube#>
            SELECT ?dataset (COUNT(?obs) AS ?n) WHERE { ?obs qb:dataSet ?dataset } GROUP BY ?dataset""")
    counted = {row["dataset"]: int(row["n"]) for row in rows}
    expected = {d["uri"]: csv_rows(families_out / d["csv"]) for d in manifest["datasets"]}
    assert counted == expected
    assert all(n > 0 for n in expected.values())


@pytest.mark.xdist_group("cogs-families")
def test_every_example_query_of_every_dataset_runs(families_out: Path) -> None:
    manifest = json.loads((families_out / "manifest.json").read_text())
    with running(families_out) as (server, _):
        for dataset in manifest["datasets"]:
            for title, query in example_queries(dataset["uri"]):
                client = SPARQLWrapper(server.url + "sparql")
                client.setQuery(query)
                client.setReturnFormat(TURTLE if query.lstrip().startswith("DESCRIBE") else JSON)
                result = client.query()
                assert result.response.status == 200, title
                if title == "Count the observations":
                    n = int(result.convert()["results"]["bindings"][0]["observations"]["value"])
                    assert n == csv_rows(families_out / dataset["csv"])


def test_the_default_graph_is_the_union_and_each_dataset_its_named_graph(endpoint: str) -> None:
    everything = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }")
    assert int(everything[0]["n"]) == sum(DATASETS.values())
    per_graph = select(endpoint, """SELECT ?g (COUNT(*) AS ?n) WHERE {
        GRAPH ?g { ?o a <http://purl.org/linked-data/cube#Observation> } } GROUP BY ?g""")
    assert {r["g"]: int(r["n"]) for r in per_graph} == {f"{BASE}{d}/": n for d, n in DATASETS.items()}
    catalogue = select(endpoint, f"SELECT ?d WHERE {{ GRAPH <{BASE}> {{ <{BASE}> <http://www.w3.org/ns/dcat#dataset> ?d }} }}")
    assert sorted(r["d"] for r in catalogue) == sorted(f"{BASE}{d}/" for d in DATASETS)


def test_default_graph_uri_narrows_the_default_graph(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.addDefaultGraph(f"{BASE}trade/overseas-trade/")
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "20"


@pytest.mark.parametrize("method", ["GET", "POST-form", "POST-direct"])
def test_get_and_both_posts_give_the_same_answer(endpoint: str, method: str) -> None:
    client = SPARQLWrapper(endpoint)
    if method != "GET":
        client.setMethod(POST)
    if method == "POST-direct":
        client.setRequestMethod(POSTDIRECTLY)
    client.setQuery(f"SELECT ?t WHERE {{ <{BASE}trade/regional-trade/> <http://purl.org/dc/terms/title> ?t }}")
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [r["t"]["value"] for r in rows] == ["Dataset trade/regional-trade (version 1)"]


def test_select_results_as_json_xml_csv_and_tsv(endpoint: str) -> None:
    query = f"SELECT ?o WHERE {{ ?o <http://purl.org/linked-data/cube#dataSet> <{BASE}labour-market/employment/> }} ORDER BY ?o"
    answers = {}
    for fmt in (JSON, XML, CSV, TSV):
        client = SPARQLWrapper(endpoint)
        client.setQuery(query)
        client.setReturnFormat(fmt)
        result = client.query()
        answers[fmt] = (result.response.headers["Content-Type"], result.convert())
    assert answers[JSON][0] == "application/sparql-results+json"
    expected = [r["o"]["value"] for r in answers[JSON][1]["results"]["bindings"]]
    assert len(expected) == 7
    assert answers[XML][0] == "application/sparql-results+xml"
    assert [u.firstChild.data for u in answers[XML][1].getElementsByTagName("uri")] == expected
    assert answers[CSV][0].startswith("text/csv")
    assert list(csv.reader(io.StringIO(answers[CSV][1].decode())))[1:] == [[u] for u in expected]
    assert answers[TSV][0].startswith("text/tab-separated-values")
    assert answers[TSV][1].decode().splitlines()[1:] == [f"<{u}>" for u in expected]


@pytest.mark.parametrize("fmt, media", [(TURTLE, "turtle"), (N3, "turtle")])
def test_construct_and_describe_give_turtle(endpoint: str, fmt: str, media: str) -> None:
    for query in (f"CONSTRUCT {{ ?o ?p ?v }} WHERE {{ ?o <http://purl.org/linked-data/cube#dataSet> <{BASE}labour-market/employment/> ; ?p ?v }}",
                  f"DESCRIBE <{BASE}labour-market/employment/#obs/2000/E06000000>"):
        client = SPARQLWrapper(endpoint)
        client.setQuery(query)
        client.setReturnFormat(fmt)
        result = client.query()
        assert result.response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        graph = rdflib.Graph().parse(data=result.response.read().decode(), format=media)
        assert len(graph) == (7 * 5 if query.startswith("CONSTRUCT") else 5)


def test_construct_as_n_triples_by_accept(endpoint: str) -> None:
    query = f"CONSTRUCT {{ <{BASE}> ?p ?o }} WHERE {{ <{BASE}> ?p ?o }}"
    request = urllib.request.Request(endpoint + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"] == "application/n-triples"
        graph = rdflib.Graph().parse(data=response.read().decode(), format="nt")
    assert len(graph) == 1 + len(DATASETS)


def test_ask(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setReturnFormat(JSON)
    client.setQuery(f"ASK {{ <{BASE}trade/overseas-trade/> a <http://purl.org/linked-data/cube#DataSet> }}")
    assert client.queryAndConvert()["boolean"] is True
    client.setQuery(f"ASK {{ <{BASE}no-such/> a <http://purl.org/linked-data/cube#DataSet> }}")
    assert client.queryAndConvert()["boolean"] is False


def test_an_unsupported_accept_is_406(endpoint: str) -> None:
    request = urllib.request.Request(endpoint + "?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1"),
                                     headers={"Accept": "image/png"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 406
    assert "application/sparql-results+json" in caught.value.read().decode()


def test_updates_are_refused_and_change_nothing(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(POST)
    client.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(urllib.error.HTTPError) as caught:
        client.query()  # SPARQLWrapper sends it as an update
    assert caught.value.code == 403
    assert "read-only" in caught.value.read().decode()
    for body, media in ((b"CLEAR ALL", "application/sparql-update"), (b"update=CLEAR+ALL", "application/x-www-form-urlencoded")):
        request = urllib.request.Request(endpoint, data=body, headers={"Content-Type": media})
        with pytest.raises(urllib.error.HTTPError) as http:
            urllib.request.urlopen(request)
        assert http.value.code == 403
    # an update sent as a query is not a query
    with pytest.raises(QueryBadFormed):
        raw = SPARQLWrapper(endpoint)
        raw.setQuery("CLEAR ALL")
        raw.queryType = "SELECT"
        raw.query()
    rows = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }")
    assert int(rows[0]["n"]) == sum(DATASETS.values())


def test_a_syntax_error_is_400_with_the_parser_message(endpoint: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(endpoint + "?query=" + urllib.parse.quote("SELECT ?x WHERE { ?x ?y }"))
    assert caught.value.code == 400
    assert "not valid SPARQL" in caught.value.read().decode()


def test_a_query_over_the_time_limit_is_stopped_and_the_endpoint_goes_on(endpoint: str) -> None:
    # A cross product of every triple with itself four times: minutes of work, cut at 3 s.
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(endpoint + "?query=" + urllib.parse.quote(slow), timeout=60)
    elapsed = time.monotonic() - started
    assert caught.value.code == 503
    assert "time limit of 3 s" in caught.value.read().decode()
    assert 2.9 <= elapsed < 15
    # both workers still answer (the stopped one was replaced)
    for _ in range(4):
        rows = select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }")
        assert int(rows[0]["n"]) == sum(DATASETS.values())


def test_parse_accept_orders_by_quality() -> None:
    assert parse_accept("text/csv;q=0.5, application/json, text/turtle;q=0") == ["application/json", "text/csv"]
    assert parse_accept(None) == ["*/*"]
