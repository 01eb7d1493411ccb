"""Read a built `out/` back: the manifest, the metadata graphs and the CSVW of every dataset.

The site never sees the build's Python objects: it reads what any consumer could read (Turtle
and CSVW), so a dataset that arrives only as CSVW renders the same way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import pyoxigraph
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, QB, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from cogs.problems import CogsError, Location, Problem, Severity
from cogs.uris import GSS_GEOGRAPHY, REF_TIME

if TYPE_CHECKING:
    import polars as pl

SCHEMA_DESCRIPTION = (SKOS.definition, DCTERMS.description, RDFS.comment)
LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name)
UI_SORT = URIRef("http://www.w3.org/ns/ui#sortPriority")
CSVW_PREFIXES = {
    "rdf": str(RDF), "rdfs": str(RDFS), "skos": str(SKOS), "dcat": str(DCAT), "dc": str(DCTERMS),
    "dcterms": str(DCTERMS), "qb": str(QB), "xsd": str(XSD), "foaf": str(FOAF),
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
}


@dataclass
class Code:
    uri: str
    notation: str
    label: str
    codelist: str
    path: str  # site path of its page (percent-encoded, ends with `/`)
    description: str = ""
    broader: str | None = None
    sort: tuple[int, str] = (0, "")
    datasets: set[str] = field(default_factory=set)


@dataclass
class CodeList:
    uri: str
    title: str
    path: str
    description: str = ""
    codes: list[Code] = field(default_factory=list)
    datasets: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


@dataclass
class Component:
    uri: str
    kind: str  # dimension, measure, attribute
    label: str
    path: str | None  # site path when the URI is minted by this site
    description: str = ""
    codelist: str | None = None
    range: str | None = None
    datasets: set[str] = field(default_factory=set)


@dataclass
class Column:
    """A column of a dataset's CSV as its CSVW describes it."""

    name: str
    title: str
    property: str | None
    value_url: str | None
    datatype: str | None
    virtual: bool
    suppressed: bool
    role: str = "other"  # dimension, measure, attribute, other
    component: str | None = None  # the component property, when known


@dataclass
class Dataset:
    uri: str
    key: str  # family/dataset
    family: str
    path: str
    title: str
    description: str
    summary: str
    issued: str
    modified: str
    keywords: list[str]
    themes: list[str]
    publisher: str
    publisher_uri: str | None
    license: str | None
    landing_page: str | None
    contact: str | None
    sources: list[str]
    dimensions: list[str]  # component property URIs in order
    measures: list[str]
    attributes: list[str]
    columns: list[Column]
    csv: str  # site path of the CSV
    rows: int
    files: dict[str, str]  # kind -> site path of a download that exists
    anchors: dict[str, str] = field(default_factory=dict)  # component property -> its spec's `#fragment`


@dataclass
class Family:
    uri: str
    id: str
    path: str
    title: str
    description: str
    themes: list[str]
    publisher: str
    datasets: list[str] = field(default_factory=list)


@dataclass
class Site:
    out: Path
    base: str
    title: str
    description: str
    graph: Graph
    families: dict[str, Family]
    datasets: dict[str, Dataset]
    components: dict[str, Component]
    codelists: dict[str, CodeList]
    codes: dict[str, Code]
    problems: list[Problem]
    # Published tables the build hands over as it renders the site, by path under `out`: the same
    # cells as the CSV files there, so they are not read back. Any other table is read from disk.
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def path_of(self, uri: str) -> str | None:
        """The site path of a minted URI (fragment dropped), else None."""
        if not uri.startswith(self.base):
            return None
        return uri[len(self.base):].split("#", 1)[0]


def text(graph: Graph, subject: Node, predicates: tuple[URIRef, ...]) -> str:
    """The first value among `predicates` (English or untagged preferred), as plain text."""
    for predicate in predicates:
        values = [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]
        if values:
            preferred = [v for v in values if v.language in (None, "en")] or values
            return str(sorted(preferred)[0])
    return ""


# Labels of the standard properties a build reuses without describing them.
WELL_KNOWN = {
    "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod": "Reference period",
    "http://purl.org/linked-data/sdmx/2009/dimension#refArea": "Reference area",
    "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure": "Unit of measure",
    "http://purl.org/linked-data/sdmx/2009/attribute#obsStatus": "Observation status",
    "http://purl.org/linked-data/cube#measureType": "Measure type",
}


def label(graph: Graph, uri: str) -> str:
    found = text(graph, URIRef(uri), LABELS)
    if found:
        return found
    if uri in WELL_KNOWN:
        return WELL_KNOWN[uri]
    tail = uri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return unquote(tail) or uri


def _one(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    values = sorted(str(o) for o in graph.objects(subject, predicate))
    return values[0] if values else None


def expand(curie: str | None) -> str | None:
    if curie is None:
        return None
    prefix, sep, rest = curie.partition(":")
    if sep and prefix in CSVW_PREFIXES and not rest.startswith("//"):
        return CSVW_PREFIXES[prefix] + rest
    return curie


_VARIABLE = re.compile(r"\{(\+?)([A-Za-z0-9_]+)\}")
RESERVED = ":/?#[]@!$&'()*+,;=%"


def expand_template(template: str, row: dict[str, str | None]) -> str | None:
    """RFC 6570 level 1-2 expansion as CSVW uses it: `{name}` percent-encodes, `{+name}` keeps reserved."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        value = row.get(match.group(2))
        if value is None:
            missing = True
            return ""
        return quote(value, safe="-._~" + (RESERVED if match.group(1) else ""))

    result = _VARIABLE.sub(substitute, template)
    return None if missing else result


def template_variables(template: str) -> list[str]:
    return [m.group(2) for m in _VARIABLE.finditer(template)]


def ref_code_path(codelist_path: str, uri: str, notation: str) -> str:
    """Where a member of a reference list that lives outside this site gets its page."""
    if uri.startswith(REF_TIME):
        tail = uri[len(REF_TIME):].strip("/").replace("/", "-")
    elif uri.startswith(GSS_GEOGRAPHY):
        tail = uri[len(GSS_GEOGRAPHY):]
    else:
        tail = notation or uri.rstrip("/").rsplit("/", 1)[-1]
    return f"{codelist_path}{quote(tail, safe='-._~')}/"


def _graph_files(out: Path, manifest: dict[str, Any]) -> list[Path]:
    files = [out / "catalog.ttl"]
    for entry in manifest.get("datasets", []):
        turtle = entry.get("turtle") or f"{entry['id']}/dataset.ttl"
        files.append(out / turtle)
    base = manifest["base_uri"]
    for uri in manifest.get("codelists", []):
        if uri.startswith(base):
            files.append(out / unquote(uri[len(base):]) / "codelist.ttl")
    return [f for f in dict.fromkeys(files) if f.is_file()]


def _term(term: Any) -> Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    return BNode(term.value)


def read_site(out: Path) -> Site:
    """Everything the site shows, read from a built `out/`."""
    manifest_path = out / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError:
        raise CogsError([Problem("site.no-manifest", f"{manifest_path} not found", Location(str(manifest_path)),
                                 hint="run `cogs build` first: the site is rendered from a built folder")]) from None
    except json.JSONDecodeError as exc:
        raise CogsError([Problem("site.bad-manifest", f"manifest.json is not JSON: {exc.msg}",
                                 Location(str(manifest_path), exc.lineno, exc.colno),
                                 hint="rebuild with `cogs build`")]) from None
    problems: list[Problem] = []
    base = manifest["base_uri"]
    # rdflib's SimpleMemory store: the site asks for triples by pattern and never by graph, and it
    # adds each twice as fast as the default store, which also files it under its graph.
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    # The dataset files repeat the code lists they use: each triple is made into rdflib terms and
    # added once, in the order first read.
    triples: dict[tuple[Any, Any, Any], None] = {}
    for file in _graph_files(out, manifest):
        try:
            triples.update(((q.subject, q.predicate, q.object), None) for q in
                           pyoxigraph.parse(path=str(file), format=pyoxigraph.RdfFormat.TURTLE))
        except SyntaxError as exc:
            problems.append(Problem("site.bad-turtle", f"cannot read {file.name}: {exc}",
                                    Location(str(file), getattr(exc, "lineno", None)), Severity.ERROR,
                                    hint="rebuild with `cogs build`"))
    made: dict[Any, Node] = {}

    def term(t: Any) -> Node:
        found = made.get(t)
        if found is None:
            found = made[t] = _term(t)
        return found

    graph.addN((term(s), term(p), term(o), graph) for s, p, o in triples)
    root = URIRef(base)
    site = Site(out, base, text(graph, root, (DCTERMS.title, RDFS.label)) or "Statistics",
                text(graph, root, (DCTERMS.description,)), graph, {}, {}, {}, {}, {}, problems)
    _read_codelists(site)
    _read_families(site)
    for entry in manifest.get("datasets", []):
        _read_dataset(site, entry)
    return site


def _read_codelists(site: Site) -> None:
    graph = site.graph
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme)) | set(graph.objects(None, QB.codeList))
    for scheme in sorted(s for s in schemes if isinstance(s, URIRef)):
        uri = str(scheme)
        path = site.path_of(uri)
        if path is None or "#" in uri:
            continue  # code lists published elsewhere, and the catalogue's theme taxonomy
        codelist = CodeList(uri, label(graph, uri), path, text(graph, scheme, SCHEMA_DESCRIPTION))
        members = set(graph.subjects(SKOS.inScheme, scheme)) | set(graph.objects(scheme, SKOS.hasTopConcept))
        for member in sorted(m for m in members if isinstance(m, URIRef)):
            code_uri = str(member)
            notation = _one(graph, member, SKOS.notation) or ""
            code_path = site.path_of(code_uri)
            if code_path is None or not code_path.startswith(path):
                code_path = ref_code_path(path, code_uri, notation)
            priority = _one(graph, member, UI_SORT)
            code = Code(code_uri, notation, text(graph, member, (SKOS.prefLabel, RDFS.label)) or notation, uri,
                        code_path, text(graph, member, SCHEMA_DESCRIPTION), _one(graph, member, SKOS.broader),
                        (int(priority) if priority and priority.lstrip("-").isdigit() else 0, ""))
            codelist.codes.append(code)
            site.codes.setdefault(code_uri, code)
        sort_codes(codelist)
        site.codelists[uri] = codelist


def sort_codes(codelist: CodeList) -> None:
    """Sort priority first, then periods in time order, otherwise notation order."""
    def key(code: Code) -> tuple[int, str, str]:
        if code.uri.startswith(REF_TIME):
            kind, _, value = code.uri[len(REF_TIME):].partition("/")
            return (code.sort[0], value, kind)
        return (code.sort[0], code.notation.zfill(12) if code.notation.isdigit() else code.notation, code.label)
    codelist.codes.sort(key=key)


def _read_families(site: Site) -> None:
    graph = site.graph
    root = URIRef(site.base)
    for node in sorted(o for o in graph.objects(root, DCAT.catalog) if isinstance(o, URIRef)):
        uri = str(node)
        path = site.path_of(uri)
        if path is None:
            continue
        publisher = _one(graph, node, DCTERMS.publisher)
        site.families[uri] = Family(uri, path.strip("/"), path, label(graph, uri),
                                    text(graph, node, (DCTERMS.description,)), _themes(graph, node),
                                    label(graph, publisher) if publisher else "")


def _themes(graph: Graph, node: Node) -> list[str]:
    themes = set()
    for theme in graph.objects(node, DCAT.theme):
        themes.add(str(theme) if isinstance(theme, Literal) else label(graph, str(theme)))
    return sorted(themes)


def _read_dataset(site: Site, entry: dict[str, Any]) -> None:
    graph = site.graph
    uri = entry["uri"]
    node = URIRef(uri)
    key = entry["id"]
    path = site.path_of(uri) or f"{key}/"
    if not path.endswith("/"):  # a hash URI in a file the dataset publishes (a CSVW's qb:DataSet)
        path = f"{key}/"
    family = key.split("/", 1)[0]
    publisher = _one(graph, node, DCTERMS.publisher)
    structure = _one(graph, node, QB.structure)
    dims: list[tuple[float, str]] = []
    measures: list[str] = []
    attributes: list[str] = []
    anchors: dict[str, str] = {}
    if structure:
        for spec in graph.objects(URIRef(structure), QB.component):
            order = _one(graph, spec, QB.order)
            for kind, predicate in (("dimension", QB.dimension), ("measure", QB.measure), ("attribute", QB.attribute)):
                for prop in graph.objects(spec, predicate):
                    prop_uri = str(prop)
                    if kind == "dimension":
                        dims.append((float(order) if order else 1e9, prop_uri))
                    else:
                        (measures if kind == "measure" else attributes).append(prop_uri)
                    _component(site, prop_uri, kind).datasets.add(uri)
                    if str(spec).startswith(uri + "#"):
                        anchors[prop_uri] = str(spec)[len(uri) + 1:]
    columns = _read_columns(site, entry, path)
    dimension_uris = [u for _, u in sorted(dims)]
    for column in columns:
        if column.property in dimension_uris:
            column.role, column.component = "dimension", column.property
        elif column.property in attributes:
            column.role, column.component = "attribute", column.property
        elif column.property in measures or (column.property and "{" in column.property) or (
                column.datatype in ("decimal", "integer", "double", "number", "float")):
            column.role = "measure"
            column.component = column.property if column.property in measures else None
    themes = _themes(graph, node) or (site.families[site.base + family + "/"].themes
                                      if site.base + family + "/" in site.families else [])
    files = {}
    for kind, name in (("csv", entry.get("csv")), ("csvw", entry.get("metadata")), ("turtle", entry.get("turtle")),
                       ("ntriples", entry.get("ntriples"))):
        if name and (site.out / name).is_file():
            files[kind] = quote(name, safe="/-._~")
    contact = _one(graph, node, DCAT.contactPoint)
    if contact and not contact.startswith("mailto:"):
        contact = _one(graph, URIRef(contact), URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) or \
            _one(graph, URIRef(contact), URIRef("http://www.w3.org/2006/vcard/ns#hasURL")) or contact
    dataset = Dataset(
        uri=uri, key=key, family=family, path=path,
        title=text(graph, node, (DCTERMS.title, RDFS.label)) or entry.get("title") or key,
        description=text(graph, node, (DCTERMS.description,)),
        summary=text(graph, node, (RDFS.comment, DCTERMS.abstract)),
        issued=_one(graph, node, DCTERMS.issued) or "",
        modified=_one(graph, node, DCTERMS.modified) or _one(graph, node, DCTERMS.issued) or "",
        keywords=sorted({str(o) for o in graph.objects(node, DCAT.keyword)}),
        themes=themes, publisher=label(graph, publisher) if publisher else "", publisher_uri=publisher,
        license=_one(graph, node, DCTERMS.license), landing_page=_one(graph, node, DCAT.landingPage),
        contact=contact, sources=sorted(str(o) for o in graph.objects(node, DCTERMS.source)),
        dimensions=dimension_uris, measures=sorted(measures), attributes=sorted(attributes),
        columns=columns, csv=files.get("csv", ""), rows=int(entry.get("rows", 0)), files=files, anchors=anchors,
    )
    site.datasets[uri] = dataset
    family_uri = site.base + family + "/"
    if family_uri not in site.families:
        site.families[family_uri] = Family(family_uri, family, f"{family}/", family, "", [], dataset.publisher)
    site.families[family_uri].datasets.append(uri)


def _component(site: Site, uri: str, kind: str) -> Component:
    found = site.components.get(uri)
    if found is None:
        graph = site.graph
        node = URIRef(uri)
        codelist = _one(graph, node, QB.codeList)
        path = site.path_of(uri)
        if path is not None and not path.endswith("/"):
            path = None  # a hash URI in a file of the site (a CSVW's): the file is its home
        found = Component(uri, kind, label(graph, uri), path,
                          text(graph, node, SCHEMA_DESCRIPTION), codelist, _one(graph, node, RDFS.range))
        site.components[uri] = found
        if codelist in site.codelists:
            site.codelists[codelist].components.add(uri)
    return found


def _read_columns(site: Site, entry: dict[str, Any], path: str) -> list[Column]:
    metadata = site.out / (entry.get("metadata") or f"{entry['id']}/data.csv-metadata.json")
    try:
        document = json.loads(metadata.read_text("utf-8"))
    except FileNotFoundError:
        site.problems.append(Problem("site.no-csvw", f"{metadata.name} not found", Location(str(metadata)),
                                     Severity.WARNING, hint="rebuild with `cogs build`"))
        return []
    tables = document.get("tables") or [document]
    schema = tables[0].get("tableSchema", {})
    columns = []
    for raw in schema.get("columns", []):
        titles = raw.get("titles", raw.get("name", ""))
        if isinstance(titles, dict):
            titles = next(iter(titles.values()), "")
        if isinstance(titles, list):
            titles = titles[0] if titles else ""
        datatype = raw.get("datatype")
        if isinstance(datatype, dict):
            datatype = datatype.get("base")
        columns.append(Column(raw.get("name", titles), str(titles), expand(raw.get("propertyUrl")),
                              expand(raw.get("valueUrl")), datatype, bool(raw.get("virtual")),
                              bool(raw.get("suppressOutput"))))
    return columns
