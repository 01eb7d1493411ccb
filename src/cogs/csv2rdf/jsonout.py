"""Annotated tables to JSON ("Generating JSON from Tabular Data on the Web")."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import unquote, urljoin

from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf.metadata import TableGroup, expand_curie
from cogs.csv2rdf.prefixes import PREFIXES
from cogs.csv2rdf.process import AnnotatedTable, Row, column_variables, emitted_cells, row_variables
from cogs.csv2rdf.rdf import expand_url

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
_INTEGERS = set(dts.INTEGER_RANGES)


def compact(url: str) -> str:
    for prefix, ns in _BY_LENGTH:
        if url.startswith(ns) and len(url) > len(ns):
            return f"{prefix}:{url[len(ns):]}"
    return url


def simple_value(value: Any, base: str) -> Any:
    """A common property value with JSON-LD decoration removed, as the JSON output shows it."""
    if isinstance(value, list):
        return [simple_value(v, base) for v in value]
    if isinstance(value, dict):
        if "@value" in value:
            return value["@value"]
        if set(value) == {"@id"}:
            return expand_url(value["@id"], base)
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "@id":
                out[key] = expand_url(item, base)
            elif key == "@type":
                out[key] = item
            else:
                out[key] = simple_value(item, base)
        return out
    return value


def _literal_json(lit: dts.Literal) -> Any:
    name = dts.IRI_TO_NAME.get(lit.datatype or "", "string")
    if lit.datatype is None:
        return lit.lexical
    if name in _INTEGERS:
        try:
            return int(lit.lexical)
        except ValueError:
            return lit.lexical
    if name in {"decimal", "double", "float"}:
        try:
            f = float(lit.lexical)
        except ValueError:
            return lit.lexical
        if math.isnan(f) or math.isinf(f):
            return lit.lexical
        return int(f) if f.is_integer() and "." not in lit.lexical and "e" not in lit.lexical.lower() else f
    if name == "boolean":
        return lit.lexical in {"true", "1"}
    return lit.lexical


def _add(obj: dict[str, Any], key: str, value: Any) -> None:
    if key in obj:
        current = obj[key]
        if not isinstance(current, list) or key == "@type":
            current = [current]
        current.append(value) if not isinstance(value, list) else current.extend(value)
        obj[key] = current
    else:
        obj[key] = value


def row_objects(at: AnnotatedTable, row: Row) -> list[dict[str, Any]]:
    table = at.table
    env = row_variables(row)
    skip = table.dialect.skip_columns
    subjects: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    default = "\0default"
    for cell in emitted_cells(row):
        column = cell.column
        value = cell.value
        cenv = column_variables(env, column, skip)
        key = default
        if column.about_url is not None:
            key = urljoin(table.url, expand_curie(column.about_url.expand(cenv)))
        if key not in subjects:
            subjects[key] = {} if key == default else {"@id": key}
            order.append(key)
        obj = subjects[key]
        if column.property_url is not None:
            prop_url = expand_url(column.property_url.expand(cenv), table.url)
            prop = "@type" if prop_url == RDF_TYPE else compact(prop_url)
        else:
            prop = unquote(column.name)
        if column.value_url is not None:
            target = expand_url(column.value_url.expand(cenv), table.url)
            _add(obj, prop, compact(target) if prop == "@type" else target)
        elif isinstance(value, list):
            _add(obj, prop, [_literal_json(v) for v in value])
        elif value is not None:
            _add(obj, prop, _literal_json(value))
    # nest objects referred to exactly once from another object of the row
    refs: dict[str, int] = {}
    for key in order:
        for prop, v in subjects[key].items():
            if prop in {"@id", "@type"}:
                continue
            for item in v if isinstance(v, list) else [v]:
                if isinstance(item, str) and item in subjects:
                    refs[item] = refs.get(item, 0) + 1
    nested: set[str] = set()
    for key in order:
        obj = subjects[key]
        for prop, v in list(obj.items()):
            if prop in {"@id", "@type"}:
                continue
            items = v if isinstance(v, list) else [v]
            new = []
            for item in items:
                if isinstance(item, str) and item in subjects and refs.get(item) == 1 and item != key:
                    new.append(subjects[item])
                    nested.add(item)
                else:
                    new.append(item)
            obj[prop] = new if isinstance(v, list) else new[0]
    return [subjects[k] for k in order if k not in nested]


def group_json(group: TableGroup, tables: list[AnnotatedTable], minimal: bool) -> Any:
    visible = [t for t in tables if not t.table.suppress_output]
    if minimal:
        return [obj for at in visible for row in at.rows for obj in row_objects(at, row)]
    out: dict[str, Any] = {}
    if group.id:
        out["@id"] = group.id
    if group.notes:
        out["notes"] = simple_value(group.notes, group.base)
    for key, value in group.common.items():
        out[key] = simple_value(value, group.base)
    out["tables"] = []
    for at in visible:
        table = at.table
        t: dict[str, Any] = {}
        if table.id:
            t["@id"] = table.id
        t["url"] = table.url
        if table.notes:
            t["notes"] = simple_value(table.notes, group.base)
        for key, value in table.common.items():
            t[key] = simple_value(value, group.base)
        if at.comments:
            t["rdfs:comment"] = at.comments if len(at.comments) > 1 else at.comments[0]
        rows = []
        for row in at.rows:
            r: dict[str, Any] = {"url": f"{table.url.split('#')[0]}#row={row.source_number}", "rownum": row.number}
            titles: list[str] = []
            by_name = {c.column.name: c for c in row.cells}
            for name in table.row_titles:
                cell = by_name.get(name)
                if cell is not None and cell.value is not None:
                    values = cell.value if isinstance(cell.value, list) else [cell.value]
                    titles.extend(v.lexical for v in values)
            if titles:
                r["titles"] = titles[0] if len(titles) == 1 else titles
            r["describes"] = row_objects(at, row)
            rows.append(r)
        t["row"] = rows
        out["tables"].append(t)
    return out
