"""`cogs publish`: put each graph of a build into a triple store over the SPARQL 1.1 Graph Store
HTTP Protocol (Oxigraph server, Fuseki, Virtuoso, GraphDB: anything answering `?graph=IRI`).

- Each graph (one per dataset, the catalogue, any other graph of the dump) is sent whole with
  `PUT ?graph=IRI`, which replaces it in one step: a store applies a PUT completely or not at all,
  so an interrupted publish leaves every graph either as it was or as built.
- What was published is recorded in the store itself, in a small state graph
  (`{base}.well-known/cogs/published`) holding each graph's content hash. It is updated after
  each graph, so a re-run sends only graphs whose hash differs (changed, or not yet sent), and
  deletes graphs it published earlier that the build no longer has. Graphs it did not publish
  are never touched.
- Transient failures (connection errors, time-outs, 429, 5xx) are retried with exponential
  back-off; a PUT is safe to repeat because it replaces.

The graph contents come from the build's dump through the same on-disk store `cogs serve` uses.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from cogs.store import prepare_store, read_manifest
from cogs.problems import CogsError, Location, Problem

STATE_PATH = ".well-known/cogs/published"
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}
N_TRIPLES = "application/n-triples"


def state_graph_iri(base_uri: str) -> str:
    """The graph that records what was published from a site, under the site's base URI."""
    return f"{base_uri}{STATE_PATH}"


@dataclass(frozen=True)
class Options:
    """How to talk to the store."""

    auth: str | None = None
    timeout: float = 300.0
    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    force: bool = False
    dry_run: bool = False


@dataclass
class Outcome:
    """What happened to one graph."""

    graph: str
    action: str  # "sent", "unchanged", "deleted", "failed", "would-send", "would-delete"
    triples: int = 0
    bytes: int = 0
    attempts: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class PublishReport:
    endpoint: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(o.action == "failed" for o in self.outcomes)

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "ok": self.ok, "seconds": round(self.seconds, 3),
                "graphs": [asdict(o) for o in self.outcomes]}


class StoreError(Exception):
    """A request to the store failed for good (after retries, or at once for a non-transient status)."""

    def __init__(self, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


def parse_auth(auth: str | None) -> dict[str, str]:
    """Authorization headers from `USER:PASSWORD` (HTTP basic) or `bearer:TOKEN`."""
    if not auth:
        return {}
    if auth.lower().startswith("bearer:"):
        return {"Authorization": f"Bearer {auth[7:]}"}
    if auth.lower().startswith("basic:"):
        auth = auth[6:]
    if ":" not in auth:
        raise CogsError([Problem("publish.bad-auth", "--auth must be USER:PASSWORD or bearer:TOKEN",
                                 hint="for example --auth admin:secret, or set COGS_PUBLISH_AUTH")])
    import base64

    return {"Authorization": "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")}


class GraphStore:
    """A Graph Store Protocol endpoint, with retries on transient failures."""

    def __init__(self, endpoint: str, options: Options, sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoint = endpoint
        self.options = options
        self.headers = parse_auth(options.auth)
        self.session = requests.Session()
        self.sleep = sleep

    def request(self, method: str, graph: str, body: Path | bytes | None = None,
                accept: str | None = None) -> tuple[requests.Response, int]:
        """Send one request, retrying transient failures; returns the response and attempts made."""
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = N_TRIPLES
        if accept:
            headers["Accept"] = accept
        attempt = 0
        while True:
            attempt += 1
            problem: str
            wait: float | None = None
            try:
                if isinstance(body, Path):
                    with body.open("rb") as data:
                        response = self.session.request(method, self.endpoint, params={"graph": graph}, data=data,
                                                        headers=headers, timeout=self.options.timeout)
                else:
                    response = self.session.request(method, self.endpoint, params={"graph": graph}, data=body,
                                                    headers=headers, timeout=self.options.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in TRANSIENT:
                    return response, attempt
                problem = f"HTTP {response.status_code} {response.reason}: {response.text[:200].strip()}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = float(retry_after)
            if attempt > self.options.retries:
                raise StoreError(f"{method} failed after {attempt} attempt(s): {problem}", attempt)
            delay = min(self.options.max_backoff, self.options.backoff * 2 ** (attempt - 1))
            self.sleep(max(delay, wait or 0.0))

    def get_ntriples(self, graph: str) -> bytes | None:
        response, _ = self.request("GET", graph, accept=N_TRIPLES)
        if response.status_code == 404:
            return None
        _check(response, "GET", graph)
        return response.content

    def put(self, graph: str, body: Path | bytes) -> int:
        response, attempts = self.request("PUT", graph, body)
        _check(response, "PUT", graph)
        return attempts

    def delete(self, graph: str) -> int:
        response, attempts = self.request("DELETE", graph)
        if response.status_code != 404:
            _check(response, "DELETE", graph)
        return attempts


def _check(response: requests.Response, method: str, graph: str) -> None:
    if not 200 <= response.status_code < 300:
        hint = " (check --auth)" if response.status_code in (401, 403) else ""
        raise StoreError(f"{method} answered HTTP {response.status_code} {response.reason}{hint}: "
                         f"{response.text[:300].strip()}")


# -- the state graph -----------------------------------------------------------------------------

def read_state(store: GraphStore, state_iri: str) -> dict[str, str]:
    """Graph IRI -> content hash, as recorded in the store by earlier publishes."""
    import pyoxigraph as ox

    data = store.get_ntriples(state_iri)
    if not data:
        return {}
    predicate = f"{state_iri}#sha256"
    state: dict[str, str] = {}
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        if triple.predicate.value == predicate and isinstance(triple.subject, ox.NamedNode):
            state[triple.subject.value] = triple.object.value
    return state


def state_ntriples(state_iri: str, state: dict[str, str]) -> bytes:
    lines = [f'<{graph}> <{state_iri}#sha256> "{digest}" .\n' for graph, digest in sorted(state.items())]
    return "".join(lines).encode("utf-8")


# -- the build's graphs --------------------------------------------------------------------------

@dataclass(frozen=True)
class BuiltGraph:
    iri: str
    sha256: str | None
    triples: int


def built_graphs(manifest: dict[str, Any], out: Path) -> list[BuiltGraph]:
    graphs = []
    for index, entry in enumerate(manifest.get("graphs") or []):
        if not isinstance(entry, dict) or not isinstance(entry.get("iri"), str):
            raise CogsError([Problem("publish.bad-manifest", f"graphs[{index}] has no IRI",
                                     Location(str(out / "manifest.json")), hint="rebuild with `cogs build`")])
        digest = entry.get("sha256")
        graphs.append(BuiltGraph(entry["iri"], digest if isinstance(digest, str) else None,
                                 int(entry.get("triples") or 0)))
    return sorted(graphs, key=lambda g: g.iri)


def _sorted_sha256(path: Path) -> str:
    """The hash of a graph's N-Triples lines, sorted (used when the manifest carries none)."""
    with path.open("rb") as handle:
        lines = sorted(handle)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line)
    return digest.hexdigest()


# -- publishing ----------------------------------------------------------------------------------

def publish(out: Path, endpoint: str, options: Options = Options(), *, store_dir: Path | None = None,
            on_graph: Callable[[Outcome], None] = lambda outcome: None,
            sleep: Callable[[float], None] = time.sleep) -> PublishReport:
    """Send the build's graphs that changed since the last publish; returns what happened to each."""
    import pyoxigraph as ox

    started = time.perf_counter()
    out = Path(out)
    manifest = read_manifest(out)
    base = str(manifest.get("base_uri") or "")
    if not base:
        raise CogsError([Problem("publish.bad-manifest", "manifest.json has no base_uri",
                                 Location(str(out / "manifest.json")), hint="rebuild with `cogs build`")])
    graphs = built_graphs(manifest, out)
    state_iri = state_graph_iri(base)
    client = GraphStore(endpoint, options, sleep)
    report = PublishReport(endpoint)
    try:
        state = read_state(client, state_iri)
    except (StoreError, SyntaxError) as exc:
        raise CogsError([Problem("publish.store-unreachable", f"cannot read the publish state from {endpoint}: {exc}",
                                 hint="check --endpoint is the store's Graph Store Protocol URL "
                                      "(Oxigraph: http://host:7878/store; Fuseki: http://host:3030/DATASET/data)")]
                        ) from None
    local: Any = None  # the build's dump as an on-disk store, opened when a graph must be read
    scratch = Path(tempfile.mkdtemp(prefix="cogs-publish-"))
    try:
        for graph in graphs:
            outcome = Outcome(graph.iri, "unchanged", graph.triples)
            if not options.force and graph.sha256 is not None and state.get(graph.iri) == graph.sha256:
                report.outcomes.append(outcome)
                on_graph(outcome)
                continue
            began = time.perf_counter()
            body = scratch / "graph.nt"
            if local is None:
                local = ox.Store.read_only(str(prepare_store(out, store_dir).path))
            local.dump(str(body), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph.iri))
            digest = graph.sha256 or _sorted_sha256(body)
            outcome.bytes = body.stat().st_size
            if not options.force and state.get(graph.iri) == digest:
                pass
            elif options.dry_run:
                outcome.action = "would-send"
            else:
                try:
                    outcome.attempts = client.put(graph.iri, body)
                    state[graph.iri] = digest
                    client.put(state_iri, state_ntriples(state_iri, state))
                    outcome.action = "sent"
                except StoreError as exc:
                    outcome.action, outcome.error = "failed", str(exc)
                    outcome.attempts = outcome.attempts or exc.attempts
            outcome.seconds = time.perf_counter() - began
            report.outcomes.append(outcome)
            on_graph(outcome)
        built = {g.iri for g in graphs}
        for stale in sorted(set(state) - built):
            outcome = Outcome(stale, "would-delete" if options.dry_run else "deleted")
            began = time.perf_counter()
            if not options.dry_run:
                try:
                    outcome.attempts = client.delete(stale)
                    del state[stale]
                    client.put(state_iri, state_ntriples(state_iri, state))
                except StoreError as exc:
                    outcome.action, outcome.error = "failed", str(exc)
            outcome.seconds = time.perf_counter() - began
            report.outcomes.append(outcome)
            on_graph(outcome)
    finally:
        del local
        shutil.rmtree(scratch, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def auth_from_environment(value: str | None) -> str | None:
    return value or os.environ.get("COGS_PUBLISH_AUTH") or None


def report_lines(report: PublishReport) -> Iterator[str]:
    """The report as lines for people: one per graph that was not left unchanged, then a total."""
    for outcome in report.outcomes:
        if outcome.action == "unchanged":
            continue
        line = f"{outcome.action:<12} {outcome.graph}"
        if outcome.action in ("sent", "would-send"):
            line += f"  {outcome.triples:,} triples, {outcome.bytes / 1e6:.1f} MB"
        if outcome.attempts > 1:
            line += f", {outcome.attempts} attempts"
        if outcome.action in ("sent", "deleted", "failed"):
            line += f", {outcome.seconds:.1f}s"
        if outcome.error:
            line += f"\n             {outcome.error}"
        yield line
    counts = ", ".join(f"{report.count(a)} {a}" for a in
                       ("sent", "unchanged", "deleted", "failed", "would-send", "would-delete") if report.count(a))
    yield f"{report.endpoint}: {counts or 'nothing to publish'} in {report.seconds:.1f}s"
