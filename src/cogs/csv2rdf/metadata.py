"""CSVW metadata: parse, check and normalise a metadata document into typed descriptions.

Follows "Metadata Vocabulary for Tabular Data" (W3C Recommendation, 17 December 2015): invalid
values of known properties are warnings and are ignored (or replaced by their default), while the
errors the recommendation makes fatal raise `MetadataError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from cogs.csv2rdf import datatypes as dts
from cogs.csv2rdf import uritemplate
from cogs.csv2rdf.prefixes import PREFIXES


def _tag_ok(tag: str) -> bool:
    """Whether `tag` is a well-formed BCP 47 language tag. The registry loads on first use (a tenth
    of a second), so a build with no CSVW language tags never pays for it."""
    from language_tags import tags

    return bool(tags.check(tag))

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"


class MetadataError(Exception):
    """A metadata document that the recommendation says processors must reject."""


INHERITED = (
    "aboutUrl", "datatype", "default", "lang", "null", "ordered", "propertyUrl", "required",
    "separator", "textDirection", "valueUrl",
)
DIALECT_PROPS = (
    "commentPrefix", "delimiter", "doubleQuote", "encoding", "header", "headerRowCount",
    "lineTerminators", "quoteChar", "skipBlankRows", "skipColumns", "skipInitialSpace", "skipRows", "trim",
)
KEYWORDS = ("@id", "@type")
TYPE_PROPS: dict[str, set[str]] = {
    "TableGroup": {"tables", "dialect", "notes", "tableDirection", "tableSchema", "transformations", *INHERITED},
    "Table": {"url", "dialect", "notes", "suppressOutput", "tableDirection", "tableSchema", "transformations", *INHERITED},
    "Schema": {"columns", "foreignKeys", "primaryKey", "rowTitles", *INHERITED},
    "Column": {"name", "suppressOutput", "titles", "virtual", *INHERITED},
    "Dialect": set(DIALECT_PROPS),
    "Template": {"url", "scriptFormat", "targetFormat", "source", "titles"},
    "Datatype": {"base", "format", "length", "minLength", "maxLength", "minimum", "maximum", "minInclusive",
                 "maxInclusive", "minExclusive", "maxExclusive"},
}
NAME_RE = re.compile(r"^(?:[A-Za-z0-9]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_.]|%[0-9A-Fa-f]{2})*$")


@dataclass
class Dialect:
    comment_prefix: str | None = "#"
    delimiter: str = ","
    double_quote: bool = True
    encoding: str = "utf-8"
    header: bool = True
    header_row_count: int = 1
    line_terminators: list[str] = field(default_factory=lambda: ["\r\n", "\n"])
    quote_char: str | None = '"'
    skip_blank_rows: bool = False
    skip_columns: int = 0
    skip_initial_space: bool = False
    skip_rows: int = 0
    trim: str | bool = True


@dataclass
class Column:
    number: int
    name: str
    titles: dict[str, list[str]]
    virtual: bool = False
    suppress_output: bool = False
    about_url: uritemplate.Template | None = None
    property_url: uritemplate.Template | None = None
    value_url: uritemplate.Template | None = None
    datatype: dts.Datatype = field(default_factory=dts.Datatype)
    default: str = ""
    lang: str = "und"
    null: list[str] = field(default_factory=lambda: [""])
    ordered: bool = False
    required: bool = False
    separator: str | None = None
    text_direction: str = "inherit"
    common: dict[str, Any] = field(default_factory=dict)
    has_name: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class ForeignKey:
    columns: list[str]
    resource: str | None
    schema_reference: str | None
    reference_columns: list[str]


@dataclass
class Table:
    url: str
    id: str | None = None
    columns: list[Column] = field(default_factory=list)
    dialect: Dialect = field(default_factory=Dialect)
    dialect_given: bool = False
    suppress_output: bool = False
    notes: list[Any] = field(default_factory=list)
    common: dict[str, Any] = field(default_factory=dict)
    primary_key: list[str] = field(default_factory=list)
    row_titles: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    schema_given: bool = False
    inherited: dict[str, Any] = field(default_factory=dict)
    table_direction: str = "auto"
    schema_id: str | None = None
    embedded_only: bool = False  # no metadata: the CSV's header names the columns


@dataclass
class TableGroup:
    id: str | None = None
    tables: list[Table] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    common: dict[str, Any] = field(default_factory=dict)
    base: str = ""
    default_language: str | None = None
    url: str | None = None


Loader = Callable[[str], Any]


@dataclass
class Context:
    base: str
    language: str | None
    warnings: list[str]
    load_json: Loader

    def warn(self, message: str) -> None:
        self.warnings.append(message)


# ---------------------------------------------------------------- entry point


def parse_metadata(doc: Any, url: str, load_json: Loader, warnings: list[str]) -> TableGroup:
    """Check and normalise a metadata document (a table group or a single table)."""
    if not isinstance(doc, dict):
        raise MetadataError("metadata must be a JSON object")
    base, language = _parse_context(doc.get("@context"), url, warnings)
    ctx = Context(base, language, warnings, load_json)
    if "tables" in doc or doc.get("@type") == "TableGroup":
        group_obj = doc
        _check_type(doc, "TableGroup")
    elif "url" in doc or doc.get("@type") == "Table":
        _check_type(doc, "Table")
        group_obj = {"tables": [doc]}
    else:
        raise MetadataError("metadata describes neither a table group (no 'tables') nor a table (no 'url')")
    group = TableGroup(base=base, default_language=language, url=url)
    group.id = _id(group_obj, ctx)
    _check_keys(group_obj, "TableGroup", ctx)
    group.notes = _notes(group_obj, ctx)
    if "tableDirection" in group_obj and group_obj["tableDirection"] not in ("rtl", "ltr", "auto"):
        ctx.warn(f"ignoring invalid tableDirection {group_obj['tableDirection']!r}")
    group.common = _common(group_obj, ctx)
    tables = group_obj.get("tables")
    if tables is None:
        raise MetadataError("a table group needs 'tables'")
    if not isinstance(tables, list):
        ctx.warn("'tables' must be an array")
        tables = []
    inherited_group = _inherited(group_obj, ctx)
    group_dialect = group_obj.get("dialect")
    group_schema = group_obj.get("tableSchema")
    for index, tobj in enumerate(tables):
        if not isinstance(tobj, dict):
            ctx.warn(f"ignoring table {index} that is not an object")
            continue
        if tobj is not doc:
            _check_type(tobj, "Table")
        group.tables.append(_table(tobj, ctx, inherited_group, group_dialect, group_schema))
    if not group.tables:
        raise MetadataError("a table group needs at least one table description")
    _check_foreign_keys(group)
    return group


def _parse_context(context: Any, url: str, warnings: list[str]) -> tuple[str, str | None]:
    if context == CSVW_CONTEXT:
        return url, None
    if isinstance(context, list) and len(context) == 2 and context[0] == CSVW_CONTEXT and isinstance(context[1], dict):
        extra = context[1]
        unknown = set(extra) - {"@base", "@language"}
        if unknown:
            raise MetadataError(f"@context may only add @base and @language, not {sorted(unknown)}")
        if not extra:
            raise MetadataError("@context object is empty")
        base = url
        if "@base" in extra:
            if not isinstance(extra["@base"], str):
                raise MetadataError("@base must be a string")
            base = urljoin(url, extra["@base"])
        language = extra.get("@language")
        if language is not None and not (isinstance(language, str) and _tag_ok(language)):
            warnings.append(f"ignoring invalid @language {language!r}")
            language = None
        return base, language
    raise MetadataError(f"@context must be {CSVW_CONTEXT!r} (optionally with @base/@language), not {context!r}")


def _check_type(obj: dict[str, Any], expected: str) -> None:
    if "@type" in obj and obj["@type"] != expected:
        raise MetadataError(f"@type must be {expected!r}, not {obj['@type']!r}")


def _id(obj: dict[str, Any], ctx: Context) -> str | None:
    if "@id" not in obj:
        return None
    value = obj["@id"]
    if not isinstance(value, str):
        ctx.warn(f"@id {value!r} is not a string: using an empty link")
        value = ""
    if value.startswith("_:"):
        raise MetadataError(f"@id must not be a blank node identifier: {value!r}")
    return urljoin(ctx.base, value)


def _is_common(key: str) -> bool:
    return ":" in key and not key.startswith("@")


def _check_keys(obj: dict[str, Any], kind: str, ctx: Context) -> None:
    allowed = TYPE_PROPS[kind]
    for key in obj:
        if key in KEYWORDS or key in allowed:
            continue
        if key.startswith("@"):
            if kind == "TableGroup" and key == "@context":
                continue
            if kind == "Table" and key == "@context":
                continue
            raise MetadataError(f"{key!r} is not allowed on a {kind}")
        if _is_common(key):
            if kind in {"Dialect"}:
                ctx.warn(f"ignoring common property {key!r} on a dialect")
            continue
        ctx.warn(f"ignoring property {key!r} that a {kind} does not define")


def _notes(obj: dict[str, Any], ctx: Context) -> list[Any]:
    if "notes" not in obj:
        return []
    notes = obj["notes"]
    if not isinstance(notes, list):
        ctx.warn("'notes' must be an array")
        return []
    for note in notes:
        check_common_value(note, ctx)
    return notes


def _common(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    out = {}
    for key, value in obj.items():
        if _is_common(key):
            check_common_value(value, ctx)
            out[key] = value
    return out


def check_common_value(value: Any, ctx: Context, top: bool = True) -> None:
    """Raise on the JSON-LD features CSVW forbids in notes and common properties."""
    if isinstance(value, list):
        for item in value:
            check_common_value(item, ctx, top)
        return
    if not isinstance(value, dict):
        return
    for key in value:
        if key.startswith("@") and key not in {"@id", "@type", "@value", "@language"}:
            raise MetadataError(f"{key!r} is not allowed in a common property")
    if "@value" in value:
        if "@type" in value and "@language" in value:
            raise MetadataError("@value with both @type and @language")
        if set(value) - {"@value", "@type", "@language"}:
            raise MetadataError("@value with other properties")
        if "@type" in value:
            t = value["@type"]
            if not isinstance(t, str) or not (t in dts.BUILTINS or _is_absolute_or_curie(t)):
                raise MetadataError(f"@type {t!r} is not a datatype")
        if "@language" in value and not (isinstance(value["@language"], str) and _tag_ok(value["@language"])):
            raise MetadataError(f"invalid @language {value['@language']!r}")
        return
    if "@language" in value:
        raise MetadataError("@language outside of @value")
    if "@id" in value:
        if not isinstance(value["@id"], str) or value["@id"].startswith("_:"):
            raise MetadataError(f"invalid @id {value['@id']!r} in a common property")
    if "@type" in value:
        types = value["@type"] if isinstance(value["@type"], list) else [value["@type"]]
        for t in types:
            if not isinstance(t, str) or t.startswith("_:") or not (_is_absolute_or_curie(t) or t in _CSVW_TERMS):
                raise MetadataError(f"@type {t!r} is not a class")
    for key, item in value.items():
        if not key.startswith("@"):
            check_common_value(item, ctx, False)


_CSVW_TERMS = {"Cell", "Column", "Datatype", "Dialect", "Direction", "ForeignKey", "NumericFormat", "Row",
               "Schema", "Table", "TableGroup", "TableReference", "Template", "Transformation"}


def _is_absolute_or_curie(text: str) -> bool:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", text):
        prefix = text.split(":", 1)[0]
        return prefix in PREFIXES or "//" in text or prefix in {"urn", "mailto", "http", "https"}
    return False


def expand_curie(text: str) -> str:
    if ":" in text:
        prefix, rest = text.split(":", 1)
        if prefix in PREFIXES and not rest.startswith("//"):
            return PREFIXES[prefix] + rest
    return text


# ---------------------------------------------------------------- tables, schemas, columns


def _load_object(value: Any, ctx: Context, what: str) -> tuple[dict[str, Any] | None, Context]:
    """An object property: inline, or a URL to a JSON document (with its own base)."""
    if isinstance(value, dict):
        return value, ctx
    if isinstance(value, str):
        url = urljoin(ctx.base, value)
        doc = ctx.load_json(url)
        if not isinstance(doc, dict):
            ctx.warn(f"{what} at {url} is not a JSON object")
            return None, ctx
        base = url
        context = doc.pop("@context", None)
        if context is not None:
            base, _ = _parse_context(context, url, ctx.warnings)
        return doc, Context(base, ctx.language, ctx.warnings, ctx.load_json)
    ctx.warn(f"ignoring {what} {value!r}: it must be an object or a URL")
    return None, ctx


def _table(obj: dict[str, Any], ctx: Context, group_inherited: dict[str, Any], group_dialect: Any, group_schema: Any) -> Table:
    url = obj.get("url")
    if not isinstance(url, str):
        raise MetadataError("a table needs a 'url' string")
    table = Table(url=urljoin(ctx.base, url))
    table.id = _id(obj, ctx)
    _check_keys(obj, "Table", ctx)
    table.notes = _notes(obj, ctx)
    table.common = _common(obj, ctx)
    if "suppressOutput" in obj:
        table.suppress_output = _boolean(obj, "suppressOutput", ctx, False)
    if "transformations" in obj:
        _transformations(obj["transformations"], ctx)
    for key in ("tableDirection",):
        if key in obj and obj[key] not in ("rtl", "ltr", "auto"):
            ctx.warn(f"ignoring invalid {key} {obj[key]!r}")
    dialect_value = obj.get("dialect", group_dialect)
    if dialect_value is not None:
        dobj, dctx = _load_object(dialect_value, ctx, "dialect")
        if dobj is not None:
            table.dialect = parse_dialect(dobj, dctx)
            table.dialect_given = True
    inherited = dict(group_inherited)
    inherited.update(_inherited(obj, ctx))
    schema_value = obj.get("tableSchema", group_schema)
    schema_obj, sctx = (None, ctx)
    if schema_value is not None:
        schema_obj, sctx = _load_object(schema_value, ctx, "tableSchema")
    if schema_obj is not None:
        _check_type(schema_obj, "Schema")
        table.schema_given = True
        table.schema_id = _id(schema_obj, sctx)
        _check_keys(schema_obj, "Schema", sctx)
        _common(schema_obj, sctx)
        inherited.update(_inherited(schema_obj, sctx))
        columns = schema_obj.get("columns", [])
        if not isinstance(columns, list):
            sctx.warn("'columns' must be an array")
            columns = []
        seen_virtual = False
        names: set[str] = set()
        number = 0
        for cobj in columns:
            if not isinstance(cobj, dict):
                sctx.warn(f"ignoring column {cobj!r} that is not an object")
                continue
            number += 1
            column = _column(cobj, number, sctx, inherited)
            if column.virtual:
                seen_virtual = True
            elif seen_virtual:
                raise MetadataError(f"column {column.name!r} follows a virtual column")
            if column.name in names:
                raise MetadataError(f"duplicate column name {column.name!r}")
            names.add(column.name)
            table.columns.append(column)
        table.primary_key = _column_reference(schema_obj, "primaryKey", table, sctx, fatal=False)
        table.row_titles = _column_reference(schema_obj, "rowTitles", table, sctx, fatal=False)
        fks = schema_obj.get("foreignKeys", [])
        if not isinstance(fks, list):
            sctx.warn("'foreignKeys' must be an array")
            fks = []
        for fk in fks:
            if not isinstance(fk, dict):
                sctx.warn(f"ignoring foreign key {fk!r} that is not an object")
                continue
            table.foreign_keys.append(_foreign_key(fk, table, sctx))
    table.inherited = inherited
    return table


def _foreign_key(fk: dict[str, Any], table: Table, ctx: Context) -> ForeignKey:
    for key in fk:
        if key not in {"columnReference", "reference"}:
            raise MetadataError(f"a foreign key may not have {key!r}")
    ref = fk.get("reference")
    if not isinstance(ref, dict):
        raise MetadataError("a foreign key needs a 'reference' object")
    for key in ref:
        if key not in {"resource", "schemaReference", "columnReference"}:
            raise MetadataError(f"a foreign key reference may not have {key!r}")
    if ("resource" in ref) == ("schemaReference" in ref):
        raise MetadataError("a foreign key reference needs exactly one of 'resource' and 'schemaReference'")
    cols = _column_reference(fk, "columnReference", table, ctx, fatal=True)
    refcols = ref.get("columnReference")
    if isinstance(refcols, str):
        refcols = [refcols]
    if not isinstance(refcols, list) or not refcols:
        raise MetadataError("a foreign key reference needs 'columnReference'")
    resource = urljoin(ctx.base, ref["resource"]) if isinstance(ref.get("resource"), str) else None
    schema = urljoin(ctx.base, ref["schemaReference"]) if isinstance(ref.get("schemaReference"), str) else None
    return ForeignKey(cols, resource, schema, list(refcols))


def _check_foreign_keys(group: TableGroup) -> None:
    for table in group.tables:
        for fk in table.foreign_keys:
            target = None
            for other in group.tables:
                if (fk.resource and other.url == fk.resource) or (fk.schema_reference and other.schema_id == fk.schema_reference):
                    target = other
                    break
            if target is None:
                raise MetadataError(f"foreign key refers to a table not in the group: {fk.resource or fk.schema_reference}")
            names = {c.name for c in target.columns if c.has_name}
            for name in fk.reference_columns:
                if name not in names:
                    raise MetadataError(f"foreign key refers to a column {name!r} that {target.url} does not have")
            if len(fk.reference_columns) != len(fk.columns):
                raise MetadataError("foreign key column lists differ in length")


def _column_reference(obj: dict[str, Any], key: str, table: Table, ctx: Context, fatal: bool) -> list[str]:
    if key not in obj:
        if fatal:
            raise MetadataError(f"{key} is required")
        return []
    value = obj[key]
    refs = [value] if isinstance(value, str) else value
    names = {c.name for c in table.columns if c.has_name}
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        if fatal:
            raise MetadataError(f"invalid {key} {value!r}")
        ctx.warn(f"ignoring invalid {key} {value!r}")
        return []
    missing = [r for r in refs if r not in names]
    if missing:
        if fatal:
            raise MetadataError(f"{key} names columns that do not exist: {missing}")
        ctx.warn(f"ignoring {key}: no column named {missing}")
        return []
    return list(refs)


def _transformations(value: Any, ctx: Context) -> None:
    if not isinstance(value, list):
        ctx.warn("'transformations' must be an array")
        return
    for t in value:
        if not isinstance(t, dict):
            ctx.warn(f"ignoring transformation {t!r} that is not an object")
            continue
        _check_type(t, "Template")
        _id(t, ctx)
        _check_keys(t, "Template", ctx)
        _common(t, ctx)


def _column(obj: dict[str, Any], number: int, ctx: Context, inherited: dict[str, Any]) -> Column:
    _check_type(obj, "Column")
    _id(obj, ctx)
    _check_keys(obj, "Column", ctx)
    titles = _titles(obj.get("titles"), ctx) if "titles" in obj else {}
    name = obj.get("name")
    has_name = False
    if name is not None:
        if isinstance(name, str) and NAME_RE.match(name) and not name.startswith("_"):
            has_name = True
        else:
            ctx.warn(f"ignoring invalid column name {name!r}")
            name = None
    if name is None:
        first = next(iter(titles.get(ctx.language or "und", [])), None)
        if first is not None:
            name = name_from_title(first)
        else:
            name = f"_col.{number}"
    column = Column(number=number, name=name, titles=titles, has_name=has_name, raw=obj)
    column.virtual = _boolean(obj, "virtual", ctx, False)
    column.suppress_output = _boolean(obj, "suppressOutput", ctx, False)
    column.common = _common(obj, ctx)
    props = dict(inherited)
    props.update(_inherited(obj, ctx))
    apply_inherited(column, props, ctx)
    return column


def name_from_title(title: str) -> str:
    """A column name made from a title: what a URI template variable may contain, %-encoded."""
    return "".join(
        c if (c.isascii() and c.isalnum()) or c in "_." else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in title
    )


def apply_inherited(column: Column, props: dict[str, Any], ctx: Context) -> None:
    if "aboutUrl" in props:
        column.about_url = props["aboutUrl"]
    if "propertyUrl" in props:
        column.property_url = props["propertyUrl"]
    if "valueUrl" in props:
        column.value_url = props["valueUrl"]
    if "datatype" in props:
        column.datatype = props["datatype"]
    for key, attr in (("default", "default"), ("lang", "lang"), ("null", "null"), ("ordered", "ordered"),
                      ("required", "required"), ("separator", "separator"), ("textDirection", "text_direction")):
        if key in props:
            setattr(column, attr, props[key])


def _inherited(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Checked values of the inherited properties set on this object."""
    out: dict[str, Any] = {}
    for key in ("aboutUrl", "propertyUrl", "valueUrl"):
        if key in obj:
            value = obj[key]
            if not isinstance(value, str):
                ctx.warn(f"{key} {value!r} is not a string: using an empty template")
                value = ""
            try:
                out[key] = uritemplate.parse(value)
            except uritemplate.TemplateError as e:
                ctx.warn(f"ignoring {key}: {e}")
    if "datatype" in obj:
        dt = _datatype(obj["datatype"], ctx)
        if dt is not None:
            out["datatype"] = dt
    if "default" in obj:
        if isinstance(obj["default"], str):
            out["default"] = obj["default"]
        else:
            ctx.warn(f"ignoring default {obj['default']!r} that is not a string")
    if "lang" in obj:
        lang = obj["lang"]
        if isinstance(lang, str) and _tag_ok(lang):
            out["lang"] = lang
        else:
            ctx.warn(f"ignoring invalid lang {lang!r}")
    if "null" in obj:
        value = obj["null"]
        if isinstance(value, str):
            out["null"] = [value]
        elif isinstance(value, list):
            good = [v for v in value if isinstance(v, str)]
            if len(good) != len(value):
                ctx.warn(f"ignoring non-string values in null {value!r}")
            out["null"] = good
        else:
            ctx.warn(f"ignoring invalid null {value!r}")
    for key in ("ordered", "required"):
        if key in obj:
            if isinstance(obj[key], bool):
                out[key] = obj[key]
            else:
                ctx.warn(f"ignoring {key} {obj[key]!r} that is not a boolean")
    if "separator" in obj:
        value = obj["separator"]
        if value is None or isinstance(value, str):
            out["separator"] = value
        else:
            ctx.warn(f"ignoring invalid separator {value!r}")
    if "textDirection" in obj:
        if obj["textDirection"] in ("ltr", "rtl", "auto", "inherit"):
            out["textDirection"] = obj["textDirection"]
        else:
            ctx.warn(f"ignoring invalid textDirection {obj['textDirection']!r}")
    return out


def _boolean(obj: dict[str, Any], key: str, ctx: Context, default: bool) -> bool:
    if key not in obj:
        return default
    if isinstance(obj[key], bool):
        return bool(obj[key])
    ctx.warn(f"ignoring {key} {obj[key]!r} that is not a boolean")
    return default


def _titles(value: Any, ctx: Context) -> dict[str, list[str]]:
    """A natural language property as {language: [strings]}."""
    lang = ctx.language or "und"
    if isinstance(value, str):
        return {lang: [value]}
    if isinstance(value, list):
        good = [v for v in value if isinstance(v, str)]
        if len(good) != len(value):
            ctx.warn("ignoring titles that are not strings")
        return {lang: good} if good else {}
    if isinstance(value, dict):
        out: dict[str, list[str]] = {}
        for key, item in value.items():
            if not _tag_ok(key):
                ctx.warn(f"ignoring titles with invalid language {key!r}")
                continue
            items = [item] if isinstance(item, str) else item
            if not isinstance(items, list):
                ctx.warn(f"ignoring invalid titles {item!r}")
                continue
            good = [v for v in items if isinstance(v, str)]
            if len(good) != len(items):
                ctx.warn("ignoring titles that are not strings")
            out[key] = good
        return out
    ctx.warn(f"ignoring invalid titles {value!r}")
    return {}


def _datatype(value: Any, ctx: Context) -> dts.Datatype | None:
    if isinstance(value, str):
        if value in dts.BUILTINS:
            return dts.Datatype(base=value, iri=dts.BUILTINS[value][0])
        if re.match(r"^[a-z][a-z0-9+.\-]*://", value, re.IGNORECASE):
            ctx.warn(f"datatype {value!r} is not a built-in datatype; describe it with {{\"@id\": ..., \"base\": ...}}")
            return None
        ctx.warn(f"ignoring unknown datatype {value!r}")
        return None
    if not isinstance(value, dict):
        ctx.warn(f"ignoring invalid datatype {value!r}")
        return None
    _check_type(value, "Datatype")
    _check_keys(value, "Datatype", ctx)
    base = value.get("base", "string")
    if not isinstance(base, str) or base not in dts.BUILTINS:
        ctx.warn(f"ignoring unknown datatype base {base!r}; using string")
        base = "string"
    dt = dts.Datatype(base=base, iri=dts.BUILTINS[base][0], raw=value)
    if "@id" in value:
        ident = value["@id"]
        if not isinstance(ident, str) or ident.startswith("_:"):
            raise MetadataError(f"invalid datatype @id {ident!r}")
        if ident in dts.IRI_TO_NAME:
            raise MetadataError(f"datatype @id {ident!r} must not be a built-in datatype")
        dt.iri = expand_curie(ident)
    dt.format = value.get("format")
    warn: list[str] = []
    dts.prepare(dt, warn)
    for w in warn:
        ctx.warn(w)
    for key, attr in (("length", "length"), ("minLength", "min_length"), ("maxLength", "max_length")):
        if key in value:
            n = value[key]
            if isinstance(n, int) and not isinstance(n, bool) and n >= 0:
                setattr(dt, attr, n)
            else:
                ctx.warn(f"ignoring invalid {key} {n!r}")
    lengthy = base in dts.STRINGLIKE or base in dts.BINARY or base in {"anyURI", "QName"}
    if any(x is not None for x in (dt.length, dt.min_length, dt.max_length)) and not lengthy:
        raise MetadataError(f"length constraints do not apply to {base}")
    if dt.length is not None and ((dt.min_length is not None and dt.length < dt.min_length) or (dt.max_length is not None and dt.length > dt.max_length)):
        raise MetadataError("length conflicts with minLength/maxLength")
    if dt.min_length is not None and dt.max_length is not None and dt.min_length > dt.max_length:
        raise MetadataError("minLength is greater than maxLength")
    bounds = {}
    for key, attr in (("minimum", "min_inclusive"), ("minInclusive", "min_inclusive"), ("maximum", "max_inclusive"),
                      ("maxInclusive", "max_inclusive"), ("minExclusive", "min_exclusive"), ("maxExclusive", "max_exclusive")):
        if key in value:
            if not (base in dts.NUMERIC or base in dts.DATETIME or base in dts.DURATION):
                raise MetadataError(f"{key} does not apply to {base}")
            parsed = dts.parse_bound(dt, value[key])
            if parsed is None:
                ctx.warn(f"ignoring invalid {key} {value[key]!r}")
                continue
            setattr(dt, attr, parsed)
            bounds[attr] = parsed
    if dt.min_inclusive is not None and dt.min_exclusive is not None:
        raise MetadataError("both minInclusive and minExclusive")
    if dt.max_inclusive is not None and dt.max_exclusive is not None:
        raise MetadataError("both maxInclusive and maxExclusive")

    def lt(a: Any, b: Any) -> bool:
        c = dts._compare(a, b)
        return c is not None and c < 0

    def le(a: Any, b: Any) -> bool:
        c = dts._compare(a, b)
        return c is not None and c <= 0

    if dt.min_inclusive is not None and dt.max_inclusive is not None and lt(dt.max_inclusive, dt.min_inclusive):
        raise MetadataError("maxInclusive is less than minInclusive")
    if dt.min_inclusive is not None and dt.max_exclusive is not None and le(dt.max_exclusive, dt.min_inclusive):
        raise MetadataError("maxExclusive is not greater than minInclusive")
    if dt.min_exclusive is not None and dt.max_exclusive is not None and lt(dt.max_exclusive, dt.min_exclusive):
        raise MetadataError("maxExclusive is less than minExclusive")
    if dt.min_exclusive is not None and dt.max_inclusive is not None and le(dt.max_inclusive, dt.min_exclusive):
        raise MetadataError("maxInclusive is not greater than minExclusive")
    return dt


# ---------------------------------------------------------------- dialects


def parse_dialect(obj: dict[str, Any], ctx: Context) -> Dialect:
    _check_type(obj, "Dialect")
    _id(obj, ctx)
    _check_keys(obj, "Dialect", ctx)
    d = Dialect()

    def text(key: str, attr: str, allow_null: bool = False) -> None:
        if key in obj:
            v = obj[key]
            if isinstance(v, str) or (allow_null and v is None):
                setattr(d, attr, v)
            else:
                ctx.warn(f"ignoring invalid dialect {key} {v!r}")

    def boolean(key: str, attr: str) -> None:
        if key in obj:
            if isinstance(obj[key], bool):
                setattr(d, attr, obj[key])
            else:
                ctx.warn(f"ignoring invalid dialect {key} {obj[key]!r}")

    def count(key: str, attr: str) -> None:
        if key in obj:
            v = obj[key]
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
                setattr(d, attr, v)
            else:
                ctx.warn(f"ignoring invalid dialect {key} {v!r}")

    text("commentPrefix", "comment_prefix", allow_null=True)
    text("delimiter", "delimiter")
    text("quoteChar", "quote_char", allow_null=True)
    boolean("doubleQuote", "double_quote")
    boolean("header", "header")
    boolean("skipBlankRows", "skip_blank_rows")
    boolean("skipInitialSpace", "skip_initial_space")
    count("skipColumns", "skip_columns")
    count("skipRows", "skip_rows")
    d.header_row_count = 1 if d.header else 0
    count("headerRowCount", "header_row_count")
    if "encoding" in obj:
        import codecs

        enc = obj["encoding"]
        try:
            if not isinstance(enc, str):
                raise LookupError
            codecs.lookup(enc)
            d.encoding = enc
        except LookupError:
            ctx.warn(f"ignoring unknown dialect encoding {enc!r}")
    if "lineTerminators" in obj:
        lt = obj["lineTerminators"]
        if isinstance(lt, str):
            d.line_terminators = [lt]
        elif isinstance(lt, list) and all(isinstance(x, str) for x in lt):
            d.line_terminators = list(lt)
        else:
            ctx.warn(f"ignoring invalid dialect lineTerminators {lt!r}")
    if "trim" in obj:
        t = obj["trim"]
        if isinstance(t, bool) or t in ("start", "end"):
            d.trim = t
        elif t in ("true", "false"):
            d.trim = t == "true"
        else:
            ctx.warn(f"ignoring invalid dialect trim {t!r}")
    return d


def load_json_text(text: str, url: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise MetadataError(f"{url}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from e
