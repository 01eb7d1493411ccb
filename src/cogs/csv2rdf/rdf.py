"""Annotated tables to RDF ("Generating RDF from Tabular Data on the Web"), as N-Triples lines.

Terms are kept as N-Triples strings (`<iri>`, `_:b1`, `"lex"^^<dt>`) so the output needs no RDF
library; `to_graph` turns them into an rdflib Graph for callers that want one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf.metadata import TableGroup, expand_curie
from cogs.csv2rdf.process import AnnotatedTable, Row, column_variables, emitted_cells, row_variables

CSVW = "http://www.w3.org/ns/csvw#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
TOOL = "https://pypi.org/project/cogs-lod/"

A = f"<{RDF}type>"

_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LIT_ESCAPE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def iri(value: str) -> str:
    if _IRI_ESCAPE.search(value):
        value = _IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04X}", value)
    return f"<{value}>"


def literal(lexical: str, datatype: str | None = None, lang: str | None = None) -> str:
    text = lexical
    if any(c in text for c in '\\"\n\r'):
        text = "".join(_LIT_ESCAPE.get(c, c) for c in text)
    if lang:
        return f'"{text}"@{lang}'
    if datatype and datatype != XSD + "string":
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


def lit_term(value: dts.Literal) -> str:
    return literal(value.lexical, value.datatype, value.lang)


class BNodes:
    def __init__(self) -> None:
        self.count = 0

    def new(self) -> str:
        self.count += 1
        return f"_:b{self.count}"


Triple = tuple[str, str, str]


@dataclass
class Options:
    minimal: bool = False
    prov: bool = True


def expand_url(text: str, base: str) -> str:
    expanded = expand_curie(text)
    if expanded != text:
        return expanded
    return urljoin(base, text)


# ---------------------------------------------------------------- JSON-LD common properties


def jsonld_triples(subject: str, key: str, value: Any, base: str, language: str | None, bnodes: BNodes) -> Iterator[Triple]:
    """Triples for one common property (a restricted JSON-LD value) of `subject`."""
    pred = expand_curie(key)
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", pred):
        return
    out: list[Triple] = []
    for obj in _jsonld_objects(value, base, language, bnodes, out):
        yield subject, iri(pred), obj
    yield from out


def _jsonld_objects(value: Any, base: str, language: str | None, bnodes: BNodes, extra: list[Triple]) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _jsonld_objects(item, base, language, bnodes, extra)
        return
    if isinstance(value, bool):
        yield literal("true" if value else "false", XSD + "boolean")
    elif isinstance(value, int):
        yield literal(str(value), XSD + "integer")
    elif isinstance(value, float):
        yield literal(repr(value), XSD + "double")
    elif isinstance(value, str):
        yield literal(value, None, language)
    elif isinstance(value, dict):
        if "@value" in value:
            v = value["@value"]
            if isinstance(v, bool):
                lex = "true" if v else "false"
            else:
                lex = str(v)
            t = value.get("@type")
            if t is not None:
                t = dts.BUILTINS[t][0] if t in dts.BUILTINS else expand_url(t, base)
            elif isinstance(v, bool):
                t = XSD + "boolean"
            elif isinstance(v, int):
                t = XSD + "integer"
            elif isinstance(v, float):
                t = XSD + "double"
            yield literal(lex, t, value.get("@language") if t is None else None)
            return
        node = iri(expand_url(value["@id"], base)) if "@id" in value else bnodes.new()
        types = value.get("@type", [])
        for t in types if isinstance(types, list) else [types]:
            extra.append((node, A, iri(CSVW + t if t in _CSVW_CLASSES else expand_url(t, base))))
        for key, item in value.items():
            if key.startswith("@"):
                continue
            extra.extend(jsonld_triples(node, key, item, base, language, bnodes))
        yield node


_CSVW_CLASSES = {"Cell", "Column", "Datatype", "Dialect", "Direction", "ForeignKey", "NumericFormat", "Row",
                 "Schema", "Table", "TableGroup", "TableReference", "Template", "Transformation"}


# ---------------------------------------------------------------- cells


def cell_triples(at: AnnotatedTable, row: Row, default_subject: str, bnodes: BNodes) -> tuple[list[Triple], list[str]]:
    """The triples a row's cells give, and the subjects it describes (in order)."""
    table = at.table
    triples: list[Triple] = []
    subjects: list[str] = []
    env = row_variables(row)
    skip = table.dialect.skip_columns
    for cell in emitted_cells(row):
        column = cell.column
        value = cell.value
        cenv = column_variables(env, column, skip)
        subject = default_subject
        if column.about_url is not None:
            subject = iri(urljoin(table.url, expand_curie(column.about_url.expand(cenv))))
        if subject not in subjects:
            subjects.append(subject)
        if column.property_url is not None:
            pred = iri(expand_url(column.property_url.expand(cenv), table.url))
        else:
            pred = iri(f"{table.url.split('#')[0]}#{column.name}")
        if column.value_url is not None:
            triples.append((subject, pred, iri(expand_url(column.value_url.expand(cenv), table.url))))
        elif isinstance(value, list):
            if column.ordered and value:
                head = bnodes.new()
                triples.append((subject, pred, head))
                node = head
                for i, item in enumerate(value):
                    triples.append((node, f"<{RDF}first>", lit_term(item)))
                    nxt = bnodes.new() if i + 1 < len(value) else f"<{RDF}nil>"
                    triples.append((node, f"<{RDF}rest>", nxt))
                    node = nxt
            else:
                for item in value:
                    triples.append((subject, pred, lit_term(item)))
        elif value is not None:
            triples.append((subject, pred, lit_term(value)))
    return triples, subjects


def _row_titles(at: AnnotatedTable, row: Row) -> list[str]:
    out: list[str] = []
    by_name = {c.column.name: c for c in row.cells}
    for name in at.table.row_titles:
        cell = by_name.get(name)
        if cell is None or cell.value is None:
            continue
        values = cell.value if isinstance(cell.value, list) else [cell.value]
        lang = cell.column.lang if cell.column.lang != "und" else None
        out.extend(literal(v.lexical, None, lang) for v in values)
    return out


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def head_triples(group: TableGroup, visible: list[AnnotatedTable] | list[Any], bnodes: BNodes) -> tuple[list[Triple], str, list[str]]:
    """Standard mode's table group and table triples (no rows): the triples, the group node, the table nodes.

    `visible` holds objects with a `.table` and `.comments` (annotated or not-yet-annotated tables)."""
    out: list[Triple] = []
    tg = iri(group.id) if group.id else bnodes.new()
    out.append((tg, A, iri(CSVW + "TableGroup")))
    for note in group.notes:
        out.extend(jsonld_triples(tg, "csvw:note", note, group.base, group.default_language, bnodes))
    for key, value in group.common.items():
        out.extend(jsonld_triples(tg, key, value, group.base, group.default_language, bnodes))
    nodes = []
    for at in visible:
        table = at.table
        t = iri(table.id) if table.id else bnodes.new()
        nodes.append(t)
        out.append((tg, iri(CSVW + "table"), t))
        out.append((t, A, iri(CSVW + "Table")))
        out.append((t, iri(CSVW + "url"), iri(table.url)))
        for note in table.notes:
            out.extend(jsonld_triples(t, "csvw:note", note, group.base, group.default_language, bnodes))
        for key, value in table.common.items():
            out.extend(jsonld_triples(t, key, value, group.base, group.default_language, bnodes))
        for comment in at.comments:
            out.append((t, iri(RDFS + "comment"), literal(comment)))
    return out, tg, nodes


def prov_triples(tg: str, started: str, metadata_url: str | None, csv_urls: list[str], bnodes: BNodes) -> Iterator[Triple]:
    activity = bnodes.new()
    yield tg, iri(PROV + "wasGeneratedBy"), activity
    yield activity, A, iri(PROV + "Activity")
    yield activity, iri(PROV + "wasAssociatedWith"), iri(TOOL)
    yield activity, iri(PROV + "startedAtTime"), literal(started, XSD + "dateTime")
    yield activity, iri(PROV + "endedAtTime"), literal(_now(), XSD + "dateTime")
    used = [(u, "csvEncodedTabularData") for u in csv_urls]
    if metadata_url:
        used.append((metadata_url, "tabularMetadata"))
    for url, role in used:
        usage = bnodes.new()
        yield activity, iri(PROV + "qualifiedUsage"), usage
        yield usage, A, iri(PROV + "Usage")
        yield usage, iri(PROV + "entity"), iri(url)
        yield usage, iri(PROV + "hadRole"), iri(CSVW + role)


def group_triples(group: TableGroup, tables: list[AnnotatedTable], options: Options,
                  metadata_url: str | None, csv_urls: list[str]) -> Iterator[Triple]:
    """All triples of a table group, in standard or minimal mode."""
    bnodes = BNodes()
    visible = [t for t in tables if not t.table.suppress_output]
    if options.minimal:
        for at in visible:
            for row in at.rows:
                triples, _ = cell_triples(at, row, bnodes.new(), bnodes)
                yield from triples
        return
    started = _now()
    head, tg, nodes = head_triples(group, visible, bnodes)
    yield from head
    for at, t in zip(visible, nodes):
        table = at.table
        for row in at.rows:
            r = bnodes.new()
            yield t, iri(CSVW + "row"), r
            yield r, A, iri(CSVW + "Row")
            yield r, iri(CSVW + "rownum"), literal(str(row.number), XSD + "integer")
            yield r, iri(CSVW + "url"), iri(f"{table.url.split('#')[0]}#row={row.source_number}")
            for title in _row_titles(at, row):
                yield r, iri(CSVW + "title"), title
            triples, subjects = cell_triples(at, row, bnodes.new(), bnodes)
            for s in subjects:
                yield r, iri(CSVW + "describes"), s
            yield from triples
    if options.prov:
        yield from prov_triples(tg, started, metadata_url, csv_urls, bnodes)


def ntriples(triples: Iterator[Triple]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


__all__ = ["Options", "group_triples", "head_triples", "ntriples", "prov_triples"]
