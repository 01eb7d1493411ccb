"""Content negotiation for the SPARQL endpoint: which result format a request asks for, by its
`format`/`output` parameters or its Accept header."""

from __future__ import annotations


# What each kind of result can be written as: media type -> (format name, Content-Type sent).
RESULTS_TYPES: dict[str, tuple[str, str]] = {
    "application/sparql-results+json": ("json", "application/sparql-results+json"),
    "application/json": ("json", "application/sparql-results+json"),
    "application/sparql-results+xml": ("xml", "application/sparql-results+xml"),
    "application/xml": ("xml", "application/sparql-results+xml"),
    "text/xml": ("xml", "application/sparql-results+xml"),
    "text/csv": ("csv", "text/csv; charset=utf-8"),
    "text/tab-separated-values": ("tsv", "text/tab-separated-values; charset=utf-8"),
}
GRAPH_TYPES: dict[str, tuple[str, str]] = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/x-turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/n-triples": ("ntriples", "application/n-triples"),
    "text/plain": ("ntriples", "application/n-triples"),
    "application/rdf+xml": ("rdfxml", "application/rdf+xml"),
}
# Short names some clients send as `format=` / `output=` parameters (SPARQLWrapper sends both).
FORMAT_NAMES: dict[str, list[str]] = {
    "json": ["application/sparql-results+json"],
    "xml": ["application/sparql-results+xml", "application/rdf+xml"],
    "csv": ["text/csv"],
    "tsv": ["text/tab-separated-values"],
    "turtle": ["text/turtle"], "ttl": ["text/turtle"], "n3": ["text/turtle"],
    "nt": ["application/n-triples"], "ntriples": ["application/n-triples"],
    "n-triples": ["application/n-triples"], "rdf+xml": ["application/rdf+xml"],
}


def parse_accept(header: str | None) -> list[str]:
    """Media types of an Accept header, most preferred first (q=0 dropped; ties keep their order)."""
    if not header:
        return ["*/*"]
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, index, media))
    return [media for _, _, media in sorted(ranked)]


def wanted_types(accept: str | None, format_params: list[str]) -> list[str]:
    """The media types a request asks for: `format`/`output` parameters first, then Accept."""
    wanted: list[str] = []
    for value in format_params:
        value = value.strip().lower()
        if "/" in value:
            wanted.append(value)
        else:
            wanted.extend(FORMAT_NAMES.get(value, []))
    return wanted + parse_accept(accept)


def choose(wanted: list[str], kind: str) -> tuple[str, str] | None:
    """The (format, Content-Type) for a result kind ("results" or "graph"), or None: 406."""
    table = RESULTS_TYPES if kind == "results" else GRAPH_TYPES
    default = "application/sparql-results+json" if kind == "results" else "text/turtle"
    for media in wanted:
        if media in table:
            return table[media]
        if media in ("*/*", "application/*") or (media == "text/*" and kind == "graph"):
            return table[default]
        if media == "text/*":
            return table["text/csv"]
    return None


def offered(kind: str) -> list[str]:
    """The Content-Types a result kind ("results" or "graph") can be sent as, for a 406's message."""
    table = RESULTS_TYPES if kind == "results" else GRAPH_TYPES
    return sorted({content_type.split(";")[0] for _, content_type in table.values()})
