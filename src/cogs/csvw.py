"""CSVW metadata (W3C "Metadata Vocabulary for Tabular Data") for datasets and code lists.

A dataset's table group describes the cube: each column's `propertyUrl`/`valueUrl` gives the
same triples the build writes, and the table group carries the dataset's metadata and structure
as JSON-LD under `rdfs:seeAlso`, so any CSVW processor recovers the whole cube.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef

from cogs.cube import Prepared
from cogs.model import CodeList

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def node_objects(graph: Graph) -> list[dict[str, Any]]:
    """A graph as flat JSON-LD node objects (absolute IRIs as keys), sorted by subject."""
    nodes = []
    for subject in sorted({s for s in graph.subjects() if isinstance(s, URIRef)}):
        node: dict[str, Any] = {"@id": str(subject)}
        for predicate in sorted({str(p) for p in graph.predicates(subject)}):
            values: list[Any] = []
            for obj in sorted(graph.objects(subject, URIRef(predicate)), key=lambda o: (type(o).__name__, str(o))):
                if isinstance(obj, URIRef):
                    values.append({"@id": str(obj)})
                elif not isinstance(obj, Literal):
                    continue  # no blank nodes in published data
                elif obj.language:
                    values.append({"@value": str(obj), "@language": obj.language})
                elif obj.datatype:
                    values.append({"@value": str(obj), "@type": str(obj.datatype)})
                else:
                    values.append(str(obj))  # a plain string is an xsd:string literal
            key = "@type" if predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" else predicate
            node[key] = [v["@id"] for v in values] if key == "@type" else values
        nodes.append(node)
    return nodes


def dataset_metadata(prepared: Prepared, metadata: Graph) -> dict[str, Any]:
    """The table group for a dataset's `data.csv`."""
    dataset = prepared.dataset
    return {
        "@context": CSVW_CONTEXT,
        "@id": f"{dataset.uri}#csvw",
        "dc:title": dataset.title,
        "tables": [{
            "url": dataset.csv_name,
            "tableSchema": {
                "columns": prepared.csvw_columns,
                "primaryKey": prepared.key,
                "aboutUrl": prepared.about_url,
            },
        }],
        "rdfs:seeAlso": node_objects(metadata),
    }


def codelist_columns(codelist: CodeList) -> list[dict[str, Any]]:
    base = codelist.uri
    return [
        {"titles": "label", "name": "label", "propertyUrl": SKOS + "prefLabel", "lang": "en", "required": True},
        {"titles": "notation", "name": "notation", "propertyUrl": SKOS + "notation", "required": True},
        {"titles": "parent", "name": "parent", "propertyUrl": SKOS + "broader", "valueUrl": f"{base}{{parent}}/"},
        {"titles": "sort_priority", "name": "sort_priority", "propertyUrl": "http://www.w3.org/ns/ui#sortPriority",
         "datatype": "integer"},
        {"titles": "description", "name": "description", "propertyUrl": SKOS + "definition", "lang": "en"},
        {"name": "type", "virtual": True, "propertyUrl": "rdf:type", "valueUrl": SKOS + "Concept"},
        {"name": "scheme", "virtual": True, "propertyUrl": SKOS + "inScheme", "valueUrl": base},
    ]


def codelist_metadata(codelist: CodeList) -> dict[str, Any]:
    return {
        "@context": CSVW_CONTEXT,
        "@id": f"{codelist.uri}#csvw",
        "dc:title": codelist.title,
        "tables": [{
            "url": "codelist.csv",
            "tableSchema": {
                "columns": codelist_columns(codelist),
                "primaryKey": "notation",
                "aboutUrl": f"{codelist.uri}{{notation}}/",
            },
        }],
    }
