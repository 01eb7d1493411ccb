"""Metadata graphs (rdflib, small): datasets, structures, components, code lists, the catalogue.

Observations never come here: they are written column-wise by `cogs.observations`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, QB, RDF, RDFS, SKOS, XSD

from cogs import __version__
from cogs.model import Code, CodeList, CodeListKind, Component, Dataset, Family, Role, Unit
from cogs.reference import gss_areas, period_label, period_sort_key, period_uri
from cogs.uris import GSS_GEOGRAPHY, Minter, segment
from cogs.vocab import PREFIXES, SDMX_ATTRIBUTE, SDMX_DIMENSION, UI, VCARD

MEDIA = "https://www.iana.org/assignments/media-types/"
QUDT_UNIT = URIRef("http://qudt.org/schema/qudt/Unit")
DISTRIBUTIONS = (
    ("csv", "data.csv", "text/csv", "CSV"),
    ("csvw", "data.csv-metadata.json", "application/csvm+json", "CSVW metadata"),
    ("turtle", "dataset.ttl", "text/turtle", "Turtle (metadata and structure)"),
    ("ntriples", "observations.nt.gz", "application/n-triples", "N-Triples (observations, gzip)"),
)


def new_graph() -> Graph:
    # rdflib's SimpleMemory store: these graphs are one graph each, and the default store's filing
    # of every triple under its context was most of the time spent adding and finding triples.
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def build_time() -> Literal | None:
    """The build's time from SOURCE_DATE_EPOCH; None when unset, so output stays reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    return Literal(datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime)


def theme_uri(minter: Minter, theme: str) -> URIRef:
    return URIRef(f"{minter.catalog()}#theme/{segment(theme)}")


def dcat_record(graph: Graph, dataset: Dataset, family: Family, minter: Minter) -> None:
    """The catalogue record of a dataset: what DCAT and the metadata profile ask for."""
    ds = URIRef(dataset.uri)
    graph.add((ds, RDF.type, DCAT.Dataset))
    graph.add((ds, DCTERMS.title, en(dataset.title)))
    graph.add((ds, RDFS.label, en(dataset.title)))
    graph.add((ds, DCTERMS.description, en(dataset.description)))
    if dataset.summary:
        graph.add((ds, RDFS.comment, en(dataset.summary)))
    graph.add((ds, DCTERMS.issued, Literal(dataset.issued, datatype=XSD.date)))
    graph.add((ds, DCTERMS.modified, Literal(dataset.modified or dataset.issued, datatype=XSD.date)))
    for keyword in dataset.keywords:
        graph.add((ds, DCAT.keyword, en(keyword)))
    for theme in family.themes:
        graph.add((ds, DCAT.theme, theme_uri(minter, theme)))
    if dataset.landing_page:
        graph.add((ds, DCAT.landingPage, URIRef(dataset.landing_page)))
    for source in dataset.source:
        graph.add((ds, DCTERMS.source, URIRef(source)))
    who = Agent.of(family, dataset)
    graph.add((ds, DCTERMS.publisher, who.uri))
    graph.add((ds, DCTERMS.license, URIRef(family.license)))
    graph.add((ds, DCAT.contactPoint, who.contact))
    who.describe(graph)
    graph.add((ds, DCTERMS.isPartOf, URIRef(family.uri)))
    for key, file, media, title in DISTRIBUTIONS:
        dist = URIRef(f"{dataset.uri}#distribution/{key}")
        graph.add((ds, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCTERMS.title, en(f"{dataset.title} ({title})")))
        graph.add((dist, DCAT.downloadURL, URIRef(dataset.uri + file)))
        graph.add((dist, DCAT.mediaType, URIRef(MEDIA + media)))
        if file.endswith(".gz"):
            graph.add((dist, DCAT.compressFormat, URIRef(MEDIA + "application/gzip")))
        graph.add((dist, DCTERMS.license, URIRef(family.license)))


@dataclass(frozen=True)
class Agent:
    """Who publishes a family or dataset, and how to reach them."""

    name: str
    uri: URIRef
    contact: URIRef
    contact_point: str

    @classmethod
    def of(cls, family: Family, dataset: Dataset | None = None) -> Agent:
        """The family's publisher, or the dataset's own where it names one."""
        if dataset is not None and (dataset.publisher or dataset.publisher_uri or dataset.contact_point):
            name = dataset.publisher or family.publisher
            uri = dataset.publisher_uri or (family.publisher_uri if name == family.publisher else None)
            return cls(name, URIRef(uri or f"{dataset.uri}#publisher"), URIRef(f"{dataset.uri}#contact"),
                       dataset.contact_point or family.contact_point)
        return cls(family.publisher, URIRef(family.publisher_uri or f"{family.uri}#publisher"),
                   URIRef(f"{family.uri}#contact"), family.contact_point)

    def describe(self, graph: Graph) -> None:
        graph.add((self.uri, RDF.type, FOAF.Organization))
        graph.add((self.uri, FOAF.name, en(self.name)))
        graph.add((self.uri, RDFS.label, en(self.name)))
        graph.add((self.contact, RDF.type, VCARD.Organization))
        graph.add((self.contact, VCARD.fn, en(self.name)))
        kind = VCARD.hasEmail if self.contact_point.startswith("mailto:") else VCARD.hasURL
        graph.add((self.contact, kind, URIRef(self.contact_point)))


def dataset_graph(dataset: Dataset, family: Family, minter: Minter, codelists: dict[str, CodeList]) -> Graph:
    """Everything about one dataset except its observations: record, structure, components, code lists."""
    graph = new_graph()
    ds = URIRef(dataset.uri)
    graph.add((ds, RDF.type, QB.DataSet))
    dcat_record(graph, dataset, family, minter)
    structure = URIRef(minter.structure(dataset.family, dataset.id))
    graph.add((ds, QB.structure, structure))
    graph.add((structure, RDF.type, QB.DataStructureDefinition))
    graph.add((structure, RDFS.label, en(f"Structure of {dataset.title}")))
    activity = URIRef(f"{dataset.uri}#build")
    graph.add((ds, PROV.wasGeneratedBy, activity))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, en(f"cogs {__version__} build")))
    graph.add((activity, PROV.used, URIRef(dataset.uri + "data.csv")))
    ended = build_time()
    if ended is not None:
        graph.add((activity, PROV.endedAtTime, ended))

    def spec(component_id: str, prop: URIRef) -> URIRef:
        node = URIRef(minter.component_spec(dataset.family, dataset.id, component_id))
        graph.add((structure, QB.component, node))
        graph.add((node, RDF.type, QB.ComponentSpecification))
        return node

    codelists = {c.uri: c for c in dataset.codelists}
    order = 0
    for column in dataset.columns:
        if column.role is Role.DIMENSION and column.component:
            order += 1
            node = spec(column.component.id, URIRef(column.component.uri))
            graph.add((node, QB.dimension, URIRef(column.component.uri)))
            graph.add((node, QB.order, Literal(order)))
            component_property(graph, column.component, "dimension", codelists)
        elif column.role is Role.MEASURE_TYPE:
            order += 1
            node = spec("measure-type", QB.measureType)
            graph.add((node, QB.dimension, QB.measureType))
            reused_property(graph, str(QB.measureType))
            graph.add((node, QB.order, Literal(order)))
        elif column.role is Role.ATTRIBUTE and column.component:
            node = spec(column.component.id, URIRef(column.component.uri))
            graph.add((node, QB.attribute, URIRef(column.component.uri)))
            graph.add((node, QB.componentRequired, Literal(False)))
            component_property(graph, column.component, "attribute", codelists)
    for measure in dataset.measures:
        node = spec(measure.id, URIRef(measure.uri))
        graph.add((node, QB.measure, URIRef(measure.uri)))
        component_property(graph, measure, "measure", codelists)
    if dataset.units:
        node = spec("unit", SDMX_ATTRIBUTE.unitMeasure)
        graph.add((node, QB.attribute, SDMX_ATTRIBUTE.unitMeasure))
        reused_property(graph, str(SDMX_ATTRIBUTE.unitMeasure))
        graph.add((node, QB.componentRequired, Literal(True)))
        for unit in dataset.units:
            unit_node(graph, unit)
    if any(c.role is Role.MARKER for c in dataset.columns):
        node = spec("obs-status", SDMX_ATTRIBUTE.obsStatus)
        graph.add((node, QB.attribute, SDMX_ATTRIBUTE.obsStatus))
        status = next((c.uri for c in dataset.codelists if c.kind is CodeListKind.OBS_STATUS), None)
        reused_property(graph, str(SDMX_ATTRIBUTE.obsStatus), status)
        graph.add((node, QB.componentRequired, Literal(False)))
    for codelist in dataset.codelists:
        codelist_graph(graph, codelist)
    return graph


COMPONENT_TYPES = {"dimension": QB.DimensionProperty, "measure": QB.MeasureProperty,
                   "attribute": QB.AttributeProperty}
# Labels of the SDMX and Data Cube properties the build reuses, as those vocabularies give them.
REUSED = {
    str(SDMX_DIMENSION.refArea): ("dimension", "Reference area", SKOS.Concept),
    str(SDMX_DIMENSION.refPeriod): ("dimension", "Reference period", SKOS.Concept),
    str(QB.measureType): ("dimension", "Measure type", QB.MeasureProperty),
    str(SDMX_ATTRIBUTE.unitMeasure): ("attribute", "Unit of measure", None),
    str(SDMX_ATTRIBUTE.obsStatus): ("attribute", "Observation status", SKOS.Concept),
}


def reused_property(graph: Graph, uri: str, codelist: str | None = None) -> None:
    """Type a reused property as its vocabulary does, so the integrity constraints can see it.

    Its code list, when given, is the site's reference list its values come from.
    """
    kind, label, range_ = REUSED.get(uri, ("", "", None))
    if kind:
        graph.add((URIRef(uri), RDF.type, COMPONENT_TYPES[kind]))
        graph.add((URIRef(uri), RDFS.label, en(label)))
        if range_ is not None:  # the values this build gives it: codes of its reference lists
            graph.add((URIRef(uri), RDFS.range, range_))
        if codelist is not None:
            graph.add((URIRef(uri), RDF.type, QB.CodedProperty))
            graph.add((URIRef(uri), QB.codeList, URIRef(codelist)))


def component_property(graph: Graph, component: Component, kind: str, codelists: dict[str, CodeList]) -> None:
    prop = URIRef(component.uri)
    if not component.minted and component.uri in REUSED:
        graph.add((prop, RDF.type, COMPONENT_TYPES[kind]))
        reference = next((c.uri for c in codelists.values() if str(c.kind) == component.codelist), None)
        reused_property(graph, component.uri, reference)
        return
    types = COMPONENT_TYPES
    graph.add((prop, RDF.type, RDF.Property))
    graph.add((prop, RDF.type, types[kind]))
    graph.add((prop, RDFS.label, en(component.label)))
    if component.description:
        graph.add((prop, RDFS.comment, en(component.description)))
    if component.sub_property_of:
        graph.add((prop, RDFS.subPropertyOf, URIRef(component.sub_property_of)))
    scheme = component.codelist
    if scheme and scheme.startswith("generated:"):
        scheme = scheme.split(":", 1)[1]
    if scheme and not scheme.startswith("ref:"):
        graph.add((prop, RDF.type, QB.CodedProperty))
        graph.add((prop, QB.codeList, URIRef(scheme)))
        graph.add((prop, RDFS.range, SKOS.Concept))
    elif component.datatype and component.datatype != "string":
        graph.add((prop, RDFS.range, XSD[component.datatype]))
    elif kind != "dimension":
        graph.add((prop, RDFS.range, RDFS.Literal))


def unit_node(graph: Graph, unit: Unit) -> None:
    node = URIRef(unit.uri)
    graph.add((node, RDFS.label, en(unit.label)))
    if unit.minted:
        graph.add((node, RDF.type, QUDT_UNIT))
        graph.add((node, SKOS.prefLabel, en(unit.label)))
        if unit.description:
            graph.add((node, RDFS.comment, en(unit.description)))


def codelist_graph(graph: Graph, codelist: CodeList) -> None:
    """A SKOS concept scheme and its codes. The codes' triples match the code list's CSVW."""
    scheme = URIRef(codelist.uri)
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, SKOS.prefLabel, en(codelist.title)))
    graph.add((scheme, RDFS.label, en(codelist.title)))
    if codelist.description:
        graph.add((scheme, DCTERMS.description, en(codelist.description)))
    for code in codelist.codes:
        node = URIRef(code.uri)
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, scheme))
        graph.add((node, SKOS.prefLabel, en(code.label)))
        graph.add((node, SKOS.notation, Literal(code.notation)))
        if code.parent:
            graph.add((node, SKOS.broader, URIRef(f"{codelist.uri}{segment(code.parent)}/")))
        else:
            graph.add((scheme, SKOS.hasTopConcept, node))
        if code.sort_priority is not None:
            graph.add((node, UI.sortPriority, Literal(code.sort_priority)))
        if code.description:
            graph.add((node, SKOS.definition, en(code.description)))


def reference_codes(codelist: CodeList, values: set[str]) -> CodeList:
    """The used members of a bundled reference list (periods, geography) as a code list."""
    if codelist.kind is CodeListKind.PERIOD:
        codes = tuple(Code(period_label(p), period_label(p), period_uri(p)) for p in sorted(values, key=period_sort_key))
    elif codelist.kind is CodeListKind.GEOGRAPHY:
        areas = gss_areas()
        codes = tuple(Code(v, areas[v].label if v in areas else v, GSS_GEOGRAPHY + v) for v in sorted(values))
    else:
        return codelist
    return CodeList(codelist.id, codelist.uri, codelist.title, codelist.kind, codes, codelist.description)


def catalog_graph(site_title: str, site_description: str, families: list[Family], minter: Minter) -> Graph:
    """The DCAT catalogue: the site, its families (catalogues themselves) and every dataset's record."""
    graph = new_graph()
    root = URIRef(minter.catalog())
    graph.add((root, RDF.type, DCAT.Catalog))
    graph.add((root, DCTERMS.title, en(site_title)))
    graph.add((root, RDFS.label, en(site_title)))
    if site_description:
        graph.add((root, DCTERMS.description, en(site_description)))
    themes = URIRef(f"{minter.catalog()}#themes")
    graph.add((root, DCAT.themeTaxonomy, themes))
    graph.add((themes, RDF.type, SKOS.ConceptScheme))
    graph.add((themes, SKOS.prefLabel, en("Themes")))
    for family in families:
        node = URIRef(family.uri)
        graph.add((root, DCAT.catalog, node))
        graph.add((node, RDF.type, DCAT.Catalog))
        graph.add((node, DCTERMS.title, en(family.title)))
        graph.add((node, RDFS.label, en(family.title)))
        graph.add((node, DCTERMS.description, en(family.description)))
        publisher = Agent.of(family)
        graph.add((node, DCTERMS.publisher, publisher.uri))
        graph.add((node, DCTERMS.license, URIRef(family.license)))
        graph.add((node, DCTERMS.isPartOf, root))
        publisher.describe(graph)
        for theme in family.themes:
            concept = theme_uri(minter, theme)
            graph.add((node, DCAT.theme, concept))
            graph.add((concept, RDF.type, SKOS.Concept))
            graph.add((concept, SKOS.prefLabel, en(theme)))
            graph.add((concept, SKOS.inScheme, themes))
            graph.add((concept, SKOS.notation, Literal(theme)))
            graph.add((concept, SKOS.topConceptOf, themes))
            graph.add((themes, SKOS.hasTopConcept, concept))
        for dataset in family.datasets:
            graph.add((node, DCAT.dataset, URIRef(dataset.uri)))
            graph.add((root, DCAT.dataset, URIRef(dataset.uri)))
            dcat_record(graph, dataset, family, minter)
    return graph


def turtle(graph: Graph, nt: bytes | None = None) -> bytes:
    """The graph as Turtle, the same bytes every time: subjects in order, `a` first under each.

    Oxigraph prints it (rdflib's Turtle writer took most of a many-dataset build's writing time);
    the prefixes are the graph's bound ones that its IRIs use. `nt`: its `ntriples_sorted`, if made."""
    nt = ntriples_sorted(graph) if nt is None else nt
    triples = sorted((q.triple for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)), key=_turtle_order)
    prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix and str(ns).encode() in nt}
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(sorted(prefixes.items()))) or b""


_RDF_TYPE = ox.NamedNode(str(RDF.type))


def _turtle_order(triple: ox.Triple) -> tuple[str, bool, str, str]:
    return (str(triple.subject), triple.predicate != _RDF_TYPE, str(triple.predicate), str(triple.object))


def in_graph(ntriples: bytes, graph: str) -> bytes:
    """N-Triples lines as N-Quads in `graph` (a literal never holds a raw newline, so this is exact)."""
    return ntriples.replace(b" .\n", f" <{graph}> .\n".encode())


def ntriples_sorted(graph: Graph) -> bytes:
    """N-Triples lines sorted, so the same graph always gives the same bytes."""
    text: str = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted(line for line in text.splitlines() if line.strip())
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
