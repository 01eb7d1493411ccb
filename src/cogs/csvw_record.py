"""The catalogue record of a dataset given as CSVW (see docs/families.md), and the Data Cube
normalisation its validation needs. Reads the converted metadata graph; no I/O."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, QB, RDF, RDFS, XSD, Namespace
from rdflib.term import Node

from cogs import graphs
from cogs.model import CodeList, CodeListKind
from cogs.reference import GSS_CODE, PERIOD_FORMS, PERIOD_LABELS
from cogs.problems import CogsError, Location, Problem
from cogs.uris import GSS_GEOGRAPHY, REF_TIME, Minter

if TYPE_CHECKING:
    from cogs.csvw_dataset import CsvwDataset

OBSERVATIONS = "observations.nt.gz"
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")



def the_dataset(graph: Graph, item: CsvwDataset) -> URIRef:
    found = sorted(s for s in graph.subjects(RDF.type, QB.DataSet) if isinstance(s, URIRef))
    if len(found) != 1:
        what = "no qb:DataSet" if not found else f"{len(found)} qb:DataSet resources"
        raise CogsError([Problem("csvw-dataset.not-a-cube", f"the converted CSVW has {what}",
                                 Location(str(item.config.metadata)),
                                 hint="describe exactly one qb:DataSet with its qb:structure in the metadata "
                                      "(e.g. as rdfs:seeAlso objects with @id, as csvcubed writes them)")])
    return found[0]


def normalise(graph: Graph) -> set[str]:
    """The type closure of the Data Cube normalisation algorithm, which the integrity constraints
    assume: a property a structure uses as dimension, measure or attribute has that type.

    Returns the properties the CSVW uses but does not describe, whose definitions (range, code
    list) live in vocabularies a build cannot read offline."""
    kinds = ((QB.dimension, QB.DimensionProperty), (QB.measure, QB.MeasureProperty), (QB.attribute, QB.AttributeProperty))
    used = [(spec, prop, kind) for link, kind in kinds for spec, prop in sorted(graph.subject_objects(link), key=str)]
    external = {str(prop) for _, prop, _ in used if (prop, None, None) not in graph}
    for spec, prop, kind in used:
        graph.add((spec, QB.componentProperty, prop))
        graph.add((prop, RDF.type, kind))
    return external


_REFERENCE = {
    str(SDMX_DIMENSION.refPeriod): ("period", "Time periods", CodeListKind.PERIOD, REF_TIME),
    str(SDMX_DIMENSION.refArea): ("gss-geography", "GSS statistical geography", CodeListKind.GEOGRAPHY, GSS_GEOGRAPHY),
}
REFERENCE_PROPERTIES = tuple(sorted(_REFERENCE))
_PERIOD_PATH = re.compile("|".join(f"(?:{pattern})" for _, pattern, _ in PERIOD_FORMS))


def describe_reused(graph: Graph, values: dict[str, set[str]], minter: Minter) -> None:
    """Describe the SDMX and Data Cube properties the CSVW reuses without describing them, as the
    build describes them for its own datasets: so the datasets agree in the dump, and a CSVW whose
    periods and areas are reference.data.gov.uk and GSS URIs shares the build's reference lists
    (it joins the others on time and area).

    `values` holds the objects of each reused dimension in the observations."""
    used = {str(o) for p in (QB.dimension, QB.measure, QB.attribute) for o in graph.objects(None, p)}
    for uri in sorted(used):
        if uri not in graphs.REUSED or (URIRef(uri), None, None) in graph:
            continue
        if uri not in _REFERENCE:
            graphs.reused_property(graph, uri)
            continue
        id, title, kind, prefix = _REFERENCE[uri]
        codes = {v[len(prefix):] for v in values.get(uri, set()) if v.startswith(prefix)}
        if kind is CodeListKind.PERIOD:
            fits = all(_PERIOD_PATH.match(c) and c.split("/", 1)[0] in PERIOD_LABELS for c in codes)
        else:
            fits = all(re.match(GSS_CODE, c) for c in codes)
        if not codes or len(codes) != len(values.get(uri, set())) or not fits:
            continue  # values of its own: the property stays as the CSVW leaves it
        codelist = CodeList(id, minter.reference_codelist(id), title, kind)
        graphs.reused_property(graph, uri, codelist.uri)
        graphs.codelist_graph(graph, graphs.reference_codes(codelist, codes))


def _values(graph: Graph, nodes: list[Node], *predicates: URIRef, one: bool = False) -> list[Node]:
    """The values of the first predicate that any of `nodes` has, from the first node that has it
    (with `one`, a single value: English or untagged text preferred)."""
    for predicate in predicates:
        for node in nodes:
            found: list[Node] = sorted(graph.objects(node, predicate), key=str)
            if found:
                if not one:
                    return found
                preferred: list[Node] = [o for o in found if isinstance(o, Literal) and o.language in (None, "en")]
                return (preferred or found)[:1]
    return []


def catalogue_record(graph: Graph, item: CsvwDataset, minter: Minter) -> tuple[Graph, list[Problem]]:
    """The DCAT record of the CSVW's qb:DataSet, set in `graph` and returned on its own for the catalogue."""
    dataset = the_dataset(graph, item)
    family = item.family
    fields = item.config.fields
    # the CSVW's other descriptions of the same data set: a dcat:Dataset it is a distribution of, ...
    about = [dataset] + sorted({n for n in graph.objects(dataset, URIRef(str(DCAT) + "isDistributionOf"))} |
                               {n for n in graph.subjects(DCAT.distribution, dataset)} |
                               {n for n in graph.subjects(RDF.type, DCAT.Dataset) if n != dataset}, key=str)
    problems: list[Problem] = []
    where = Location(str(item.config.metadata))
    beside = item.config.path if item.config.path.name == "dataset.toml" else item.config.metadata.parent / "dataset.toml"

    def given(key: str, *predicates: URIRef, required: bool = True, make: Any = None) -> list[Node]:
        if key in fields:
            values = fields[key] if isinstance(fields[key], list) else [fields[key]]
            return [make(v) if make else graphs.en(v) for v in values]
        found = _values(graph, about, *predicates, one=key not in ("keywords", "source"))
        if not found and required:
            names = " or ".join(_short(p) for p in predicates)
            problems.append(Problem("csvw-dataset.missing-metadata", f"the CSVW gives its data set no {key} ({names})",
                                    where, hint=f"add {key} = ... to {beside}"
                                    + ("" if beside.is_file() else f' with csvw = "{item.metadata_name}"')))
        return found

    date = (lambda v: Literal(v, datatype=XSD.date))
    record: dict[URIRef, list[Node]] = {
        DCTERMS.title: given("title", DCTERMS.title, RDFS.label),
        DCTERMS.description: given("description", DCTERMS.description, RDFS.comment),
        DCTERMS.issued: given("issued", DCTERMS.issued, make=date),
        RDFS.comment: given("summary", RDFS.comment, required=False),
        DCAT.keyword: given("keywords", DCAT.keyword, required=False),
        DCAT.landingPage: given("landing_page", DCAT.landingPage, required=False, make=URIRef),
        DCTERMS.source: given("source", DCTERMS.source, required=False, make=URIRef),
        DCTERMS.license: _values(graph, about, DCTERMS.license, one=True) or [URIRef(family.license)],
    }
    record[DCTERMS.modified] = given("modified", DCTERMS.modified, required=False, make=date) or record[DCTERMS.issued][:1]
    out = graphs.new_graph()
    family_agent = graphs.Agent(family.publisher, URIRef(family.publisher_uri or f"{minter.family(family.id)}#publisher"),
                                URIRef(f"{minter.family(family.id)}#contact"), family.contact_point)
    if "publisher" in fields or "publisher_uri" in fields or "contact_point" in fields:
        name = fields.get("publisher", family.publisher)
        agent = graphs.Agent(name, URIRef(fields.get("publisher_uri") or (
            family_agent.uri if name == family.publisher else f"{item.uri}#publisher")),
            URIRef(f"{item.uri}#contact"), fields.get("contact_point", family.contact_point))
        agent.describe(out)
        record[DCTERMS.publisher] = [agent.uri]
        record[DCAT.contactPoint] = [agent.contact]
    else:
        record[DCTERMS.publisher] = _values(graph, about, DCTERMS.publisher, one=True) or [family_agent.uri]
        record[DCAT.contactPoint] = _values(graph, about, DCAT.contactPoint, one=True) or [family_agent.contact]
        if family_agent.uri in record[DCTERMS.publisher] or family_agent.contact in record[DCAT.contactPoint]:
            family_agent.describe(out)
    record[DCAT.theme] = sorted({graphs.theme_uri(minter, t) for t in family.themes} |
                                set(_values(graph, about, DCAT.theme)), key=str)
    if problems:
        return out, problems
    # the record replaces the CSVW's own catalogue typing, which the profile would hold to it
    for node in [n for n in graph.subjects(RDF.type, DCAT.Dataset) if n != dataset]:
        graph.remove((node, RDF.type, DCAT.Dataset))
    for node in list(graph.subjects(RDF.type, DCAT.Distribution)):
        graph.remove((node, RDF.type, DCAT.Distribution))
    for predicate, values in record.items():
        graph.remove((dataset, predicate, None))
        for value in values:
            out.add((dataset, predicate, value))
    out.add((dataset, RDF.type, DCAT.Dataset))
    out.add((dataset, DCTERMS.isPartOf, URIRef(minter.family(family.id))))
    for key, file, media, title in _distributions(item):
        dist = URIRef(f"{item.uri}#distribution/{key}")
        out.add((dataset, DCAT.distribution, dist))
        out.add((dist, RDF.type, DCAT.Distribution))
        out.add((dist, DCTERMS.title, graphs.en(title)))
        out.add((dist, DCAT.downloadURL, URIRef(item.uri + quote(file))))
        out.add((dist, DCAT.mediaType, URIRef(graphs.MEDIA + media)))
        if file.endswith(".gz"):
            out.add((dist, DCAT.compressFormat, URIRef(graphs.MEDIA + "application/gzip")))
        out.add((dist, DCTERMS.license, record[DCTERMS.license][0]))
    return out, problems


def _short(uri: URIRef) -> str:
    for prefix, space in (("dcterms:", str(DCTERMS)), ("rdfs:", str(RDFS)), ("dcat:", str(DCAT))):
        if uri.startswith(space):
            return prefix + uri[len(space):]
    return str(uri)


def _distributions(item: CsvwDataset) -> list[tuple[str, str, str, str]]:
    found = [(f"csv/{number}" if number else "csv", table, "text/csv", f"Data (CSV): {Path(table).name}")
             for number, table in enumerate(item.tables)]
    return found + [("csvw", item.metadata_name, "application/csvm+json", "CSVW metadata"),
                    ("turtle", "dataset.ttl", "text/turtle", "Metadata and structure (Turtle)"),
                    ("ntriples", OBSERVATIONS, "application/n-triples", "Observations (N-Triples, gzip)")]
