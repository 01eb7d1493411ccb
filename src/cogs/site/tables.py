"""A dataset's observations for the site: labels for codes, a preview, a labelled CSV and the
explorer's paged, dictionary-encoded chunks.

Work is column-wise (polars); Python only touches the distinct codes of a column.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import unquote

import polars as pl
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from cogs.problems import Location, Problem, Severity
from cogs.reference import gss_areas, period_label, period_paths
from cogs.site.load import (Code, CodeList, Column, Dataset, Site, expand_template, label, ref_code_path,
                            template_variables)
from cogs.uris import GSS_GEOGRAPHY, REF_TIME

PREVIEW_ROWS = 10
CHUNK_ROWS = 5000
NUMERIC = ("decimal", "integer", "double", "number", "float")


@dataclass
class Value:
    code: str
    label: str
    uri: str | None = None
    path: str | None = None  # site path of the code's page


@dataclass
class ShownColumn:
    name: str
    title: str
    role: str
    component: str | None
    coded: bool
    values: list[Value] = field(default_factory=list)  # distinct values in display order


@dataclass
class Observations:
    columns: list[ShownColumn]
    preview: list[list[Value]]
    rows: int
    period: str | None  # CSVW name of the time dimension, if any
    measure: str | None  # CSVW name of the column holding the numbers
    labelled: pl.LazyFrame | None  # the table with labels for codes, for `data-labelled.csv`
    explorer: Callable[[], dict[str, bytes]]  # makes file name -> content, under `{dataset}/explore/`
    used_codes: set[str]


def read_frame(site: Site, dataset: Dataset) -> pl.DataFrame:
    relative = unquote(dataset.csv) if dataset.csv else f"{dataset.key}/data.csv"
    source = site.out / relative
    given = site.tables.get(relative)
    if given is not None:
        frame = given
    elif not source.is_file():
        site.problems.append(Problem("site.no-csv", f"{dataset.key}: no {source.name}: its page has no preview or "
                                     "explorer", Location(str(source)), Severity.WARNING,
                                     hint="rebuild with `cogs build`"))
        return pl.DataFrame()
    else:
        frame = pl.read_csv(source, infer_schema=False)
    by_title = {c.title: c.name for c in dataset.columns if not c.virtual}
    return frame.rename({t: by_title[t] for t in frame.columns if t in by_title and by_title[t] != t})


def _uris(frame: pl.DataFrame, column: Column, values: list[str | None]) -> dict[tuple[str | None, ...], str | None]:
    """The URI each distinct combination of the template's variables expands to (`values`: the
    column's own distinct values, all a template over that column alone needs)."""
    assert column.value_url is not None
    variables = [v for v in template_variables(column.value_url)]
    present = [v for v in variables if v in frame.columns]
    if len(present) != len(variables) or not variables:
        return {}
    distinct = [(v,) for v in values] if present == [column.name] else \
        frame.select(present).unique(maintain_order=True).rows()
    return {row: expand_template(column.value_url, dict(zip(present, row))) for row in distinct}


REFERENCE_LISTS = {REF_TIME: ("period", "Time periods"), GSS_GEOGRAPHY: ("gss-geography", "GSS statistical geography")}


def _reference_code(site: Site, uri: str, notation: str, text: str) -> Code:
    """A member of a bundled reference list (periods, GSS geography) that the metadata does not list:
    the site still gives it a page under `ref/codelist/{id}/`, so it can be browsed and searched."""
    namespace = REF_TIME if uri.startswith(REF_TIME) else GSS_GEOGRAPHY
    id, title = REFERENCE_LISTS[namespace]
    list_uri = f"{site.base}ref/codelist/{id}/"
    codelist = site.codelists.get(list_uri)
    if codelist is None:
        codelist = site.codelists[list_uri] = CodeList(list_uri, title, f"ref/codelist/{id}/")
    if namespace == GSS_GEOGRAPHY:
        area = gss_areas().get(notation)
        broader = GSS_GEOGRAPHY + area.parent if area and area.parent else None
    else:
        broader = None
    code = Code(uri, notation, text, list_uri, ref_code_path(codelist.path, uri, notation), broader=broader)
    node = URIRef(uri)
    site.graph.add((node, RDF.type, SKOS.Concept))
    site.graph.add((node, SKOS.inScheme, URIRef(list_uri)))
    site.graph.add((node, SKOS.prefLabel, Literal(text, lang="en")))
    site.graph.add((node, SKOS.notation, Literal(notation)))
    codelist.codes.append(code)
    site.codes[uri] = code
    return code


def _describe(site: Site, uri: str | None, code: str) -> Value:
    if uri is None:
        return Value(code, code)
    known: Code | None = site.codes.get(uri)
    if known is None and uri.startswith(REF_TIME):
        path = uri[len(REF_TIME):]
        known = _reference_code(site, uri, period_label(path), period_label(path))
    elif known is None and uri.startswith(GSS_GEOGRAPHY):
        area = gss_areas().get(uri[len(GSS_GEOGRAPHY):])
        known = _reference_code(site, uri, uri[len(GSS_GEOGRAPHY):], area.label if area else code)
    if known is not None:
        return Value(code, known.label, uri, known.path)
    return Value(code, label(site.graph, uri), uri, site.path_of(uri))


def _period_uris(values: list[str]) -> dict[str, str | None]:
    series = pl.Series("v", values, dtype=pl.String)
    paths = pl.select(period_paths(pl.lit(series))).to_series().to_list()
    return {v: (REF_TIME + p if p else None) for v, p in zip(values, paths)}


def observations(site: Site, dataset: Dataset) -> Observations:
    frame = read_frame(site, dataset)
    shown = [c for c in dataset.columns if not c.virtual and not c.suppressed and c.name in frame.columns]
    measure = next((c.name for c in shown if c.role == "measure"), None)
    period = None
    columns: list[ShownColumn] = []
    used: set[str] = set()
    mapped: dict[str, dict[str, Value]] = {}
    coded_names = [c.name for c in shown if _coded(c)]
    # Each coded column's distinct values, in order of first appearance: one query, the columns
    # taken in parallel.
    found = frame.select(pl.col(n).unique(maintain_order=True).implode() for n in coded_names).row(0) \
        if coded_names else ()
    uniques: dict[str, list[str | None]] = dict(zip(coded_names, found))
    for column in shown:
        coded = _coded(column)
        out = ShownColumn(column.name, column.title, column.role, column.component, coded)
        columns.append(out)
        if not coded:
            continue
        values: dict[str, Value] = {}
        distinct = [v for v in uniques[column.name] if v is not None]
        by_value: dict[str, str | None] = {}
        if column.value_url:
            expanded = _uris(frame, column, uniques[column.name])
            own = template_variables(column.value_url)
            if expanded and own == [column.name]:
                by_value = {row[0]: uri for row, uri in expanded.items() if row[0] is not None}
            elif expanded:
                # The template reads helper columns: map each value through its row's expansion.
                names = [v for v in own]
                pairs = frame.select([column.name, *names]).unique(maintain_order=True).rows()
                by_value = {row[0]: expand_template(column.value_url, dict(zip(names, row[1:])))
                            for row in pairs if row[0] is not None}
        if column.component == "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod" or (
                column.value_url or "").startswith(REF_TIME):
            period = period or column.name
            missing = [v for v in distinct if not by_value.get(v)]
            if missing:
                by_value.update(_period_uris(missing))
        if not by_value:
            by_value = _by_notation(site, column, distinct)
        for value in distinct:
            described = _describe(site, by_value.get(value), value)
            values[value] = described
            if described.uri:
                used.add(described.uri)
        out.values = _order(site, list(values.values()))
        mapped[column.name] = values
    for column in dataset.columns:  # a fixed value on every observation (a unit, say) is used too
        if column.virtual and column.value_url and not template_variables(column.value_url):
            used.add(column.value_url)
    for uri in used:
        code = site.codes.get(uri)
        if code is not None:
            code.datasets.add(dataset.uri)
            site.codelists[code.codelist].datasets.add(dataset.uri)
    names = [c.name for c in columns]
    head = frame.head(PREVIEW_ROWS).select(names).rows() if names else []
    preview = [[mapped[n][v] if n in mapped and v in mapped[n] else Value(v or "", v or "")
                for n, v in zip(names, row)] for row in head]
    return Observations(columns, preview, frame.height, period, measure, _labelled(frame, columns, mapped),
                        partial(_explorer, frame, columns, mapped, period, measure), used)


def _coded(column: Column) -> bool:
    return column.role in ("dimension", "attribute") or (column.value_url is not None and column.role != "measure")


def _by_notation(site: Site, column: Column, distinct: list[str]) -> dict[str, str | None]:
    component = site.components.get(column.component or "")
    codelist = site.codelists.get(component.codelist or "") if component else None
    if codelist is None:
        return {}
    notations = {c.notation: c.uri for c in codelist.codes}
    return {v: notations.get(v) for v in distinct}


def _order(site: Site, values: list[Value]) -> list[Value]:
    """Code-list order where known, time order for periods, else by code."""
    positions: dict[str, dict[str, int]] = {}

    def position(code: Code) -> int:
        if code.codelist not in positions:
            positions[code.codelist] = {c.uri: n for n, c in reversed(list(enumerate(site.codelists[code.codelist].codes)))}
        return positions[code.codelist][code.uri]

    def key(value: Value) -> tuple[int, str, str]:
        if value.uri and value.uri.startswith(REF_TIME):
            kind, _, rest = value.uri[len(REF_TIME):].partition("/")
            return (0, rest, kind)
        code = site.codes.get(value.uri or "")
        if code is not None:
            return (1, f"{position(code):09d}", "")
        return (2, value.code.zfill(12) if value.code.isdigit() else value.code, "")
    return sorted(values, key=key)


def _labelled(frame: pl.DataFrame, columns: list[ShownColumn],
              mapped: dict[str, dict[str, Value]]) -> pl.LazyFrame | None:
    """The table with each code replaced by its label (the codes are in `data.csv`)."""
    exprs: list[pl.Expr] = []
    for column in columns:
        if column.name in mapped:
            labels = {k: v.label for k, v in mapped[column.name].items()}
            exprs.append(pl.col(column.name).replace_strict(labels, default=None, return_dtype=pl.String)
                         .alias(column.title))
        else:
            exprs.append(pl.col(column.name).alias(column.title))
    return frame.lazy().select(exprs) if exprs else None


def _explorer(frame: pl.DataFrame, columns: list[ShownColumn], mapped: dict[str, dict[str, Value]],
              period: str | None, measure: str | None) -> dict[str, bytes]:
    """`meta.json` and `rows-NNNN.json` chunks: coded columns as indexes into `meta.json`'s values."""
    encoded: list[pl.Expr] = []
    meta_columns: list[dict[str, Any]] = []
    for column in columns:
        if column.name in mapped:
            index = {v.code: i for i, v in enumerate(column.values)}
            encoded.append(pl.col(column.name).replace_strict(index, default=None, return_dtype=pl.Int32))
            meta_columns.append({"name": column.name, "title": column.title, "role": column.role, "coded": True,
                                 "component": column.component,
                                 "values": [[v.code, v.label] for v in column.values]})
        else:
            encoded.append(pl.col(column.name))
            meta_columns.append({"name": column.name, "title": column.title, "role": column.role, "coded": False})
    texts = _chunks_json(frame.select(encoded)) if encoded and frame.height else []
    files = {f"rows-{n:04d}.json": text for n, text in enumerate(texts)}
    meta = {"columns": meta_columns, "rows": frame.height, "chunk_rows": CHUNK_ROWS, "chunks": len(texts),
            "period": period, "measure": measure}
    files["meta.json"] = _json(meta)
    return files


def _chunks_json(table: pl.DataFrame) -> list[bytes]:
    """`{"columns":[[...],...]}` for each `CHUNK_ROWS` rows of `table`: each column a JSON array.

    One polars query prints every value and joins each chunk's column, so the work is columnar
    and the GIL is taken a handful of times, not once per chunk and column (the site renders its
    pages on another thread meanwhile). Strings are printed by polars' JSON encoder."""
    def json_text(name: str, dtype: pl.DataType) -> pl.Expr:
        if dtype == pl.String:
            value = pl.struct(pl.col(name).alias("v")).struct.json_encode()  # {"v":...}
            return value.str.strip_prefix('{"v":').str.strip_suffix("}")
        return pl.col(name).cast(pl.String).fill_null("null")

    names = [f"c{n}" for n in range(table.width)]
    texts = (table.lazy().rename(dict(zip(table.columns, names)))
             .with_row_index("row")
             .group_by((pl.col("row") // CHUNK_ROWS).alias("chunk"), maintain_order=True)
             .agg(json_text(n, d).str.join(",").alias(n) for n, d in zip(names, table.dtypes))
             .sort("chunk")
             .select(pl.concat_str([pl.lit('{"columns":[['), pl.concat_str(names, separator="],["), pl.lit("]]}")]))
             .collect())
    return [text.encode("utf-8") for text in texts.to_series()]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
