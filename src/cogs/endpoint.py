"""`cogs serve`: the built site and a read-only SPARQL 1.1 Protocol endpoint at `/sparql`.

The endpoint answers from an embedded Oxigraph store loaded from the build's N-Quads dump
(`cogs.store`: on disk beside the build, `OUT.sparql/`, reused while the build has not changed),
in the format the request negotiates (`cogs.negotiation`). Queries run in worker processes that open the store read-only, so the query time limit
is enforced for real: a query over its limit has its worker process killed and replaced.

The HTTP server is the standard library's `ThreadingHTTPServer`: the site is static files and the
endpoint is one path, so a framework would add dependencies and nothing else; the heavy work
happens in Oxigraph (Rust) inside the worker processes, not in the request threads.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cogs.negotiation import choose, offered, parse_accept, wanted_types
from cogs.queries import example_queries, sparql_page_files
from cogs.store import StoreInfo, prepare_store, read_manifest

__all__ = ["example_queries", "sparql_page_files", "write_sparql_page", "make_server", "QueryPool", "SparqlServer"]

log = logging.getLogger("cogs.serve")

DEFAULT_TIMEOUT = 30.0
MAX_QUERY_BYTES = 1_000_000

# -- query workers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryRequest:
    query: str
    wanted: list[str]
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QueryResponse:
    status: int
    content_type: str
    body: bytes


def _text(status: int, message: str) -> QueryResponse:
    return QueryResponse(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode("utf-8"))


def execute(store: Any, request: QueryRequest) -> QueryResponse:
    """Run one query on an open store and serialise its result as negotiated."""
    import pyoxigraph as ox

    options: dict[str, Any] = {}
    if request.default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in request.default_graphs]
    else:
        options["use_default_graph_as_union"] = True
    if request.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in request.named_graphs]
    try:
        result = store.query(request.query, **options)
        kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
        chosen = choose(request.wanted, kind)
        if chosen is None:
            return _text(406, f"cannot give this {'graph' if kind == 'graph' else 'result'} as any of "
                              f"{', '.join(request.wanted)}; available: {', '.join(offered(kind))}")
        name, content_type = chosen
        if kind == "graph":
            rdf = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                   "rdfxml": ox.RdfFormat.RDF_XML}[name]
            body = result.serialize(format=rdf)
        else:
            fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
                   "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[name]
            body = result.serialize(format=fmt)
        return QueryResponse(200, content_type, body or b"")
    except SyntaxError as exc:
        return _text(400, f"the query is not valid SPARQL 1.1: {exc}")
    except (ValueError, OSError, RuntimeError) as exc:
        return _text(500, f"the query failed: {exc}")


def _worker_main(store_path: str, conn: multiprocessing.connection.Connection) -> None:
    """A worker process: opens the store read-only, answers queries until its pipe closes."""
    import pyoxigraph

    store = pyoxigraph.Store.read_only(store_path)
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        response = execute(store, request)
        conn.send(response)


class _Worker:
    def __init__(self, context: Any, store_path: Path) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(str(store_path), child), daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready and self.conn.poll(timeout):
            self.ready = self.conn.recv() == "ready"
        return self.ready

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes over one store; each query gets a time limit."""

    def __init__(self, store_path: Path, workers: int = 2, timeout: float = DEFAULT_TIMEOUT,
                 queue_wait: float = 60.0) -> None:
        self.store_path = store_path
        self.timeout = timeout
        self.queue_wait = queue_wait
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        for _ in range(max(1, workers)):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store_path)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def run(self, request: QueryRequest) -> QueryResponse:
        try:
            worker = self._idle.get(timeout=self.queue_wait)
        except queue.Empty:
            return _text(503, "the endpoint is busy: every query worker is in use; try again")
        replacement = worker
        try:
            if not worker.wait_ready(60):
                raise EOFError("worker did not start")
            worker.conn.send(request)
            if not worker.conn.poll(self.timeout):
                self._retire(worker)
                replacement = self._spawn()
                return _text(503, f"the query ran over the time limit of {self.timeout:g} s and was stopped")
            response: QueryResponse = worker.conn.recv()
            return response
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._retire(worker)
            replacement = self._spawn()
            return _text(500, f"the query worker stopped unexpectedly: {exc}")
        finally:
            if not self._closed:
                self._idle.put(replacement)
            elif replacement is not worker:
                self._retire(replacement)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker)


# -- HTTP ----------------------------------------------------------------------------------------

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".gz": "application/gzip",
    ".woff2": "font/woff2",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
}
# A folder's alternates, for clients that ask for RDF at a minted URI.
ALTERNATES = {"text/turtle": "index.ttl", "application/ld+json": "index.jsonld"}


def content_type(path: str) -> str:
    """The Content-Type of a file of the site (`*-metadata.json` is CSVW's application/csvm+json)."""
    name = path.rsplit("/", 1)[-1].lower()
    if name.endswith("-metadata.json"):
        return "application/csvm+json"
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


class SparqlServer(ThreadingHTTPServer):
    """The site's folder served as static files, and the SPARQL endpoint at /sparql."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], out: Path, pool: QueryPool, base_uri: str,
                 datasets: list[dict[str, Any]]) -> None:
        self.out = out
        self.pool = pool
        self.base_uri = base_uri
        self.datasets = datasets
        self._sparql_page: dict[str, bytes] | None = None
        super().__init__(address, _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()

    def sparql_page(self) -> dict[str, bytes]:
        """The SPARQL page's files (paths under out/), for a build that has none of its own."""
        if self._sparql_page is None:
            self._sparql_page = sparql_page_files(self.base_uri, self.datasets)
        return self._sparql_page


class _Handler(SimpleHTTPRequestHandler):
    server: SparqlServer
    protocol_version = "HTTP/1.1"
    server_version = "cogs"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(args[2].out), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    # -- dispatch
    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/sparql":
            self._sparql_get()
        else:
            super().do_GET()

    def do_HEAD(self) -> None:
        if urlsplit(self.path).path == "/sparql":
            self._send(_text(405, "HEAD is not supported on the SPARQL endpoint; use GET or POST"), head=True)
        else:
            super().do_HEAD()

    def do_POST(self) -> None:
        if urlsplit(self.path).path == "/sparql":
            self._sparql_post()
        else:
            self._discard_body()
            self._send(_text(405, "the site is read-only"), allow="GET, HEAD")

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _refuse_write(self) -> None:
        self._discard_body()
        self._send(_text(405, "the site and its SPARQL endpoint are read-only"), allow="GET, HEAD, POST")

    do_PUT = do_DELETE = do_PATCH = _refuse_write

    # -- static files
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return content_type(str(path))

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")
        return None

    def send_head(self) -> Any:
        path = urlsplit(self.path).path
        local = Path(self.translate_path(self.path))
        if path.startswith("/sparql/") and not local.exists():
            return self._builtin_page(path)
        if local.is_dir() and path.endswith("/"):
            for media in parse_accept(self.headers.get("Accept")):
                if media in ALTERNATES and (local / ALTERNATES[media]).is_file():
                    self.path = path + ALTERNATES[media]
                    break
                if media in ("text/html", "application/xhtml+xml", "*/*", "text/*"):
                    break
        return super().send_head()

    def end_headers(self) -> None:
        if urlsplit(self.path).path.endswith("/") or self.path.endswith(("index.ttl", "index.jsonld")):
            self.send_header("Vary", "Accept")
        super().end_headers()

    def _builtin_page(self, path: str) -> Any:
        import io

        name = path[1:] + ("index.html" if path.endswith("/") else "")
        body = self.server.sparql_page().get(name)
        if body is None:
            self.send_error(404, "Not found")
            return None
        self.send_response(200)
        self.send_header("Content-Type", content_type(name))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    # -- SPARQL protocol
    def _sparql_get(self) -> None:
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if "update" in params:
            self._send(_text(403, "the endpoint is read-only: SPARQL updates are refused"))
            return
        if "query" not in params:
            if "text/html" in self.headers.get("Accept", ""):
                self.send_response(303)
                self.send_header("Location", "/sparql/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._send(_text(400, "missing `query` parameter: this is a SPARQL 1.1 Protocol endpoint"))
            return
        self._answer(params, params["query"])

    def _sparql_post(self) -> None:
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_QUERY_BYTES:
            self.close_connection = True
            self._send(_text(413, f"the request is over {MAX_QUERY_BYTES:,} bytes"))
            return
        body = self.rfile.read(length) if length else b""
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if media == "application/sparql-update":
            self._send(_text(403, "the endpoint is read-only: SPARQL updates are refused"))
        elif media == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if "update" in form:
                self._send(_text(403, "the endpoint is read-only: SPARQL updates are refused"))
                return
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            if "query" not in form:
                self._send(_text(400, "missing `query` in the form body"))
                return
            self._answer(params, form["query"])
        elif media == "application/sparql-query":
            self._answer(params, [body.decode("utf-8", "replace")])
        else:
            self._send(_text(415, "POST a query as application/sparql-query or "
                                  "application/x-www-form-urlencoded (query=...)"))

    def _answer(self, params: dict[str, list[str]], queries: list[str]) -> None:
        if len(queries) != 1:
            self._send(_text(400, "give exactly one query"))
            return
        request = QueryRequest(
            query=queries[0],
            wanted=wanted_types(self.headers.get("Accept"), params.get("format", []) + params.get("output", [])),
            default_graphs=params.get("default-graph-uri", []),
            named_graphs=params.get("named-graph-uri", []),
        )
        started = time.perf_counter()
        response = self.server.pool.run(request)
        log.debug("query answered %s in %.3f s", response.status, time.perf_counter() - started)
        self._send(response)

    def _send(self, response: QueryResponse, head: bool = False, allow: str | None = None) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_QUERY_BYTES:
            self.rfile.read(length)
        else:
            self.close_connection = True


def make_server(out: Path, host: str = "127.0.0.1", port: int = 8000, *, store_dir: Path | None = None,
                workers: int = 2, timeout: float = DEFAULT_TIMEOUT) -> tuple[SparqlServer, StoreInfo]:
    """Prepare the store and bind the server (not yet serving: call `serve_forever()`)."""
    out = Path(out)
    info = prepare_store(out, store_dir)
    manifest = read_manifest(out)
    pool = QueryPool(info.path, workers=workers, timeout=timeout)
    try:
        server = SparqlServer((host, port), out, pool, str(manifest.get("base_uri") or ""),
                              [d for d in manifest.get("datasets") or [] if isinstance(d, dict)])
    except OSError:
        pool.close()
        raise
    return server, info


def write_sparql_page(out: Path, endpoint: str = "../sparql") -> list[Path]:
    """Write the SPARQL page (`sparql/index.html`, with Yasgui when installed) into a build."""
    manifest = read_manifest(out)
    datasets = [d for d in manifest.get("datasets") or [] if isinstance(d, dict)]
    written = []
    for name, data in sorted(sparql_page_files(str(manifest.get("base_uri") or ""), datasets, endpoint).items()):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written
