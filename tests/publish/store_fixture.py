"""A real Oxigraph server on a loopback port, and a fault-injecting proxy in front of it."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

_VENV_OXIGRAPH = Path(sys.executable).with_name("oxigraph")
OXIGRAPH = _VENV_OXIGRAPH if _VENV_OXIGRAPH.exists() else Path(shutil.which("oxigraph") or _VENV_OXIGRAPH)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    """`oxigraph serve` on a loopback port over an on-disk store; can be stopped and restarted."""

    def __init__(self, location: Path) -> None:
        self.location = location
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(self.location),
                                         "--bind", f"127.0.0.1:{self.port}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("oxigraph did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    @property
    def store(self) -> str:
        return f"{self.url}/store"

    def graphs(self) -> dict[str, set[str]]:
        """Every named graph in the store, as its set of N-Triples lines."""
        answer = requests.get(f"{self.url}/query", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        answer.raise_for_status()
        iris = [b["g"]["value"] for b in answer.json()["results"]["bindings"]]
        out = {}
        for iri in iris:
            body = requests.get(self.store, params={"graph": iri}, headers={"Accept": "application/n-triples"}, timeout=30)
            body.raise_for_status()
            out[iri] = {line for line in body.text.splitlines() if line.strip()}
        return out

    def count(self, query: str) -> int:
        answer = requests.get(f"{self.url}/query", params={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        answer.raise_for_status()
        row = answer.json()["results"]["bindings"][0]
        return int(next(iter(row.values()))["value"])


# A rule sees (method, graph IRI, how many requests for that graph came before) and says what to do:
# "pass", "500", "cut" (forward half the body, then drop both connections), or a delay in seconds
# (forward, wait, then answer).
Rule = Callable[[str, str, int], "str | float"]


class FaultProxy:
    """An HTTP proxy on a loopback port in front of a store, misbehaving as its rule says."""

    def __init__(self, upstream: str, rule: Rule | None = None, require_auth: str | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.rule: Rule = rule or (lambda method, graph, n: "pass")
        self.require_auth = require_auth
        self.seen: dict[str, int] = {}
        self.log: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle_any(self) -> None:
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def store(self) -> str:
        return f"{self.url}/store"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        graph = parse_qs(urlsplit(request.path).query).get("graph", [""])[0]
        with self.lock:
            n = self.seen.get(f"{request.command} {graph}", 0)
            self.seen[f"{request.command} {graph}"] = n + 1
        action = self.rule(request.command, graph, n)
        self.log.append((request.command, graph, str(action)))
        if self.require_auth and request.headers.get("Authorization") != self.require_auth:
            self.reply(request, 401, b"unauthorised")
            return
        if action == "500":
            self.reply(request, 500, b"injected failure")
            return
        upstream = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "connection")}
        if action == "cut":
            upstream.putrequest(request.command, request.path)
            for key, value in headers.items():
                upstream.putheader(key, value)
            upstream.endheaders()
            upstream.send(body[: len(body) // 2])
            upstream.close()
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            upstream.request(request.command, request.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        except OSError:
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        finally:
            upstream.close()
        if isinstance(action, float | int):
            time.sleep(float(action))
        self.reply(request, response.status, data, response.getheader("Content-Type"))

    @staticmethod
    def reply(request: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str | None = None) -> None:
        try:
            request.send_response(status)
            if content_type:
                request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:
            pass


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[OxigraphServer]:
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph server (PyPI package `oxigraph`, in the test extras) is not installed")
    server = OxigraphServer(tmp_path / "oxigraph-store")
    server.start()
    yield server
    server.kill()
