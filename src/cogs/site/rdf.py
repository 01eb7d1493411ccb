"""Each page's RDF: its `index.ttl` and `index.jsonld` alternates, and the schema.org `Dataset` that
search engines read. Written here (not by rdflib's serialisers) so output is fast and byte-stable.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, NamespaceManager
from rdflib.term import Node

from cogs.site.load import Dataset, Family, Site

PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "ui": "http://www.w3.org/ns/ui#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

Triples = list[tuple[URIRef, URIRef, Node]]


class Index:
    """The site's graph by subject, so a page's description is a dictionary lookup."""

    def __init__(self, graph: Graph) -> None:
        self.by_subject: dict[str, Triples] = {}
        for s, p, o in graph:
            if isinstance(s, URIRef) and isinstance(p, URIRef):
                self.by_subject.setdefault(str(s), []).append((s, p, o))
        self.fragments: dict[str, list[str]] = {}
        for subject in self.by_subject:
            if "#" in subject:
                self.fragments.setdefault(subject.split("#", 1)[0], []).append(subject)
        manager = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            manager.bind(prefix, namespace)
        self.manager = manager
        self._terms: dict[Node, str] = {}  # a page's terms repeat across pages: each written once
        self._prefixes: dict[Node, frozenset[str]] = {}

    def describe(self, *subjects: str, fragments: bool = True) -> Triples:
        """Triples about `subjects` and (by default) about their `#fragment` URIs."""
        out: Triples = []
        seen: set[str] = set()
        for subject in subjects:
            names = [subject, *(self.fragments.get(subject, []) if fragments else [])]
            for name in names:
                if name not in seen:
                    seen.add(name)
                    out.extend(self.by_subject.get(name, []))
        return sorted(set(out))

    def turtle(self, triples: Triples) -> bytes:
        used = frozenset().union(*(self._prefixes_of(t) for triple in triples for t in triple[1:]))
        lines = [f"@prefix {p}: <{PREFIXES[p]}> ." for p in sorted(used)]
        lines.append("")
        subject: URIRef | None = None
        for s, p, o in triples:
            if s != subject:
                if subject is not None:
                    lines[-1] = lines[-1][:-2] + " .\n"
                lines.append(f"<{s}>")
                subject = s
            lines.append(f"    {self._term(p)} {self._term(o)} ;")
        if subject is not None:
            lines[-1] = lines[-1][:-2] + " ."
        return ("\n".join(lines) + "\n").encode("utf-8")

    def _prefixes_of(self, term: Node) -> frozenset[str]:
        """The prefixes whose namespace `term`'s text starts with: declared when the term is used."""
        if term not in self._prefixes:
            self._prefixes[term] = frozenset(p for p, ns in PREFIXES.items() if str(term).startswith(ns))
        return self._prefixes[term]

    def _term(self, term: Node) -> str:
        if term not in self._terms:
            self._terms[term] = self._written(term)
        return self._terms[term]

    def _written(self, term: Node) -> str:
        if isinstance(term, URIRef):
            if term == RDF.type:
                return "a"
            for prefix, namespace in PREFIXES.items():
                local = str(term)[len(namespace):]
                if str(term).startswith(namespace) and local and all(ch.isalnum() or ch in "_-" for ch in local) \
                        and local[0].isalpha():
                    return f"{prefix}:{local}"
            return f"<{term}>"
        return str(term.n3())

    def jsonld(self, triples: Triples) -> dict[str, Any]:
        """Flattened JSON-LD with a prefix context: one node per subject, sorted."""
        nodes: dict[str, dict[str, Any]] = {}
        for s, p, o in triples:
            node = nodes.setdefault(str(s), {"@id": str(s)})
            if p == RDF.type and isinstance(o, URIRef):
                node.setdefault("@type", []).append(self.compact(str(o)))
                continue
            node.setdefault(self.compact(str(p)), []).append(value(o))
        return {"@context": dict(sorted(PREFIXES.items())), "@graph": [nodes[k] for k in sorted(nodes)]}

    def compact(self, iri: str) -> str:
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri


def value(term: Node) -> Any:
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    if isinstance(term, Literal):
        if term.language:
            return {"@value": str(term), "@language": term.language}
        if term.datatype:
            return {"@value": str(term), "@type": str(term.datatype)}
        return str(term)
    return str(term)


def dumps(document: Any) -> bytes:
    """A page's JSON-LD file: compact, which Python's C encoder prints (an indented one goes
    through its pure-Python encoder, some 0.2 s over the 600-odd pages of a large build)."""
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def schema_dataset(site: Site, dataset: Dataset, temporal: str | None) -> dict[str, Any]:
    """schema.org `Dataset`, as Google Dataset Search reads it."""
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset.uri,
        "url": dataset.uri,
        "name": dataset.title,
        "description": dataset.description or dataset.summary or dataset.title,
        "identifier": dataset.uri,
        "isAccessibleForFree": True,
    }
    if dataset.keywords:
        document["keywords"] = dataset.keywords
    if dataset.license:
        document["license"] = dataset.license
    if dataset.publisher:
        organisation: dict[str, Any] = {"@type": "Organization", "name": dataset.publisher}
        if dataset.publisher_uri and not dataset.publisher_uri.startswith(site.base):
            organisation["url"] = dataset.publisher_uri
        document["creator"] = organisation
        document["publisher"] = organisation
    if dataset.issued:
        document["datePublished"] = dataset.issued
    if dataset.modified:
        document["dateModified"] = dataset.modified
    if temporal:
        document["temporalCoverage"] = temporal
    family = site.families.get(f"{site.base}{dataset.family}/")
    if family is not None:
        document["includedInDataCatalog"] = {"@type": "DataCatalog", "name": family.title, "url": family.uri}
    media = {"csv": "text/csv", "csvw": "application/csvm+json", "turtle": "text/turtle",
             "ntriples": "application/n-triples"}
    document["distribution"] = [
        {"@type": "DataDownload", "encodingFormat": media[kind], "contentUrl": site.base + path}
        for kind, path in sorted(dataset.files.items())
    ]
    return document


def schema_catalog(site: Site, family: Family | None = None) -> dict[str, Any]:
    """schema.org `DataCatalog` of the whole site, or of one family."""
    datasets = [site.datasets[u] for u in family.datasets] if family else list(site.datasets.values())
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "DataCatalog",
        "@id": family.uri if family else site.base,
        "url": family.uri if family else site.base,
        "name": family.title if family else site.title,
        "description": (family.description if family else site.description) or site.title,
        "dataset": [{"@type": "Dataset", "@id": d.uri, "name": d.title, "url": d.uri}
                    for d in sorted(datasets, key=lambda d: d.uri)],
    }
    if family is not None:
        document["isPartOf"] = {"@type": "DataCatalog", "@id": site.base, "name": site.title}
        if family.publisher:
            document["publisher"] = {"@type": "Organization", "name": family.publisher}
    return document
