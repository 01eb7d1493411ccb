"""Reading CSVW over HTTP with the default fetcher: Link headers and the site-wide configuration."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from cogs.cli import main
from cogs.csv2rdf import csv2rdf
from cogs.problems import CogsError

EX = "http://example.org/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    links: dict[str, str] = {}

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        if self.path in self.links:
            self.send_header("Link", self.links[self.path])
        super().end_headers()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    links: dict[str, str] = {}
    handler = functools.partial(type("H", (_Handler,), {"links": links}), directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path, links
    finally:
        server.shutdown()
        server.server_close()


def _metadata(url: str, prop: str) -> str:
    return ('{"@context": "http://www.w3.org/ns/csvw", "url": "%s", "tableSchema": {"columns": '
            '[{"titles": "id", "name": "id"}, {"titles": "v", "name": "v", "propertyUrl": "%s"}], '
            '"aboutUrl": "%s{id}"}}' % (url, EX + prop, EX))


def test_link_header_wins_over_the_sibling(site: tuple[str, Path, dict[str, str]]) -> None:
    base, folder, links = site
    (folder / "data.csv").write_text("id,v\n1,a\n")
    (folder / "data.csv-metadata.json").write_text(_metadata("data.csv", "sibling"))
    (folder / "linked.json").write_text(_metadata("data.csv", "linked"))
    links["/data.csv"] = '<linked.json>; rel="describedby"; type="application/csvm+json"'
    graph = csv2rdf(base + "data.csv", mode="minimal").graph()
    assert (rdflib.URIRef(EX + "1"), rdflib.URIRef(EX + "linked"), rdflib.Literal("a")) in graph


def test_sibling_metadata_when_no_link_and_no_site_configuration(site: tuple[str, Path, dict[str, str]]) -> None:
    base, folder, _ = site
    (folder / "data.csv").write_text("id,v\n1,a\n")
    (folder / "data.csv-metadata.json").write_text(_metadata("data.csv", "sibling"))
    result = CliRunner().invoke(main, ["csv2rdf", base + "data.csv", "--mode", "minimal"])
    assert result.exit_code == 0, result.output
    assert f"<{EX}1> <{EX}sibling> \"a\" ." in result.stdout


def test_site_wide_configuration(site: tuple[str, Path, dict[str, str]]) -> None:
    base, folder, _ = site
    (folder / ".well-known").mkdir()
    (folder / ".well-known" / "csvm").write_text("{+url}.meta\n")
    (folder / "data.csv").write_text("id,v\n1,a\n")
    (folder / "data.csv-metadata.json").write_text(_metadata("data.csv", "sibling"))  # not on the list
    (folder / "data.csv.meta").write_text(_metadata("data.csv", "configured"))
    graph = csv2rdf(base + "data.csv", mode="minimal").graph()
    assert (rdflib.URIRef(EX + "1"), rdflib.URIRef(EX + "configured"), rdflib.Literal("a")) in graph


def test_metadata_that_does_not_describe_the_file_is_ignored(site: tuple[str, Path, dict[str, str]]) -> None:
    base, folder, _ = site
    (folder / "data.csv").write_text("id,v\n1,a\n")
    (folder / "data.csv-metadata.json").write_text(_metadata("other.csv", "sibling"))
    result = csv2rdf(base + "data.csv", mode="minimal")
    assert any("does not describe" in p.message for p in result.problems)
    assert f"<{base}data.csv#v>" in result.ntriples  # embedded metadata: the header's names


def test_missing_url_is_an_error(site: tuple[str, Path, dict[str, str]]) -> None:
    base, _, _ = site
    with pytest.raises(CogsError) as info:
        csv2rdf(base + "absent.csv")
    assert "HTTP 404" in str(info.value)
