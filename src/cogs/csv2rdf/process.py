"""From a starting point (CSV or metadata) to annotated tables: locate metadata, parse, check cells.

This is the reference path: plain Python, row by row, written to read like the recommendation.
The vectorised path in `fast` is tested against it.
"""

from __future__ import annotations

from collections.abc import Iterator

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from cogs.csv2rdf import csvparse, uritemplate
from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf.fetch import Fetcher, FetchError, Resource, default_fetch
from cogs.csv2rdf.metadata import (
    Column,
    Context,
    MetadataError,
    Table,
    TableGroup,
    apply_inherited,
    load_json_text,
    name_from_title,
    parse_metadata,
)

METADATA_TYPES = ("application/csvm+json", "application/ld+json", "application/json")
DEFAULT_CSVM = "{+url}-metadata.json\ncsv-metadata.json"


@dataclass
class Cell:
    column: Column
    raw: str | None
    value: dts.Literal | list[dts.Literal] | None
    errors: list[str] = field(default_factory=list)


@dataclass
class Row:
    number: int
    source_number: int
    cells: list[Cell]


@dataclass
class AnnotatedTable:
    table: Table
    rows: list[Row]
    comments: list[str]


@dataclass
class Loaded:
    """A table group with its CSV files read and parsed, before cells are interpreted."""

    group: TableGroup
    heads: dict[str, csvparse.ParsedCsv]  # header and first rows of each table
    contents: dict[str, bytes]
    warnings: list[str]
    metadata_url: str | None
    csv_urls: list[str]
    _parsed: dict[str, csvparse.ParsedCsv] = field(default_factory=dict)

    def parsed(self, table: Table) -> csvparse.ParsedCsv:
        if table.url not in self._parsed:
            text = csvparse.decode(self.contents[table.url], table.dialect.encoding)
            self._parsed[table.url] = csvparse.parse_csv(text, table.dialect)
        return self._parsed[table.url]


class ConversionError(Exception):
    """Input the recommendation says a processor must reject."""


# ---------------------------------------------------------------- locating metadata


def _get(fetch: Fetcher, url: str) -> Resource | None:
    try:
        return fetch(url)
    except FetchError:
        return None


def _json_of(resource: Resource) -> Any:
    return load_json_text(resource.content.decode("utf-8-sig"), resource.url)


def _describes(group: TableGroup, csv_url: str) -> bool:
    target = urldefrag(csv_url)[0]
    return any(urldefrag(t.url)[0] == target for t in group.tables)


def _json_loader(fetch: Fetcher) -> Any:
    def load(url: str) -> Any:
        res = _get(fetch, url)
        if res is None:
            raise MetadataError(f"cannot read {url}")
        return _json_of(res)

    return load


def _try_metadata(fetch: Fetcher, url: str, csv_url: str, warnings: list[str]) -> TableGroup | None:
    res = _get(fetch, url)
    if res is None:
        return None
    local: list[str] = []
    try:
        group = parse_metadata(_json_of(res), res.url, _json_loader(fetch), local)
    except MetadataError as e:
        warnings.append(f"ignoring metadata {url}: {e}")
        return None
    if not _describes(group, csv_url):
        warnings.append(f"ignoring metadata {url}: it does not describe {csv_url}")
        return None
    warnings.extend(local)
    return group


def locate_metadata(csv: Resource, fetch: Fetcher, warnings: list[str]) -> tuple[TableGroup | None, str | None]:
    """Find the metadata for a CSV file: Link header, then the site-wide configuration."""
    csv_url = csv.url
    for target, params in csv.links:
        rel = params.get("rel", "").split()
        if "describedby" not in rel:
            continue
        if params.get("type") and params["type"] not in METADATA_TYPES:
            continue
        url = urljoin(csv_url, target)
        group = _try_metadata(fetch, url, csv_url, warnings)
        if group is not None:
            return group, url
    parts = urlsplit(csv_url)
    templates = DEFAULT_CSVM
    if parts.scheme in {"http", "https"}:
        wk = _get(fetch, f"{parts.scheme}://{parts.netloc}/.well-known/csvm")
        if wk is not None:
            templates = wk.content.decode("utf-8", errors="replace")
    for line in templates.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            expanded = uritemplate.parse(line).expand({"url": csv_url})
        except uritemplate.TemplateError:
            warnings.append(f"ignoring bad line in site-wide configuration: {line!r}")
            continue
        url = urljoin(csv_url, expanded)
        group = _try_metadata(fetch, url, csv_url, warnings)
        if group is not None:
            return group, url
    return None, None


# ---------------------------------------------------------------- loading


def _is_json(resource: Resource, url: str) -> bool:
    ctype = (resource.content_type or "").split(";")[0].strip()
    if ctype in METADATA_TYPES:
        return True
    if ctype.startswith("text/csv") or ctype.startswith("text/tab-separated-values"):
        return False
    path = urlsplit(url).path
    if path.endswith(".json") or path.endswith(".jsonld"):
        return True
    head = resource.content.lstrip()[:1]
    return head == b"{" and not path.endswith((".csv", ".tsv"))


def load(
    source: str,
    *,
    metadata: str | None = None,
    fetch: Fetcher | None = None,
) -> Loaded:
    """Read the starting point and everything it refers to; raise ConversionError when fatal."""
    fetch = fetch or default_fetch
    warnings: list[str] = []
    try:
        start = fetch(source)
    except FetchError as e:
        raise ConversionError(str(e)) from e
    group: TableGroup | None = None
    metadata_url: str | None = None
    csv_urls: list[str] = []
    metadata_doc: Resource | None = None
    try:
        if metadata is not None:
            res = metadata_doc = fetch(metadata)
            group = parse_metadata(_json_of(res), res.url, _json_loader(fetch), warnings)
            metadata_url = res.url
            if _is_json(start, source):
                pass
            else:
                csv_urls = [start.url]
        elif _is_json(start, source):
            metadata_doc = start
            group = parse_metadata(_json_of(start), start.url, _json_loader(fetch), warnings)
            metadata_url = start.url
        else:
            csv_urls = [start.url]
            group, metadata_url = locate_metadata(start, fetch, warnings)
    except MetadataError as e:
        raise ConversionError(_located(str(e), metadata_doc)) from e
    except FetchError as e:
        raise ConversionError(str(e)) from e
    if group is None:
        group = TableGroup(tables=[Table(url=start.url, embedded_only=True)], base=start.url)
    heads: dict[str, csvparse.ParsedCsv] = {}
    contents: dict[str, bytes] = {}
    for table in group.tables:
        if table.url == start.url and not _is_json(start, source):
            res = start
        else:
            try:
                res = fetch(table.url)
            except FetchError as e:
                raise ConversionError(f"cannot read table {table.url}: {e}") from e
        dialect = table.dialect
        if not table.dialect_given and res.content_type and "header=absent" in res.content_type:
            dialect.header = False
            dialect.header_row_count = 0
        if not table.dialect_given and res.content_type and res.content_type.startswith("text/tab-separated-values"):
            dialect.delimiter = "\t"
        contents[table.url] = res.content
        text = csvparse.decode(res.content[:65536], dialect.encoding)
        heads[table.url] = csvparse.parse_csv(text, dialect, head_only=True)
        _reconcile_columns(table, heads[table.url], group, warnings)
    return Loaded(group, heads, contents, warnings, metadata_url, csv_urls or [t.url for t in group.tables])


_KEYWORDS = re.compile(r"'([^']+)'|\"([^\"]+)\"|(@\w+)|\b(tables|url|columns|columnReference|reference|foreignKeys|"
                       r"primaryKey|rowTitles|minLength|maxLength|length|minInclusive|maxInclusive|minExclusive|"
                       r"maxExclusive|minimum|maximum|datatype|virtual|name)\b")


def _located(message: str, doc: Resource | None) -> str:
    """Prefix a metadata error with url:line:column of the first key or value it names."""
    if doc is None or re.match(r"^\w+:.*:\d+:\d+: ", message):
        return message
    text = doc.content.decode("utf-8-sig", errors="replace")
    for match in _KEYWORDS.finditer(message):
        word = next(g for g in match.groups() if g)
        at = text.find(f'"{word}"')
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
            return f"{doc.url}:{line}:{column}: {message}"
    return f"{doc.url}: {message}"


def _titles_compatible(a: dict[str, list[str]], b: dict[str, list[str]]) -> bool:
    for la, ta in a.items():
        for lb, tb in b.items():
            if la == "und" or lb == "und" or la == lb or la.startswith(lb + "-") or lb.startswith(la + "-"):
                if set(ta) & set(tb):
                    return True
    return False


def _reconcile_columns(table: Table, parsed: csvparse.ParsedCsv, group: TableGroup, warnings: list[str]) -> None:
    """Check the metadata's columns against the CSV's own (embedded) metadata, adding any missing."""
    width = max([len(parsed.titles)] + [len(r.cells) for r in parsed.rows[:1]])
    lang = table.inherited.get("lang", "und")
    embedded = [{lang: t} if t else {} for t in parsed.titles]
    had_columns = not table.embedded_only
    real = [c for c in table.columns if not c.virtual]
    ctx = Context(group.base, group.default_language, warnings, lambda u: None)
    if table.columns:
        if parsed.titles and len(real) != len(parsed.titles):
            warnings.append(f"{table.url}: the metadata describes {len(real)} columns but the CSV has {len(parsed.titles)}")
        for column, titles in zip(real, embedded):
            if not titles:
                continue
            if column.titles:
                if not _titles_compatible(column.titles, titles):
                    warnings.append(f"{table.url}: column {column.number} titles {column.titles} do not match the header {titles}")
            elif column.has_name and column.name not in titles.get("und", []):
                warnings.append(f"{table.url}: column {column.number} name {column.name!r} does not match the header {titles}")
    start = len(real)
    for index in range(start, width):
        number = len(table.columns) + 1
        titles = embedded[index] if index < len(embedded) else {}
        if had_columns:
            name = f"_col.{number}"
        else:
            first = next(iter(titles.values()), [None])[0]
            name = name_from_title(first) if first else f"_col.{number}"
        column = Column(number=number, name=name, titles=titles)
        apply_inherited(column, table.inherited, ctx)
        insert_at = len([c for c in table.columns if not c.virtual])
        table.columns.insert(insert_at, column)
    for i, column in enumerate(table.columns, start=1):
        column.number = i


# ---------------------------------------------------------------- cells


def cell_value(raw: str, column: Column) -> tuple[dts.Literal | list[dts.Literal] | None, list[str]]:
    """Interpret one cell's string as the tabular model's "Parsing Cells" describes."""
    errors: list[str] = []
    dt = column.datatype
    text = dts.normalise(raw, dt.base)
    if text == "":
        text = column.default
    if column.separator is not None:
        if text in column.null:
            value: Any = None
        elif text == "":
            value = []
        else:
            items = []
            for part in text.split(column.separator):
                if dt.base not in dts.NO_TRIM:
                    part = part.strip()
                if part in column.null:
                    continue
                lit, err = dts.parse_cell_value(part, dt, column.lang if column.lang != "und" else None)
                if err:
                    errors.append(err)
                items.append(lit)
            value = items
        if column.required and (value is None or value == []):
            errors.append(f"column {column.name!r} is required")
        return value, errors
    if text in column.null:
        if column.required:
            errors.append(f"column {column.name!r} is required")
        return None, errors
    lit, err = dts.parse_cell_value(text, dt, column.lang if column.lang != "und" else None)
    if err:
        errors.append(err)
    return lit, errors


def annotate(loaded: Loaded) -> list[AnnotatedTable]:
    out = []
    for table in loaded.group.tables:
        parsed = loaded.parsed(table)
        rows = []
        for number, prow in enumerate(parsed.rows, start=1):
            cells = []
            for index, column in enumerate(table.columns):
                if column.virtual:
                    cells.append(Cell(column, None, None))
                    continue
                raw = prow.cells[index] if index < len(prow.cells) else ""
                value, errors = cell_value(raw, column)
                cells.append(Cell(column, raw, value, errors))
            rows.append(Row(number, prow.source_number, cells))
        _check_keys(table, rows, loaded.warnings)
        for row in rows:
            for cell in row.cells:
                for err in cell.errors:
                    loaded.warnings.append(f"{table.url}:{row.source_number}:{cell.column.number}: {err}")
        out.append(AnnotatedTable(table, rows, parsed.comments))
    return out


def _key_text(value: Any) -> str:
    if isinstance(value, list):
        return json.dumps([v.lexical for v in value])
    if value is None:
        return "null"
    return str(value.lexical)


def _check_keys(table: Table, rows: list[Row], warnings: list[str]) -> None:
    if not table.primary_key:
        return
    index = {c.name: i for i, c in enumerate(table.columns)}
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(_key_text(row.cells[index[n]].value) for n in table.primary_key)
        if key in seen:
            warnings.append(f"{table.url}:{row.source_number}: duplicate primary key {key} (first at row {seen[key]})")
        else:
            seen[key] = row.source_number


def template_value(value: Any) -> str | list[str] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return [v.lexical for v in value]
    return str(value.lexical)


def row_variables(row: Row) -> dict[str, Any]:
    env: dict[str, Any] = {c.column.name: template_value(c.value) for c in row.cells}
    env["_row"] = str(row.number)
    env["_sourceRow"] = str(row.source_number)
    return env


def column_variables(env: dict[str, Any], column: Column, skip_columns: int) -> dict[str, Any]:
    out = dict(env)
    out["_column"] = str(column.number)
    out["_sourceColumn"] = str(column.number + skip_columns)
    out["_name"] = unquote(column.name)
    return out


def emitted_cells(row: Row) -> Iterator[Cell]:
    """The cells of a row that give output: not suppressed, not empty, virtual only with a valueUrl."""
    for cell in row.cells:
        column = cell.column
        if column.suppress_output:
            continue
        if not column.virtual and (cell.value is None or cell.value == []):
            continue
        if column.virtual and column.value_url is None:
            continue
        yield cell
