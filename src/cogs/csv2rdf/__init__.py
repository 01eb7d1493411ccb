"""CSV on the Web to RDF (and JSON): a converter that follows the W3C recommendations.

    from cogs.csv2rdf import csv2rdf
    result = csv2rdf("data.csv-metadata.json", mode="minimal")
    result.ntriples      # N-Triples text
    result.graph()       # an rdflib Graph
    result.problems      # warnings (and, when it failed, errors) as cogs Problems

`source` is a path or an http(s)/file URL of a CSV file or a CSVW metadata document. Fatal input
(what the recommendation says a processor must reject) raises `CogsError` with the problems.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

from cogs.csv2rdf.fetch import Fetcher, Resource, default_fetch, to_url
from cogs.csv2rdf.process import ConversionError, annotate, load
from cogs.csv2rdf.rdf import Options, group_triples, ntriples
from cogs.problems import CogsError, Location, Problem, Severity

if TYPE_CHECKING:
    import rdflib

__all__ = ["Conversion", "Fetcher", "Resource", "csv2json", "csv2rdf"]

Mode = Literal["standard", "minimal"]


@dataclass
class Conversion:
    """What a conversion made: N-Triples text (or JSON for csv2json) and the warnings it raised."""

    ntriples: str = ""
    json: Any = None
    problems: list[Problem] = field(default_factory=list)
    engine: str = "reference"

    def graph(self) -> rdflib.Graph:
        import rdflib

        # keep the converter's blank node labels, so serialisations are deterministic
        labels = {label: rdflib.BNode(label) for label in set(re.findall(r"_:([A-Za-z0-9]+)", self.ntriples))}
        g = rdflib.Graph()
        g.parse(data=self.ntriples, format="nt", bnode_context=labels)
        return g

    def serialize(self, fmt: str = "nt") -> str:
        if fmt == "nt":
            return self.ntriples
        g = self.graph()
        for prefix, ns in (("csvw", "http://www.w3.org/ns/csvw#"), ("xsd", "http://www.w3.org/2001/XMLSchema#"),
                           ("prov", "http://www.w3.org/ns/prov#"), ("qb", "http://purl.org/linked-data/cube#"),
                           ("skos", "http://www.w3.org/2004/02/skos/core#"), ("dcterms", "http://purl.org/dc/terms/")):
            g.bind(prefix, ns)
        # bind the remaining namespaces in sorted order, so generated prefixes do not follow hashing
        known = {str(ns) for _, ns in g.namespaces()}
        spaces = sorted({m.group(1) for p in g.predicates() for m in [re.match(r"^(.*[#/])[^#/]*$", str(p))] if m})
        for number, space in enumerate((s for s in spaces if s not in known), start=1):
            g.bind(f"ns{number}", space)
        text = str(g.serialize(format={"ttl": "turtle", "jsonld": "json-ld"}.get(fmt, fmt)))
        if fmt == "jsonld":  # the serialiser's order follows hashing: sort for deterministic output
            text = json.dumps(_sorted_jsonld(json.loads(text)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return text


def _sorted_jsonld(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (v if k == "@list" else _sorted_jsonld(v)) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_jsonld(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


_WHERE = re.compile(r"^(?P<url>(?:file|https?):\S+?)(?::(?P<line>\d+)(?::(?P<column>\d+))?)?: (?P<message>.*)$", re.DOTALL)


def _display(url: str) -> str:
    if url.startswith("file:"):
        return unquote(urlsplit(url).path)
    return url


def _problem(message: str, severity: Severity, source: str) -> Problem:
    code = "csvw.warning" if severity is Severity.WARNING else "csvw.invalid"
    location = Location(_display(source))
    match = _WHERE.match(message)
    if match:
        line, column = match.group("line"), match.group("column")
        location = Location(_display(match.group("url")), int(line) if line else None, int(column) if column else None)
        message = match.group("message")
    hint = None
    if severity is Severity.ERROR:
        hint = "fix the metadata or CSV so it follows the CSVW recommendation (docs/csv2rdf.md)"
    return Problem(code, message, location, severity, hint)


def _prepare(source: str | Path, metadata: str | Path | None, fetch: Fetcher | None) -> tuple[str, str | None, Fetcher]:
    return to_url(source), (to_url(metadata) if metadata is not None else None), fetch or default_fetch


def csv2rdf(
    source: str | Path,
    *,
    metadata: str | Path | None = None,
    mode: Mode = "standard",
    prov: bool = True,
    fetch: Fetcher | None = None,
    engine: Literal["auto", "reference", "fast"] = "auto",
    output: IO[bytes] | None = None,
) -> Conversion:
    """Convert CSVW to RDF as N-Triples (in `.ntriples`, or written to `output` when given).

    `engine="auto"` uses the vectorised path where the input allows it and the reference path
    otherwise; "fast" insists on the vectorised path (ValueError when it cannot), "reference"
    always takes the cell-by-cell path. `fetch` replaces how URLs are read (tests use it to serve
    files from a local server)."""
    url, meta_url, fetcher = _prepare(source, metadata, fetch)
    try:
        loaded = load(url, metadata=meta_url, fetch=fetcher)
    except ConversionError as e:
        raise CogsError([_problem(str(e), Severity.ERROR, str(source))]) from e
    options = Options(minimal=mode == "minimal", prov=prov)
    used = "reference"
    text: str | None = None
    if engine in {"auto", "fast"}:
        from cogs.csv2rdf import fast

        text = fast.try_convert(loaded, options, output)
        if text is not None:
            used = "fast"
        elif engine == "fast":
            raise ValueError("the fast engine does not support this input")
    if text is None:
        tables = annotate(loaded)
        text = ntriples(group_triples(loaded.group, tables, options, loaded.metadata_url, loaded.csv_urls))
        if output is not None:
            output.write(text.encode("utf-8"))
            text = ""
    problems = [_problem(w, Severity.WARNING, str(source)) for w in loaded.warnings]
    return Conversion(ntriples=text, problems=problems, engine=used)


def csv2json(
    source: str | Path,
    *,
    metadata: str | Path | None = None,
    mode: Mode = "standard",
    fetch: Fetcher | None = None,
) -> Conversion:
    """Convert CSVW to JSON ("Generating JSON from Tabular Data on the Web")."""
    from cogs.csv2rdf.jsonout import group_json

    url, meta_url, fetcher = _prepare(source, metadata, fetch)
    try:
        loaded = load(url, metadata=meta_url, fetch=fetcher)
    except ConversionError as e:
        raise CogsError([_problem(str(e), Severity.ERROR, str(source))]) from e
    tables = annotate(loaded)
    data = group_json(loaded.group, tables, minimal=mode == "minimal")
    problems = [_problem(w, Severity.WARNING, str(source)) for w in loaded.warnings]
    return Conversion(json=data, problems=problems)
