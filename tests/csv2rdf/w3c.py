"""Run the W3C CSVW test suite (csv2rdf and csv2json manifests) against cogs.csv2rdf.

The suite names its files by IRIs under http://www.w3.org/2013/csvw/tests/. A loopback HTTP server
serves the suite folder with the headers each test asks for (`httpLink`, `contentType`) and the
site-wide configuration www.w3.org publishes at /.well-known/csvm; the converter fetches through a
function that sends www.w3.org requests to that server, so the IRIs it mints are the suite's own.

Run as a script for a per-test listing: python -m tests.csv2rdf.w3c [rdf|json]
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cogs.csv2rdf import Resource, csv2json, csv2rdf
from cogs.csv2rdf.fetch import FetchError, parse_link_header
from cogs.problems import CogsError

SUITE = Path(__file__).resolve().parents[3] / "shared" / "w3c-csvw-tests"
W3C = "http://www.w3.org/"
TESTS = W3C + "2013/csvw/tests/"
# What https://www.w3.org/.well-known/csvm says (tests 259 and 260 rely on it).
WELL_KNOWN = "{+url}-metadata.json\ncsv-metadata.json\n{+url}.json\ncsvm.json\n"


@dataclass
class Outcome:
    id: str
    type: str
    name: str
    passed: bool
    reason: str = ""


class _Handler(http.server.BaseHTTPRequestHandler):
    extra: dict[str, dict[str, str]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        body: bytes | None = None
        ctype = "application/octet-stream"
        if path == "/.well-known/csvm":
            body, ctype = WELL_KNOWN.encode(), "text/plain"
        elif path == "/ns/csvw":
            body, ctype = (SUITE / "ns" / "csvw.jsonld").read_bytes(), "application/ld+json"
        elif path.startswith("/2013/csvw/tests/"):
            file = SUITE / "tests" / path[len("/2013/csvw/tests/"):]
            if file.is_file():
                body = file.read_bytes()
                ctype = "text/csv" if file.suffix == ".csv" else "application/json" if file.suffix in {".json", ".jsonld"} else "text/plain"
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        headers = dict(self.extra.get(self.path, {}))
        ctype = headers.pop("Content-Type", ctype)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class SuiteServer:
    """A loopback server for the suite on a free port; `fetch` maps www.w3.org to it."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"extra": {}})
        self.handler = handler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.root = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SuiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def set_headers(self, path: str, headers: dict[str, str]) -> None:
        self.handler.extra.clear()
        if headers:
            self.handler.extra["/" + path] = headers

    def fetch(self, url: str) -> Resource:
        if not url.startswith(W3C):
            raise FetchError(f"{url}: outside the test suite")
        local = self.root + url[len(W3C):]
        try:
            with urllib.request.urlopen(local, timeout=10) as response:
                links = []
                for value in response.headers.get_all("Link") or []:
                    links.extend(parse_link_header(value))
                return Resource(url, response.read(), response.headers.get("Content-Type"), tuple(links))
        except urllib.error.HTTPError as e:
            raise FetchError(f"{url}: HTTP {e.code}") from e


def entries(kind: str) -> list[dict[str, Any]]:
    manifest = json.loads((SUITE / "tests" / f"manifest-{kind}.jsonld").read_text())
    return list(manifest["entries"])


def _isomorphic(actual_nt: str, expected_path: Path, base: str) -> tuple[bool, str]:
    import rdflib
    from rdflib.compare import graph_diff, to_isomorphic

    expected = rdflib.Graph()
    expected.parse(expected_path, format="turtle", publicID=base)
    actual = rdflib.Graph()
    actual.parse(data=actual_nt, format="nt")
    a, e = to_isomorphic(actual), to_isomorphic(expected)
    if a == e:
        return True, ""
    _, only_a, only_e = graph_diff(a, e)
    extra = sorted(only_a.serialize(format="nt").splitlines())[:3]
    missing = sorted(only_e.serialize(format="nt").splitlines())[:3]
    return False, f"extra {extra} missing {missing}"


def run_one(server: SuiteServer, entry: dict[str, Any], kind: str) -> Outcome:
    test_id = entry["id"].split("#")[1]
    option = entry.get("option", {})
    action = entry["action"]
    headers = {}
    if "httpLink" in entry:
        headers["Link"] = entry["httpLink"]
    if "contentType" in entry:
        headers["Content-Type"] = entry["contentType"]
    server.set_headers("2013/csvw/tests/" + action, headers)
    url = TESTS + action
    metadata = TESTS + option["metadata"] if "metadata" in option else None
    mode = "minimal" if option.get("minimal") else "standard"
    negative = entry["type"].startswith("csvt:Negative")
    warnings_expected = entry["type"].endswith("WithWarnings")
    try:
        if kind == "rdf":
            result = csv2rdf(url, metadata=metadata, mode=mode, prov=not option.get("noProv"), fetch=server.fetch)
        else:
            result = csv2json(url, metadata=metadata, mode=mode, fetch=server.fetch)
    except CogsError as e:
        if negative:
            return Outcome(test_id, entry["type"], entry["name"], True)
        return Outcome(test_id, entry["type"], entry["name"], False, f"error: {e}")
    except Exception as e:  # noqa: BLE001 - recorded as a failure with its reason
        return Outcome(test_id, entry["type"], entry["name"], False, f"crash: {type(e).__name__}: {e}")
    if negative:
        return Outcome(test_id, entry["type"], entry["name"], False, "no error raised")
    if warnings_expected and not result.problems:
        return Outcome(test_id, entry["type"], entry["name"], False, "no warning raised")
    expected = SUITE / "tests" / entry["result"]
    if kind == "rdf":
        ok, why = _isomorphic(result.ntriples, expected, TESTS + entry["result"])
    else:
        want = json.loads(expected.read_text())
        ok = result.json == want
        why = "" if ok else f"got {json.dumps(result.json)[:300]}"
    return Outcome(test_id, entry["type"], entry["name"], ok, why)


def run_suite(kind: str) -> Iterator[Outcome]:
    with SuiteServer() as server:
        for entry in entries(kind):
            yield run_one(server, entry, kind)


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "rdf"
    only = set(sys.argv[2:])
    outcomes = []
    with SuiteServer() as server:
        for entry in entries(kind):
            if only and entry["id"].split("#")[1] not in only:
                continue
            outcome = run_one(server, entry, kind)
            outcomes.append(outcome)
            if not outcome.passed:
                print(f"FAIL {outcome.id} [{outcome.type}] {outcome.name}: {outcome.reason[:600]}")
    passed = sum(o.passed for o in outcomes)
    print(f"{kind}: {passed} passed, {len(outcomes) - passed} failed")
