"""Closed namespaces for the vocabularies rdflib does not ship, so a typo is an error."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class SDMX_DIMENSION(DefinedNamespace):  # noqa: N801 - the vocabulary's own prefix
    _NS = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
    refArea: URIRef
    refPeriod: URIRef


class SDMX_ATTRIBUTE(DefinedNamespace):  # noqa: N801
    _NS = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
    obsStatus: URIRef
    unitMeasure: URIRef


class UI(DefinedNamespace):
    _NS = Namespace("http://www.w3.org/ns/ui#")
    sortPriority: URIRef


class VCARD(DefinedNamespace):
    _NS = Namespace("http://www.w3.org/2006/vcard/ns#")
    Kind: URIRef
    Organization: URIRef
    fn: URIRef
    hasEmail: URIRef
    hasURL: URIRef


PREFIXES = {
    "qb": "http://purl.org/linked-data/cube#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
    "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": str(VCARD._NS),
    "sdmx-dimension": str(SDMX_DIMENSION._NS),
    "sdmx-attribute": str(SDMX_ATTRIBUTE._NS),
    "ui": str(UI._NS),
}
