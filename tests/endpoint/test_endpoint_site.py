"""`cogs serve` serves the built site as files, keeps its store between runs, and runs from the CLI."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner
from cube_fixture import BASE, make_out, running
from SPARQLWrapper import JSON, SPARQLWrapper

from cogs.cli import main
from cogs.store import STAMP, prepare_store
from cogs.problems import CogsError

pytestmark = pytest.mark.server

DATASETS = {"trade/regional-trade": 12, "labour-market/employment": 3}


def fetch(url: str, accept: str | None = None, method: str = "GET") -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {}, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("site") / "out"
    make_out(out, DATASETS)
    folder = out / "trade" / "regional-trade"
    (folder / "index.jsonld").write_text('{"@id": "%strade/regional-trade/"}\n' % BASE)
    (folder / "observations.nt").write_text("<http://a> <http://b> <http://c> .\n")
    (folder / "data.csv-metadata.json").write_text("{}\n")
    (out / "trade" / "codelist").mkdir()
    with running(out) as (server, _):
        yield server.url


@pytest.mark.parametrize("path, content_type", [
    ("", "text/html; charset=utf-8"),
    ("trade/regional-trade/", "text/html; charset=utf-8"),
    ("trade/regional-trade/index.ttl", "text/turtle; charset=utf-8"),
    ("trade/regional-trade/index.jsonld", "application/ld+json"),
    ("trade/regional-trade/observations.nt", "application/n-triples"),
    ("trade/regional-trade/data.csv", "text/csv; charset=utf-8"),
    ("trade/regional-trade/data.csv-metadata.json", "application/csvm+json"),
    ("cogs.nq.gz", "application/gzip"),
    ("manifest.json", "application/json"),
])
def test_files_are_served_with_their_content_types(site: str, path: str, content_type: str) -> None:
    status, headers, body = fetch(site + path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert body


def test_a_folder_is_its_index_page_and_rdf_by_content_negotiation(site: str) -> None:
    status, headers, body = fetch(site + "trade/regional-trade/")
    assert b"<title>trade/regional-trade</title>" in body
    assert headers["Vary"] == "Accept"
    status, headers, body = fetch(site + "trade/regional-trade/", accept="text/turtle")
    assert (status, headers["Content-Type"]) == (200, "text/turtle; charset=utf-8")
    assert body.startswith(f"<{BASE}trade/regional-trade/>".encode())
    status, headers, body = fetch(site + "trade/regional-trade/", accept="application/ld+json")
    assert json.loads(body)["@id"] == f"{BASE}trade/regional-trade/"
    status, _, body = fetch(site + "trade/regional-trade/", accept="text/html,text/turtle;q=0.9")
    assert b"<title>" in body


def test_a_folder_without_slash_redirects_and_without_index_is_not_found(site: str) -> None:
    request = urllib.request.Request(site + "trade/regional-trade")
    with urllib.request.urlopen(request) as response:  # follows the redirect
        assert response.url == site + "trade/regional-trade/"
    assert fetch(site + "trade/codelist/")[0] == 404  # no directory listings
    assert fetch(site + "no/such/page/")[0] == 404


def test_nothing_outside_the_build_is_served(site: str) -> None:
    for path in ("../manifest.json", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc%2fpasswd"):
        status, _, body = fetch(site + path)
        assert b"root:" not in body
        assert status in (200, 404)
        if status == 200:
            assert body == fetch(site + "manifest.json")[2]


def test_the_site_is_read_only(site: str) -> None:
    assert fetch(site + "index.html", method="PUT")[0] == 405
    assert fetch(site + "index.html", method="DELETE")[0] == 405


def test_the_sparql_page_offers_the_example_queries(site: str) -> None:
    status, headers, body = fetch(site + "sparql/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert 'action="../sparql"' in page
    assert "Count the observations" in page and "Every dataset, with its observation count" in page
    # a browser sent to the bare endpoint lands on the page
    request = urllib.request.Request(site + "sparql", headers={"Accept": "text/html"})
    with urllib.request.urlopen(request) as response:
        assert response.url == site + "sparql/"


def test_a_built_sparql_page_wins_over_the_builtin_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_out(out, {"a/b": 1})
    (out / "sparql").mkdir()
    (out / "sparql" / "index.html").write_text("<!DOCTYPE html><title>the site's own</title>\n")
    with running(out) as (server, _):
        assert b"the site's own" in fetch(server.url + "sparql/")[2]


def test_the_server_listens_on_loopback_by_default(tmp_path: Path) -> None:
    from cogs.endpoint import make_server

    out = tmp_path / "out"
    make_out(out, {"a/b": 1})
    server, _ = make_server(out, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_the_store_is_reused_until_the_build_changes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_out(out, {"a/b": 3})
    first = prepare_store(out)
    assert not first.reused and first.path == tmp_path / "out.sparql"
    assert prepare_store(out).reused
    make_out(out, {"a/b": 5})  # a rebuild with more rows
    again = prepare_store(out)
    assert not again.reused
    with running(out) as (server, info):
        assert info.reused
        client = SPARQLWrapper(server.url + "sparql")
        client.setReturnFormat(JSON)
        client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }")
        assert client.queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.sparql"]  # no leftovers


def test_a_broken_dump_is_a_problem_and_the_previous_store_stays(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_out(out, {"a/b": 3})
    store = prepare_store(out).path
    stamp = (store / STAMP).read_text()
    with gzip.open(out / "cogs.nq.gz", "wt") as dump:
        dump.write("<http://a> <http://b> this is not N-Quads .\n")
    with pytest.raises(CogsError) as caught:
        prepare_store(out)
    assert caught.value.problems[0].code == "serve.bad-dump"
    assert caught.value.problems[0].location is not None
    assert caught.value.problems[0].location.path == str(out / "cogs.nq.gz")
    assert (store / STAMP).read_text() == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "out.sparql"]


def test_serving_a_folder_that_is_not_a_build_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'manifest.json'}: error[serve.no-build]" in result.output
    assert "run `cogs build` first" in result.output


def test_cogs_serve_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_out(out, DATASETS)
    cogs = Path(sys.executable).with_name("cogs")
    process = subprocess.Popen([str(cogs), "serve", str(out), "--port", "0", "--timeout", "5"],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = None
        assert process.stderr is not None
        for line in process.stderr:
            found = re.search(r"SPARQL at (http://127\.0\.0\.1:\d+/sparql)", line)
            if found:
                url = found.group(1)
                break
        assert url, "cogs serve did not say where it listens"
        client = SPARQLWrapper(url)
        client.setReturnFormat(JSON)
        client.setQuery("PREFIX qb: <http://purl.org/linked-data/cube#> "
                        "SELECT ?d (COUNT(?o) AS ?n) WHERE { ?o qb:dataSet ?d } GROUP BY ?d")
        rows = client.queryAndConvert()["results"]["bindings"]
        assert {r["d"]["value"]: int(r["n"]["value"]) for r in rows} == {f"{BASE}{d}/": n for d, n in DATASETS.items()}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(20)
    assert process.returncode == 0
