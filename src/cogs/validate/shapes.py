"""The shapes in `shapes/` compiled into SPARQL checks: the shapes are the truth, this is how they run.

Each SHACL shape becomes one or more `Check`s. A check is a SPARQL SELECT whose rows are the
violations, `?this` being the focus node: a Core property shape's constraints (`sh:minCount`,
`sh:maxCount`, `sh:datatype`, `sh:class`, `sh:nodeKind`, `sh:in`, `sh:hasValue`, `sh:pattern`)
are translated, and a `sh:sparql` constraint's query runs as written with `$this` unbound, joined
with the shape's targets. Every shape names its stable problem code (`cogs:code`) and, for the
Data Cube integrity constraints, its IC number (`cogs:icNumber`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, SH, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from cogs.problems import Severity

COGS = rdflib.Namespace("https://w3id.org/cogs/ns#")
SHAPES_DIR = Path(__file__).resolve().parents[3] / "shapes"

_SEVERITY = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARNING, SH.Info: Severity.INFO}


class ShapeError(Exception):
    """A shape uses SHACL this compiler does not translate, or lacks its cogs:code."""


@dataclass(frozen=True)
class Target:
    """Focus nodes of a shape: instances of classes, named nodes, subjects or objects of predicates."""

    classes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    subjects_of: tuple[str, ...] = ()
    objects_of: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.classes or self.nodes or self.subjects_of or self.objects_of)


@dataclass(frozen=True)
class Check:
    """One compiled constraint of one shape: a SELECT returning `?this` for each violation."""

    shape: str
    code: str
    severity: Severity
    message: str
    target: Target
    query: str
    kind: str  # the SHACL constraint component, e.g. "minCount", or "sparql"
    path: str | None = None  # the property path's predicate, for simple paths
    ic: int | None = None


@dataclass(frozen=True)
class Shapes:
    """The compiled shapes and the prefixes their SPARQL uses."""

    checks: tuple[Check, ...]
    prefixes: str
    files: tuple[Path, ...]

    def codes(self) -> list[str]:
        return sorted({c.code for c in self.checks})


def shape_files(directory: Path = SHAPES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


def load_shapes_graph(files: Iterable[Path] | None = None) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in files if files is not None else shape_files():
        graph.parse(path, format="turtle")
    return graph


@cache
def default_shapes() -> Shapes:
    files = tuple(shape_files())
    return compile_shapes(load_shapes_graph(files), files)


def compile_shapes(graph: rdflib.Graph, files: tuple[Path, ...] = ()) -> Shapes:
    prefixes = _prefixes(graph)
    checks: list[Check] = []
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    shapes |= {s for s in graph.subjects(SH.path, None) if isinstance(s, URIRef)}
    for shape in sorted(shapes, key=str):
        if isinstance(shape, BNode):
            continue  # compiled through their parent's sh:property
        checks.extend(_compile_shape(graph, shape, None))
    return Shapes(tuple(checks), prefixes, files)


def _prefixes(graph: rdflib.Graph) -> str:
    lines = {}
    for decl in graph.objects(None, SH.declare):
        prefix = graph.value(decl, SH.prefix)
        namespace = graph.value(decl, SH.namespace)
        if prefix is not None and namespace is not None:
            lines[str(prefix)] = f"PREFIX {prefix}: <{namespace}>"
    return "\n".join(lines[k] for k in sorted(lines)) + "\n"


def _annotation(graph: rdflib.Graph, shape: Node, parent: Node | None, prop: URIRef) -> Node | None:
    value = graph.value(shape, prop)
    if value is None and parent is not None:
        value = graph.value(parent, prop)
    return value


def _target(graph: rdflib.Graph, shape: Node) -> Target:
    def iris(prop: URIRef) -> tuple[str, ...]:
        return tuple(sorted(str(o) for o in graph.objects(shape, prop)))

    classes = list(iris(SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in graph:
        classes.append(str(shape))  # implicit class target
    return Target(tuple(sorted(classes)), iris(SH.targetNode), iris(SH.targetSubjectsOf), iris(SH.targetObjectsOf))


def _compile_shape(graph: rdflib.Graph, shape: Node, parent: Node | None) -> list[Check]:
    target = _target(graph, shape)
    if parent is not None and target.is_empty():
        target = _target(graph, parent)
    code = _annotation(graph, shape, parent, COGS.code)
    if code is None:
        raise ShapeError(f"shape {shape} has no cogs:code: give every shape its stable problem code")
    ic = _annotation(graph, shape, parent, COGS.icNumber)
    severity = _SEVERITY[_annotation(graph, shape, parent, SH.severity) or SH.Violation]  # type: ignore[index]
    message = str(_annotation(graph, shape, parent, SH.message) or graph.value(shape, RDFS.label) or code)
    base = dict(shape=str(shape), code=str(code), severity=severity, target=target, ic=int(str(ic)) if ic is not None else None)
    checks: list[Check] = []
    for prop_shape in graph.objects(shape, SH.property):
        checks.extend(_compile_shape(graph, prop_shape, shape))
    for constraint in graph.objects(shape, SH.sparql):
        if (constraint, SH.deactivated, Literal(True)) in graph:
            continue
        select = graph.value(constraint, SH.select)
        if select is None:
            raise ShapeError(f"shape {shape}: a sh:sparql constraint needs sh:select")
        text = str(graph.value(constraint, SH.message) or message)
        checks.append(Check(message=text, query=str(select), kind="sparql", **base))  # type: ignore[arg-type]
    path_node = graph.value(shape, SH.path)
    if path_node is not None:
        path = _path(graph, path_node)
        simple = str(path_node) if isinstance(path_node, URIRef) else None
        for kind, query in _core_constraints(graph, shape, path):
            checks.append(Check(message=message, query=query, kind=kind, path=simple, **base))  # type: ignore[arg-type]
    else:
        for prop in (SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.nodeKind, SH["in"], SH.pattern):
            if graph.value(shape, prop) is not None:
                raise ShapeError(f"shape {shape}: node-level {prop} is not compiled; use a property shape")
    if (shape, SH.deactivated, Literal(True)) in graph:
        return []
    return checks


def _iri(node: Node) -> str:
    return f"<{node}>"


def _path(graph: rdflib.Graph, node: Node) -> str:
    if isinstance(node, URIRef):
        return _iri(node)
    if (node, RDF.first, None) in graph:
        return "(" + "/".join(_path(graph, n) for n in Collection(graph, node)) + ")"
    for prop, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(node, prop)
        if inner is not None:
            return "(" + fmt.format(_path(graph, inner)) + ")"
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(graph, n) for n in Collection(graph, alternatives)) + ")"
    raise ShapeError(f"unsupported sh:path {node}")


_LEXICAL = {
    XSD.decimal: r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$",
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.double: r"^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    XSD.float: r"^([+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.gYear: r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
}

_NODE_KIND = {
    SH.IRI: "!isIRI(?value)",
    SH.Literal: "!isLiteral(?value)",
    SH.BlankNode: "!isBlank(?value)",
    SH.BlankNodeOrIRI: "isLiteral(?value)",
    SH.BlankNodeOrLiteral: "isIRI(?value)",
    SH.IRIOrLiteral: "isBlank(?value)",
}


def _term(node: Node) -> str:
    if isinstance(node, Literal):
        return node.n3()
    return _iri(node)


def _core_constraints(graph: rdflib.Graph, shape: Node, path: str) -> list[tuple[str, str]]:
    """The Core constraints of a property shape, each as the WHERE body that yields violations."""
    out: list[tuple[str, str]] = []
    value = f"?this {path} ?value ."
    min_count = graph.value(shape, SH.minCount)
    if min_count is not None:
        n = int(str(min_count))
        if n == 1:
            out.append(("minCount", f"FILTER NOT EXISTS {{ ?this {path} ?value }}"))
        elif n > 1:
            out.append(("minCount", f"OPTIONAL {{ {value} }} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {n})"))
    max_count = graph.value(shape, SH.maxCount)
    if max_count is not None:
        out.append(("maxCount", f"{value} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(str(max_count))})"))
    datatype = graph.value(shape, SH.datatype)
    if datatype is not None:
        cond = f"!isLiteral(?value) || datatype(?value) != {_iri(datatype)}"
        if datatype in _LEXICAL:
            cond += f' || !REGEX(STR(?value), "{_LEXICAL[datatype]}")'  # type: ignore[index]
        out.append(("datatype", f"{value} FILTER ({cond})"))
    cls = graph.value(shape, SH["class"])
    if cls is not None:
        out.append(("class", f"{value} FILTER NOT EXISTS {{ ?value rdf:type/rdfs:subClassOf* {_iri(cls)} }}"))
    kind = graph.value(shape, SH.nodeKind)
    if kind is not None:
        out.append(("nodeKind", f"{value} FILTER ({_NODE_KIND[kind]})"))  # type: ignore[index]
    members = graph.value(shape, SH["in"])
    if members is not None:
        same = " || ".join(f"sameTerm(?value, {_term(m)})" for m in Collection(graph, members))
        out.append(("in", f"{value} FILTER (!({same or 'false'}))"))
    has_value = graph.value(shape, SH.hasValue)
    if has_value is not None:
        out.append(("hasValue", f"FILTER NOT EXISTS {{ ?this {path} {_term(has_value)} }}"))
    pattern = graph.value(shape, SH.pattern)
    if pattern is not None:
        flags = graph.value(shape, SH.flags)
        esc = str(pattern).replace("\\", "\\\\").replace('"', '\\"')
        args = f'"{esc}"' + (f', "{flags}"' if flags is not None else "")
        out.append(("pattern", f"{value} FILTER (isBlank(?value) || !REGEX(STR(?value), {args}))"))
    for prop in (SH.qualifiedValueShape, SH.node, SH["or"], SH["and"], SH["not"], SH.xone, SH.uniqueLang,
                 SH.lessThan, SH.equals, SH.disjoint, SH.minLength, SH.maxLength, SH.minInclusive, SH.maxInclusive,
                 SH.minExclusive, SH.maxExclusive, SH.languageIn, SH.closed):
        if graph.value(shape, prop) is not None:
            raise ShapeError(f"shape {shape}: {prop} is not compiled by cogs; express it with sh:sparql")
    selects = []
    for kind_name, body in out:
        if "GROUP BY" in body:
            selects.append((kind_name, "SELECT ?this WHERE { %TARGET% " + body))
        else:
            projection = "?this ?value" if "?value ." in body and not body.startswith("FILTER NOT EXISTS") else "?this"
            selects.append((kind_name, f"SELECT DISTINCT {projection} WHERE {{ %TARGET% {body} }}"))
    return selects


_VAR = re.compile(r"\{[?$](\w+)\}")


def message_variables(message: str) -> list[str]:
    return _VAR.findall(message)
