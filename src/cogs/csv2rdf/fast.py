"""Vectorised CSVW-to-RDF with polars: whole columns at a time, not cell by cell.

Each column is read as strings, normalised, checked and turned into N-Triples terms with polars
expressions. The common lexical forms (plain strings, integers, decimals, doubles, booleans) are
recognised by regular expressions over the whole column; any other value goes through the
reference cell parser once per distinct value, so both paths give the same literals and the same
warnings. URI templates are expanded column-wise; values that need percent-encoding or URL
resolution are mapped once per distinct value with the reference functions.

`try_convert` returns None when the input needs something this path does not do (dialects other
than plain CSV/TSV, comment or blank lines, multi-line cells, `separator` lists); the reference
path then takes over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO
from urllib.parse import unquote, urljoin, urlsplit

import polars as pl

from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf import uritemplate
from cogs.csv2rdf.metadata import Column, Table, expand_curie
from cogs.csv2rdf.process import Loaded
from cogs.csv2rdf.rdf import (
    CSVW,
    RDF,
    XSD,
    BNodes,
    Options,
    _now,
    expand_url,
    head_triples,
    iri,
    lit_term,
    prov_triples,
)

_UNRESERVED = re.compile(r"[^A-Za-z0-9\-._~]")
_RESERVED_OK = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]")
_INT = r"^[+-]?\d{1,18}$"
_DEC = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_DBL = r"^([+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?|[+-]?INF|NaN)$"
_BOOL = r"^(true|false|1|0)$"
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"))


class Unsupported(Exception):
    """Input the vectorised path leaves to the reference path."""


# ---------------------------------------------------------------- helpers


def _map_unique(values: pl.Series, fn: Callable[[str], str | None]) -> pl.Series:
    """Apply a Python function once per distinct non-null value."""
    uniq = values.drop_nulls().unique()
    if uniq.len() == 0:
        return pl.Series(values.name, [None] * values.len(), dtype=pl.Utf8)
    keys = uniq.to_list()
    return values.replace_strict(keys, [fn(k) for k in keys], default=None, return_dtype=pl.Utf8)


def _escape_literal(s: pl.Series) -> pl.Series:
    if s.str.contains(r'[\\"\n\r]').any():
        for old, new in _ESCAPES:
            s = s.str.replace_all(old, new, literal=True)
    return s


def _encode(values: pl.Series, allow_reserved: bool) -> pl.Series:
    pattern = _RESERVED_OK if allow_reserved else _UNRESERVED
    needs = values.str.contains(pattern.pattern)
    if not needs.any():
        return values
    mapped = _map_unique(values.filter(needs), lambda v: uritemplate._encode(v, allow_reserved))
    lookup = dict(zip(values.filter(needs).to_list(), mapped.to_list()))
    keys = list(lookup)
    return pl.select(
        pl.when(pl.lit(needs)).then(pl.lit(values).replace_strict(keys, [lookup[k] for k in keys], default=None))
        .otherwise(pl.lit(values))
    ).to_series()


Env = dict[str, "pl.Series | str | None"]


def _expand(template: uritemplate.Template, env: Env, n: int) -> pl.Series | str:
    """Expand a template for every row: a constant string when no part depends on a row."""
    parts: list[pl.Series | str] = []
    for part in template.parts:
        if isinstance(part, str):
            parts.append(part)
            continue
        if all(not isinstance(env.get(v.name), pl.Series) for v in part.variables):
            values = {v.name: env.get(v.name) for v in part.variables}
            parts.append(uritemplate._expand_expression(part, values))  # type: ignore[arg-type]
            continue
        parts.append(_expand_expression(part, env, n))
    if all(isinstance(p, str) for p in parts):
        return "".join(p for p in parts if isinstance(p, str))
    exprs = [pl.lit(p) for p in parts]
    return pl.select(pl.concat_str(exprs)).to_series()


def _expand_expression(expr: uritemplate.Expression, env: Env, n: int) -> pl.Series:
    op = expr.operator
    first = {"": "", "+": "", "#": "#", ".": ".", "/": "/", ";": ";", "?": "?", "&": "&"}[op]
    sep = {"": ",", "+": ",", "#": ",", ".": ".", "/": "/", ";": ";", "?": "&", "&": "&"}[op]
    named = op in {";", "?", "&"}
    ifemp = "=" if op in {"?", "&"} else ""
    allow = op in {"+", "#"}
    pieces: list[pl.Series] = []
    for var in expr.variables:
        value = env.get(var.name)
        if value is None:
            continue
        if isinstance(value, str):
            value = pl.Series([value] * n, dtype=pl.Utf8)
        text = value.str.slice(0, var.prefix) if var.prefix is not None else value
        enc = _encode(text, allow)
        if named:
            piece = pl.select(
                pl.when(pl.lit(text) == "").then(pl.lit(var.name + ifemp))
                .otherwise(pl.lit(var.name + "=") + pl.lit(enc))
            ).to_series()
        else:
            piece = enc
        pieces.append(piece.alias(f"p{len(pieces)}"))
    if not pieces:
        return pl.Series([""] * n, dtype=pl.Utf8)
    frame = pl.DataFrame(pieces)
    defined = pl.any_horizontal([pl.col(c).is_not_null() for c in frame.columns])
    joined = pl.concat_str([pl.col(c) for c in frame.columns], separator=sep, ignore_nulls=True)
    return frame.select(pl.when(defined).then(pl.lit(first) + joined).otherwise(pl.lit(""))).to_series()


def _resolver(base: str, about: bool) -> Callable[[str], str]:
    if about:
        return lambda x: urljoin(base, expand_curie(x))
    return lambda x: expand_url(x, base)


_DOT_SEGMENT = r"(^|/)\.\.?(/|$|[?#])"


def _resolve(values: pl.Series | str, base: str, about: bool) -> pl.Series | str:
    """URLs resolved against the table URL (and CURIEs expanded), as N-Triples IRI terms."""
    fn = _resolver(base, about)
    if isinstance(values, str):
        return iri(fn(values))
    parts = urlsplit(base)
    doc = base.split("#")[0]
    directory = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"
    absolute = values.str.contains(r"^https?://") & ~values.str.contains(_DOT_SEGMENT)
    fragment = values.str.starts_with("#")
    plain_rel = (
        ~values.str.contains(r"^[^/?#]*:") & ~values.str.starts_with("/") & ~values.str.starts_with(".")
        & ~values.str.starts_with("?") & ~fragment & ~values.str.contains(_DOT_SEGMENT) & (values != "")
    )
    curie_like = values.str.extract(r"^([A-Za-z][\w.\-]*):", 1).is_in(list(_prefix_names()))
    simple = (absolute | fragment | plain_rel) & ~curie_like.fill_null(False)
    out = pl.select(
        pl.when(pl.lit(absolute)).then(pl.lit(values))
        .when(pl.lit(fragment)).then(pl.lit(doc) + pl.lit(values))
        .otherwise(pl.lit(directory) + pl.lit(values))
    ).to_series()
    if not simple.all():
        rest = values.filter(~simple)
        mapped = _map_unique(rest, fn)
        keys = rest.to_list()
        lookup = dict(zip(keys, mapped.to_list()))
        out = pl.select(
            pl.when(pl.lit(simple)).then(pl.lit(out))
            .otherwise(pl.lit(values).replace_strict(list(lookup), list(lookup.values()), default=None))
        ).to_series()
    if out.str.contains(r'[\x00-\x20<>"{}|^`\\]').any():
        return _map_unique(out, lambda x: iri(x))
    return "<" + out + ">"


def _prefix_names() -> set[str]:
    from cogs.csv2rdf.prefixes import PREFIXES

    return set(PREFIXES)


# ---------------------------------------------------------------- cells


def _column_values(raw: pl.Series, column: Column, trim: str | bool) -> tuple[pl.Series, pl.Series, pl.Series]:
    """For one column: template value (lexical), N-Triples object term, error message; null when null."""
    dt = column.datatype
    s = raw.fill_null("")
    if trim is True:
        s = s.str.strip_chars(" \t")
    elif trim == "start":
        s = s.str.strip_chars_start(" \t")
    elif trim == "end":
        s = s.str.strip_chars_end(" \t")
    if dt.base not in dts.NO_TRIM:
        if s.str.contains(r"[\r\n\t]|  |^ | $").any():
            s = _map_unique(s, lambda v: dts.normalise(v, dt.base)).fill_null("")
    if column.default:
        s = pl.select(pl.when(pl.lit(s) == "").then(pl.lit(column.default)).otherwise(pl.lit(s))).to_series()
    is_null = s.is_in(column.null)
    s = pl.select(pl.when(pl.lit(is_null)).then(None).otherwise(pl.lit(s))).to_series()
    lang = column.lang if column.lang != "und" else None
    base = dt.base
    plain = dt.format is None and dt.length is None and dt.min_length is None and dt.max_length is None and all(
        b is None for b in (dt.min_inclusive, dt.max_inclusive, dt.min_exclusive, dt.max_exclusive))
    fast: pl.Series | None = None
    suffix = ""
    if plain and base == "string" and dt.iri == XSD + "string":
        fast = s.is_not_null()
        suffix = f"@{lang}" if lang else ""
    elif plain and base in dts.INTEGER_RANGES:
        ok = s.str.contains(_INT)
        lo, hi = dts.INTEGER_RANGES[base]
        if lo is not None or hi is not None:
            ints = s.cast(pl.Int64, strict=False)
            if lo is not None:
                ok = ok & (ints >= lo)
            if hi is not None and hi < 2**63:  # 18-digit values are always below larger bounds
                ok = ok & (ints <= hi)
        fast = ok
        suffix = f"^^<{dt.iri}>"
    elif plain and base == "decimal":
        fast, suffix = s.str.contains(_DEC), f"^^<{dt.iri}>"
    elif plain and base in {"double", "number", "float"}:
        fast, suffix = s.str.contains(_DBL), f"^^<{dt.iri}>"
    elif plain and base == "boolean":
        fast, suffix = s.str.contains(_BOOL), f"^^<{dt.iri}>"
    if fast is None:
        fast = pl.Series([False] * s.len())
    fast = fast.fill_null(False)
    lex = s
    term = pl.select(pl.lit('"') + pl.lit(_escape_literal(s)) + pl.lit('"' + suffix)).to_series()
    err = pl.Series([None] * s.len(), dtype=pl.Utf8)
    slow = s.is_not_null() & ~fast
    if slow.any():
        cache: dict[str, tuple[dts.Literal, str | None]] = {}
        for value in s.filter(slow).unique().to_list():
            cache[value] = dts.parse_cell_value(value, dt, lang)
        keys = list(cache)
        lex_map = [cache[k][0].lexical for k in keys]
        term_map = [lit_term(cache[k][0]) for k in keys]
        err_map = [cache[k][1] for k in keys]
        frame = pl.DataFrame({"s": s, "slow": slow, "lex": lex, "term": term})
        got = frame.select(
            pl.when("slow").then(pl.col("s").replace_strict(keys, lex_map, default=None)).otherwise("lex").alias("lex"),
            pl.when("slow").then(pl.col("s").replace_strict(keys, term_map, default=None)).otherwise("term").alias("term"),
            pl.when("slow").then(pl.col("s").replace_strict(keys, err_map, default=None, return_dtype=pl.Utf8)).alias("err"),
        )
        lex, term, err = got["lex"], got["term"], got["err"]
    return lex, term, err


# ---------------------------------------------------------------- tables


def _check_supported(loaded: Loaded, table: Table) -> bytes:
    d = table.dialect
    if len(d.delimiter) != 1 or d.quote_char != '"' or not d.double_quote or d.skip_rows or d.skip_columns:
        raise Unsupported("dialect")
    if d.encoding.lower().replace("-", "") not in {"utf8", "utf8sig"} or d.header_row_count > 1 or d.skip_initial_space:
        raise Unsupported("dialect")
    if set(d.line_terminators) - {"\r\n", "\n"}:
        raise Unsupported("line terminators")
    if any(c.separator is not None for c in table.columns):
        raise Unsupported("separator")
    data = loaded.contents[table.url]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if d.comment_prefix and (data.startswith(d.comment_prefix.encode()) or b"\n" + d.comment_prefix.encode() in data):
        raise Unsupported("comment lines")
    if b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n")):
        raise Unsupported("blank lines")
    return data


def _empty_strings_option() -> dict[str, bool]:
    import inspect

    params = inspect.signature(pl.read_csv).parameters
    if "empty_string_is_null" in params:
        return {"empty_string_is_null": False}
    return {"missing_utf8_is_empty_string": True}


_EMPTY_STRINGS = _empty_strings_option()


def _read(data: bytes, table: Table) -> pl.DataFrame:
    d = table.dialect
    width = len([c for c in table.columns if not c.virtual])
    names = [f"c{i}" for i in range(width)]
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if not data.strip() or lines <= d.header_row_count:
        return pl.DataFrame({n: pl.Series([], dtype=pl.Utf8) for n in names})
    if d.header_row_count != 1:
        raise Unsupported("no header row")  # polars would take the first row's width for the table's
    try:
        frame = pl.read_csv(
            data, has_header=True, separator=d.delimiter, quote_char=d.quote_char,
            infer_schema=False, truncate_ragged_lines=True, **_EMPTY_STRINGS,  # type: ignore[arg-type]
        )
    except pl.exceptions.PolarsError as e:
        raise Unsupported(f"polars cannot read it: {e}") from e
    if frame.width < width and frame.height:
        raise Unsupported("more columns described than the header has")
    frame = frame.select(frame.columns[:width])
    frame.columns = names[: frame.width]
    for name in names[frame.width:]:
        frame = frame.with_columns(pl.lit("", dtype=pl.Utf8).alias(name))
    if lines != frame.height + d.header_row_count:
        raise Unsupported("multi-line cells")
    return frame


class _Out:
    """Where lines go: appended to a list, or written to a binary file as they are made."""

    def __init__(self, file: IO[bytes] | None) -> None:
        self.file = file
        self.parts: list[str] = []

    def append(self, lines: pl.Series) -> None:
        if lines.len() == 0:
            return
        text = lines.str.join("").item()
        if self.file is not None:
            self.file.write(text.encode("utf-8"))
        else:
            self.parts.append(text)


BATCH = 250_000  # rows converted at a time: bounds memory on large tables


def _table_lines(frame: pl.DataFrame, index: int, table: Table, table_node: str | None, options: Options,
                 warnings: list[str], out: _Out) -> None:
    keys: list[dict[str, pl.Series]] = []
    sources: list[pl.Series] = []
    for offset in range(0, max(frame.height, 1), BATCH):
        batch = frame.slice(offset, BATCH)
        lex, source = _batch_lines(batch, offset, index, table, table_node, options, warnings, out)
        keys.append({name: lex[name] for name in table.primary_key if name in lex})
        sources.append(source)
    if table.primary_key and all(len(k) == len(table.primary_key) for k in keys):
        key_columns = {name: pl.concat([k[name] for k in keys]) for name in table.primary_key}
        _primary_key_warnings(table, key_columns, pl.concat(sources), warnings)


def _batch_lines(frame: pl.DataFrame, offset: int, index: int, table: Table, table_node: str | None,
                 options: Options, warnings: list[str], out: _Out) -> tuple[dict[str, pl.Series], pl.Series]:
    n = frame.height
    first = offset + 1
    rownum = pl.Series("n", range(first, first + n), dtype=pl.Int64).cast(pl.Utf8)
    header = table.dialect.header_row_count
    source = pl.Series("src", range(first + header, first + header + n), dtype=pl.Int64).cast(pl.Utf8)
    lex: dict[str, pl.Series] = {}
    terms: dict[str, pl.Series] = {}
    real = [c for c in table.columns if not c.virtual]
    for i, column in enumerate(real):
        value, term, err = _column_values(frame[f"c{i}"], column, table.dialect.trim)
        lex[column.name], terms[column.name] = value, term
        bad = err.is_not_null()
        if column.required:
            bad = bad | value.is_null()
            err = pl.select(pl.when(pl.lit(value).is_null()).then(pl.lit(f"column {column.name!r} is required"))
                            .otherwise(pl.lit(err))).to_series()
        if bad.any():
            for src, message in zip(source.filter(bad).to_list(), err.filter(bad).to_list()):
                warnings.append(f"{table.url}:{src}:{column.number}: {message}")
    env_base: dict[str, pl.Series | str | None] = dict(lex)
    env_base["_row"] = rownum
    env_base["_sourceRow"] = source
    default_subject = "_:t" + str(index) + "s" + rownum
    described: dict[str, tuple[pl.Series | str, pl.Series]] = {}
    cache: dict[tuple[str, bool], pl.Series | str] = {}
    per_column = {"_column", "_sourceColumn", "_name"}

    def url(template: uritemplate.Template, env: Env, about: bool) -> pl.Series | str:
        key = (template.source, about)
        if key in cache:
            return cache[key]
        value = _resolve(_expand(template, env, n), table.url, about=about)
        if not per_column & set(template.variable_names):
            cache[key] = value
        return value

    for column in table.columns:
        if column.suppress_output:
            continue
        if column.virtual and column.value_url is None:
            continue
        env = dict(env_base)
        env["_column"] = str(column.number)
        env["_sourceColumn"] = str(column.number + table.dialect.skip_columns)
        env["_name"] = unquote(column.name)
        emit = pl.Series([True] * n) if column.virtual else lex[column.name].is_not_null()
        if column.about_url is not None:
            subject = url(column.about_url, env, True)
            key = "about:" + column.about_url.source
        else:
            subject, key = default_subject, "default"
        if key in described:
            described[key] = (described[key][0], described[key][1] | emit)
        else:
            described[key] = (subject, emit)
        if column.property_url is not None:
            pred = url(column.property_url, env, False)
        else:
            pred = iri(f"{table.url.split('#')[0]}#{column.name}")
        if column.value_url is not None:
            obj: pl.Series | str = url(column.value_url, env, False)
        else:
            obj = terms[column.name]
        out.append(_lines(subject, pred, obj, emit, n))
    if not options.minimal:
        row = "_:t" + str(index) + "r" + rownum
        assert table_node is not None
        out.append(_lines(table_node, iri(CSVW + "row"), row, None, n))
        out.append(_lines(row, f"<{RDF}type>", iri(CSVW + "Row"), None, n))
        out.append(_lines(row, iri(CSVW + "rownum"), '"' + rownum + f'"^^<{XSD}integer>', None, n))
        out.append(_lines(row, iri(CSVW + "url"), iri(table.url.split("#")[0] + "#row=")[:-1] + source + ">", None, n))
        for name in table.row_titles:
            column = next(c for c in table.columns if c.name == name)
            title_value = lex.get(name)
            if title_value is None:
                continue
            lang = column.lang if column.lang != "und" else None
            title = '"' + _escape_literal(title_value) + ('"@' + lang if lang else '"')
            out.append(_lines(row, iri(CSVW + "title"), title, title_value.is_not_null(), n))
        for subject, emit in described.values():
            out.append(_lines(row, iri(CSVW + "describes"), subject, emit, n))
    return lex, source


def _lines(s: pl.Series | str, p: pl.Series | str, o: pl.Series | str, mask: pl.Series | None, n: int) -> pl.Series:
    parts = [pl.lit(x) for x in (s, " ", p, " ", o, " .\n")]
    line = pl.select(pl.concat_str(parts).alias("line")).to_series()
    if line.len() == 1 and n != 1:
        line = pl.Series("line", [line[0]] * n)
    if mask is not None:
        line = line.filter(mask)
    return line


def _primary_key_warnings(table: Table, lex: dict[str, pl.Series], source: pl.Series, warnings: list[str]) -> None:
    if not table.primary_key or source.len() == 0:
        return
    frame = pl.DataFrame({f"k{i}": lex[name] for i, name in enumerate(table.primary_key)}).with_columns(source.alias("src"))
    keys = [f"k{i}" for i in range(len(table.primary_key))]
    frame = frame.with_columns(pl.col("src").first().over(keys).alias("first"), pl.int_range(pl.len()).over(keys).alias("nth"))
    for row in frame.filter(pl.col("nth") > 0).iter_rows(named=True):
        key = tuple("null" if row[k] is None else row[k] for k in keys)
        warnings.append(f"{table.url}:{row['src']}: duplicate primary key {key} (first at row {row['first']})")


def try_convert(loaded: Loaded, options: Options, output: IO[bytes] | None = None) -> str | None:
    """N-Triples for the whole group (written to `output` when given, then ""), or None when
    the reference path must do it. Every table is read and checked before anything is written."""
    group = loaded.group
    visible = [t for t in group.tables if not t.suppress_output]
    try:
        if not options.minimal and any(loaded.heads[t.url].comments for t in visible):
            raise Unsupported("comments")
        frames = [_read(_check_supported(loaded, t), t) for t in group.tables]
    except Unsupported:
        return None
    warnings: list[str] = []
    started = _now()
    bnodes = BNodes()
    out = _Out(output)
    tg = ""
    nodes: list[str | None] = [None] * len(visible)
    if not options.minimal:
        heads = [_Head(t, loaded.heads[t.url].comments) for t in visible]
        head, tg, table_nodes = head_triples(group, heads, bnodes)
        nodes = list(table_nodes)
        out.append(pl.Series("line", [f"{s} {p} {o} .\n" for s, p, o in head], dtype=pl.Utf8))
    index = 0
    sink = _Out(None)
    for number, (table, frame) in enumerate(zip(group.tables, frames)):
        if table.suppress_output:  # no output, but its cells are still checked
            _table_lines(frame, len(group.tables) + number, table, None, Options(minimal=True), warnings, sink)
            sink.parts.clear()
            continue
        _table_lines(frame, index, table, nodes[index], options, warnings, out)
        index += 1
    if not options.minimal and options.prov:
        out.append(pl.Series("line", [f"{s} {p} {o} .\n" for s, p, o in prov_triples(
            tg, started, loaded.metadata_url, loaded.csv_urls, bnodes)], dtype=pl.Utf8))
    loaded.warnings.extend(warnings)
    return "" if output is not None else "".join(out.parts)


class _Head:
    def __init__(self, table: Table, comments: list[str]) -> None:
        self.table = table
        self.comments = comments


__all__ = ["BATCH", "try_convert"]
