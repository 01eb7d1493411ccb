"""Each csvcubed column type as cogs columns, components, code lists and units."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from cogs.csvcubed.translation import Translation, read_config
from cogs.csvcubed.vocabulary import (
    COGS_PERIODS,
    CONVENTION_NAMES,
    GEOGRAPHY,
    INTEGER_TYPES,
    MARKER,
    OBS_STATUS,
    REF_PERIOD,
    REF_TIME,
    STATUS_LABELS,
    TEMPLATES,
    csvw_name,
    expand,
    slug,
)
from cogs.problems import CogsError, Problem, Severity


def by_convention(title: str) -> dict[str, Any]:
    lowered = title.lower()
    for kind, names in CONVENTION_NAMES.items():
        if lowered in names:
            return {"type": kind}
    return {"type": "dimension", "label": title, "code_list": True}


def with_template(title: str, column: dict[str, Any], out: Translation) -> dict[str, Any]:
    """The column with its `from_template` applied: the template's values under the publisher's."""
    name = column.get("from_template")
    if name is None:
        return dict(column)
    template = TEMPLATES.get(name) if isinstance(name, str) else None
    if name == "obseration-status-af":  # csvcubed's own spelling of the key in its template index
        template = TEMPLATES["observation-status"]
    if template is None:
        out.problem("csvcubed.unknown-template", f"column {title!r}: no column template {name!r}",
                    ("columns", title, "from_template"), f"templates: {', '.join(sorted(TEMPLATES))}")
        return dict(column)
    merged = {k: v for k, v in column.items() if k != "from_template"}
    for key, value in template.items():
        if key not in merged:
            merged[key] = value.replace("<column_name>", csvw_name(title)) if isinstance(value, str) else value
    merged["_template"] = name
    return merged


def new_id(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def codelist_csv(rows: list[tuple[str, str, str, str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["label", "notation", "parent", "sort_priority", "description"])
    writer.writerows(rows)
    return buffer.getvalue()


def concepts_rows(items: list[Any], parent: str, rows: list[tuple[str, str, str, str, str]],
              keys: tuple[str, ...], out: Translation) -> None:
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            out.problem("csvcubed.bad-codelist", "each concept needs a label", keys + (str(i),),
                        "write {\"label\": \"...\", \"notation\": \"...\"}")
            continue
        notation = str(item.get("notation") or item.get("code") or item.get("uri_safe_identifier_override")
                       or item["label"])
        order = item.get("sort_order")
        if order is not None and (not isinstance(order, int) or isinstance(order, bool)):
            out.problem("csvcubed.bad-codelist", f"sort_order {order!r} is not a whole number",
                        keys + (str(i), "sort_order"), "write a whole number")
            order = None
        rows.append((item["label"], notation, parent, "" if order is None else str(order),
                     str(item.get("description", ""))))
        if isinstance(item.get("children"), list):
            concepts_rows(item["children"], notation, rows, keys + (str(i), "children"), out)


def sorted_concepts(rows: list[tuple[str, str, str, str, str]], sort: Any) -> list[tuple[str, str, str, str, str]]:
    """A code list's `sort` ({by: label|notation, method: ascending|descending}) as sort priorities,
    for the concepts without a `sort_order` of their own (they come after those with one)."""
    if not isinstance(sort, dict):
        return rows
    by = 1 if sort.get("by") == "notation" else 0
    unordered = sorted((r for r in rows if not r[3]), key=lambda r: r[by], reverse=sort.get("method") == "descending")
    first = max((int(r[3]) for r in rows if r[3]), default=-1) + 1
    priority = {r[1]: str(first + i) for i, r in enumerate(unordered)}
    return [r if r[3] else (r[0], r[1], r[2], priority[r[1]], r[4]) for r in rows]


def new_component(data: dict[str, Any], taken: set[str], title: str, kind: str, column: dict[str, Any]) -> str:
    ident = new_id(slug(str(column.get("label") or title)), taken)
    component: dict[str, Any] = {"type": kind, "label": column.get("label") or title}
    if column.get("description"):
        component["description"] = column["description"]
    data["components"][ident] = component
    return ident


def builtin_component(column: dict[str, Any]) -> str:
    """`period` or `geography` when a column maps onto that built-in component, else ``."""
    template = str(column.get("cell_uri_template") or "")
    if column.get("type", "dimension") != "dimension":
        return ""
    if template.startswith(GEOGRAPHY):
        return "geography"
    if template.startswith(REF_TIME) and template[len(REF_TIME):].split("{", 1)[0].strip("/") in COGS_PERIODS:
        return "period"
    return ""


def dimension_column(title: str, column: dict[str, Any], values: list[str], observations: str | None,
               data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    template = str(column.get("cell_uri_template") or "")
    existing = column.get("from_existing")
    notes = out.comments.setdefault(title, [])
    if template.startswith(REF_TIME):
        kind = template[len(REF_TIME):].split("{", 1)[0].strip("/")
        if kind in COGS_PERIODS:
            data["columns"][title] = {"role": "dimension", "component": "period"}
            notes.append(f"csvcubed period ({kind or 'mixed'}) -> the built-in period dimension")
            return
        out.problem("csvcubed.period-kind", f"column {title!r}: {kind} periods are not in cogs' period reference "
                    "list; the column becomes a dimension under sdmx-dimension:refPeriod with its own code list",
                    ("columns", title), "cogs recognises years, quarters, months, days and government years",
                    Severity.WARNING)
        existing = existing or REF_PERIOD
    elif template.startswith(GEOGRAPHY):
        data["columns"][title] = {"role": "dimension", "component": "geography"}
        notes.append("csvcubed statistical geography -> the built-in geography dimension")
        return
    elif template:
        out.problem("csvcubed.cell-uri-template", f"column {title!r}: cogs mints code URIs itself, so "
                    f"cell_uri_template {template!r} is not kept; the codes go in a code list of this dataset",
                    ("columns", title, "cell_uri_template"),
                    "to link to the other list's concepts, supply a code list (see docs/csvcubed.md)",
                    Severity.WARNING)
    ident = new_component(data, taken, title, "dimension", column)
    component = data["components"][ident]
    if existing and set(column) - {"_template"} <= {"type", "from_existing", "cell_uri_template"}:
        component["uri"] = existing  # csvcubed's "existing dimension": the property itself is reused
    elif existing:
        component["sub_property_of"] = existing
    code_list = column.get("code_list", True)
    keys = ("columns", title, "code_list")
    if code_list is True or code_list is False or code_list is None:
        component["codelist"] = "generated"
        if code_list is False:
            notes.append("code_list false in csvcubed: cogs still lists the codes used, in a generated code list")
    elif isinstance(code_list, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", code_list):
        component["codelist"] = "generated"
        out.problem("csvcubed.external-codelist", f"column {title!r}: the code list {code_list!r} is not read "
                    "(a build never uses the network); the codes used go in a generated code list", keys,
                    "save the list's concepts as a code-list JSON or CSV beside the config", Severity.WARNING)
    elif isinstance(code_list, (str, dict)):
        source: Any = code_list
        if isinstance(code_list, str):
            base = out.config.parent if out.config else out.csv.parent
            try:
                source, _ = read_config(base / code_list)
            except CogsError as exc:
                for problem in exc.problems:
                    out.problems.append(Problem("csvcubed.bad-codelist", problem.message, out.where(*keys),
                                                hint=f"code_list names {code_list!r}: {problem.hint}"))
                return
        if not isinstance(source.get("concepts"), list):
            out.problem("csvcubed.bad-codelist", f"column {title!r}: the code list has no concepts", keys,
                        "list them under \"concepts\": [{\"label\": ..., \"notation\": ...}]")
            return
        rows: list[tuple[str, str, str, str, str]] = []
        concepts_rows(source["concepts"], "", rows, keys + ("concepts",), out)
        rows = sorted_concepts(rows, source.get("sort"))
        out.codelists[ident] = codelist_csv(rows)
        data["codelists"][ident] = {"title": str(source.get("title") or column.get("label") or title),
                                    "file": f"codelists/{ident}.csv"}
        if source.get("description"):
            data["codelists"][ident]["description"] = str(source["description"])
        component["codelist"] = ident
    else:
        out.problem("csvcubed.bad-value", f"column {title!r}: code_list must be true, false, a URI, a file or an "
                    "object", keys, "see the csvcubed code list documentation")
        return
    data["columns"][title] = {"role": "dimension", "component": ident}


def attribute_column(title: str, column: dict[str, Any], values: list[str], observations: str | None,
               data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    existing = column.get("from_existing")
    template = column.get("cell_uri_template")
    notes = out.comments.setdefault(title, [])
    if column.get("required"):
        notes.append("required in csvcubed: cogs does not check that every row has a value")
    if existing == OBS_STATUS and column.get("data_type") is None and \
            all(MARKER.match(v.strip()) or slug(v) in STATUS_LABELS for v in values):
        data["columns"][title] = {"role": "marker"}
        notes.append("observation status -> the marker role (GSS shorthand markers)")
        labels = {v: STATUS_LABELS[slug(v)] for v in values if not MARKER.match(v.strip())}
        if labels:
            out.recode[title] = labels
        return
    ident = new_component(data, taken, title, "attribute", column)
    component = data["components"][ident]
    if existing and not column.get("label") and column.get("data_type") is None:
        component["uri"] = existing
    elif existing:
        component["sub_property_of"] = existing
    data_type = column.get("data_type")
    if data_type is not None:
        if data_type in INTEGER_TYPES:
            component["datatype"] = "integer"
        elif data_type in ("decimal", "double", "date", "string"):
            component["datatype"] = data_type
        elif data_type == "float":
            component["datatype"] = "double"
        else:
            component["datatype"] = "string"
            out.problem("csvcubed.datatype", f"column {title!r}: data_type {data_type!r} is published as a string",
                        ("columns", title, "data_type"), "cogs attributes are decimal, integer, double, string "
                        "or date", Severity.WARNING)
        if data_type != component["datatype"]:
            notes.append(f"data_type {data_type} -> {component['datatype']}")
        data["columns"][title] = {"role": "attribute", "component": ident}
        return
    if template is not None:
        out.problem("csvcubed.cell-uri-template", f"column {title!r}: cogs mints attribute value URIs itself, so "
                    f"cell_uri_template {template!r} is not kept", ("columns", title, "cell_uri_template"),
                    "the values go in a generated code list of this dataset", Severity.WARNING)
    listed = column.get("values")
    if isinstance(listed, list):
        rows = [(str(v["label"]), str(v["label"]), "", "", str(v.get("description", ""))) for v in listed]
        out.codelists[ident] = codelist_csv(rows)
        data["codelists"][ident] = {"title": str(column.get("label") or title), "file": f"codelists/{ident}.csv"}
        component["codelist"] = ident
    else:
        component["codelist"] = "generated"
    data["columns"][title] = {"role": "attribute", "component": ident}


def declare_units(column: dict[str, Any], values: list[str], title: str, out: Translation,
               data: dict[str, Any], taken: set[str], keys: tuple[str, ...]) -> dict[str, str]:
    """Units declared from a units column: id -> label."""
    made: dict[str, str] = {}
    template = column.get("cell_uri_template")
    listed = column.get("values")
    items: list[dict[str, Any]] = listed if isinstance(listed, list) else [{"label": v} for v in values]
    for item in items:
        ident = new_id(slug(str(item["label"])), taken)
        unit: dict[str, Any] = {"label": str(item["label"])}
        if item.get("description"):
            unit["description"] = str(item["description"])
        if template:
            unit["uri"] = expand(str(template), str(item["label"]))
        elif item.get("from_existing"):
            unit["uri"] = str(item["from_existing"])
        dropped = sorted(set(item) & {"scaling_factor", "si_scaling_factor", "quantity_kind"})
        if dropped:
            out.problem("csvcubed.unit-detail", f"column {title!r}: unit {item['label']!r}: "
                        f"{', '.join(dropped)} not published", keys,
                        "cogs units carry a label, description and URI", Severity.WARNING)
        data["units"][ident] = unit
        made[ident] = unit["label"]
    return made


def units_column(title: str, column: dict[str, Any], values: list[str], observations: str | None,
           data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    declare_units(column, values, title, out, data, set(data["units"]), ("columns", title))
    data["columns"][title] = {"role": "unit"}


def measures_column(title: str, column: dict[str, Any], values: list[str], observations: str | None,
              data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    template = column.get("cell_uri_template")
    listed = column.get("values")
    items: list[dict[str, Any]] = listed if isinstance(listed, list) else [{"label": v} for v in values]
    for item in items:
        ident = new_id(slug(str(item["label"])), taken)
        measure: dict[str, Any] = {"type": "measure", "label": str(item["label"])}
        if item.get("description"):
            measure["description"] = str(item["description"])
        if template:
            measure["uri"] = expand(str(template), str(item["label"]))
        elif item.get("from_existing"):
            measure["sub_property_of"] = str(item["from_existing"])
        data["components"][ident] = measure
    data["columns"][title] = {"role": "measure-type"}


def observations_column(title: str, column: dict[str, Any], values: list[str], observations: str | None,
                  data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    entry: dict[str, Any] = {"role": "observations"}
    data_type = column.get("data_type", "decimal")
    if data_type in INTEGER_TYPES:
        entry["datatype"] = "integer"
    elif data_type in ("double", "float"):
        entry["datatype"] = "double"
    elif data_type != "decimal":
        out.problem("csvcubed.datatype", f"column {title!r}: observations of data_type {data_type!r} are not "
                    "numbers", ("columns", title, "data_type"), "cogs observations are decimal, integer or double")
    measure = column.get("measure")
    if isinstance(measure, dict):
        ident = new_id(slug(str(measure["label"])), taken)
        component: dict[str, Any] = {"type": "measure", "label": str(measure["label"])}
        if measure.get("description"):
            component["description"] = str(measure["description"])
        if measure.get("from_existing"):
            component["sub_property_of"] = str(measure["from_existing"])
        data["components"][ident] = component
        entry["measure"] = ident
    unit = column.get("unit")
    if isinstance(unit, dict):
        made = declare_units({"values": [unit]}, [], title, out, data, set(data["units"]), ("columns", title, "unit"))
        entry["unit"] = next(iter(made))
    data["columns"][title] = entry


def unpivot_observations(observations: list[str], columns: dict[str, dict[str, Any]], header: tuple[str, ...],
             data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    """The pivoted shape as an unpivot: a measure-type column from the observations columns' titles."""
    def free(base: str) -> str:
        name, n = base, 2
        while name in header or name in data["columns"]:
            name, n = f"{base} {n}", n + 1
        return name

    into, value = free("Measure"), free("Value")
    names: dict[str, str] = {}
    for title in observations:
        measure = columns[title]["measure"]
        ident = new_id(slug(str(measure["label"])), taken)
        component: dict[str, Any] = {"type": "measure", "label": str(measure["label"])}
        if measure.get("description"):
            component["description"] = str(measure["description"])
        if measure.get("from_existing"):
            component["sub_property_of"] = str(measure["from_existing"])
        data["components"][ident] = component
        names[title] = ident
    data["unpivot"] = {"columns": list(observations), "into": into, "value": value, "names": names}
    data["columns"][into] = {"role": "measure-type"}
    entry = dict(columns[observations[0]])
    entry.pop("measure")
    observations_column(value, entry, [], None, data, out, taken)
    types = {str(columns[t].get("data_type", "decimal")) for t in observations}
    if len(types) > 1:
        data["columns"][value].pop("datatype", None)
        out.comments.setdefault(value, []).append(f"data types {', '.join(sorted(types))} published as decimal")
    out.comments.setdefault(into, []).append("csvcubed's pivoted shape, unpivoted: one row per observations "
                                             "column (" + ", ".join(repr(t) for t in observations) + ")")
