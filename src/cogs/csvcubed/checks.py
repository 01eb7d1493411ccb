"""Checks of a csvcubed config: each configuration error csvcubed documents, as a located problem."""

from __future__ import annotations

from typing import Any

from cogs.csvcubed.translation import Translation
from cogs.csvcubed.vocabulary import (
    COLUMN_KEYS,
    DATA_TYPES,
    OBS_STATUS,
    SCHEMA_URI,
    STRING_KEYS,
    TOP_KEYS,
    VALUE_KEYS,
    VARIABLE,
    VERSIONS,
    csvw_name,
    slug,
)
from cogs.problems import Severity


def check_top(config: dict[str, Any], out: Translation) -> None:
    schema = config.get("$schema")
    if schema is None:
        out.problem("csvcubed.schema-version", "no \"$schema\": csvcubed needs to know the config's version", (),
                    "add \"$schema\": \"https://purl.org/csv-cubed/qube-config/v1.5\"", Severity.WARNING)
    else:
        found = SCHEMA_URI.match(str(schema))
        if not found or found.group(1) not in VERSIONS:
            out.problem("csvcubed.schema-version", f"$schema {schema!r} is not a qube-config version cogs reads "
                        f"({', '.join('v' + v for v in VERSIONS)})", ("$schema",),
                        "use https://purl.org/csv-cubed/qube-config/v1.0 ... v1.5")
    for key in config:
        if key not in TOP_KEYS:
            out.problem("csvcubed.unknown-key", f"unknown key {key!r} in qube-config.json", (key,),
                        f"allowed keys: {', '.join(sorted(TOP_KEYS))}")
    for key in ("title", "description", "summary", "dataset_issued", "dataset_modified", "id"):
        if key in config and not isinstance(config[key], str):
            out.problem("csvcubed.bad-value", f"{key} must be a string", (key,), "write it in quotes")
    keywords = config.get("keywords")
    if keywords is not None and not isinstance(keywords, (str, list)):
        out.problem("csvcubed.bad-value", "keywords must be a string or a list of strings", ("keywords",),
                    "write \"keywords\": [\"...\"]")


def check_shape(kinds: dict[str, str], columns: dict[str, dict[str, Any]], out: Translation) -> None:
    for title, kind in kinds.items():
        if kind not in COLUMN_KEYS:
            out.problem("csvcubed.bad-column-type", f"column {title!r}: type {kind!r} is not one of "
                        f"{', '.join(sorted(COLUMN_KEYS))}", ("columns", title, "type"), "use one of the listed types")
    observations = [t for t, k in kinds.items() if k == "observations"]
    if not observations:
        out.problem("csvcubed.no-observations", "no observations column", ("columns",),
                    "give one column \"type\": \"observations\" or title it Value (csvcubed: no-obsv-col)")
        return
    if len(observations) > 1:
        check_pivoted(observations, kinds, columns, out)
        return
    obs = columns[observations[0]]
    if not any(k == "dimension" for k in kinds.values()):
        out.problem("csvcubed.no-dimensions", "no dimension column", ("columns",),
                    "a cube needs at least one dimension (csvcubed: no-dim)")
    measure_cols = [t for t, k in kinds.items() if k == "measures"]
    unit_cols = [t for t, k in kinds.items() if k == "units"]
    for kind, found, code in (("measures", measure_cols, "multi-meas-col"), ("units", unit_cols, "multi-unit-col")):
        if len(found) > 1:
            out.problem("csvcubed.repeated-column-type", f"{len(found)} {kind} columns", ("columns", found[1]),
                        f"a table has at most one {kind} column (csvcubed: {code})")
    if "measure" in obs and measure_cols:
        out.problem("csvcubed.both-measure-kinds", "the observations column names a measure and there is a "
                    "measures column", ("columns", observations[0], "measure"),
                    "keep one: the fixed measure or the column (csvcubed: both-meas-typ-def)")
    if "measure" not in obs and not measure_cols:
        out.problem("csvcubed.no-measure", "no measure: the observations column names none and there is no "
                    "measures column", ("columns", observations[0]),
                    "add \"measure\": {\"label\": ...} to the observations column (csvcubed: no-meas)")
    if "unit" in obs and unit_cols:
        out.problem("csvcubed.both-unit-kinds", "the observations column names a unit and there is a units "
                    "column", ("columns", observations[0], "unit"),
                    "keep one: the fixed unit or the column (csvcubed: both-unit-typ-def)")
    if "unit" not in obs and not unit_cols:
        out.problem("csvcubed.no-unit", "no unit: the observations column names none and there is no units "
                    "column", ("columns", observations[0]),
                    "add \"unit\": {\"label\": ...} to the observations column (csvcubed: no-unit)")
    for title, column in columns.items():
        linked = column.get("describes_observations")
        if linked is not None and linked != observations[0]:
            code = "link-obs-col-not-exist" if linked not in columns else "link-non-obs-col"
            out.problem("csvcubed.describes-observations", f"column {title!r} describes {linked!r}, which is not "
                        "the observations column", ("columns", title, "describes_observations"),
                        f"name {observations[0]!r}, or leave describes_observations out (csvcubed: {code})")


def check_pivoted(observations: list[str], kinds: dict[str, str], columns: dict[str, dict[str, Any]],
                   out: Translation) -> None:
    """csvcubed's pivoted shape (one observations column per measure) is unpivoted into a tidy table when
    every observations column names its measure and all share one unit; otherwise it is refused."""

    def refuse(reason: str, keys: tuple[str, ...], code: str) -> None:
        out.problem("csvcubed.pivoted-shape", f"{len(observations)} observations columns "
                    f"({', '.join(repr(t) for t in observations)}): {reason}", keys,
                    "cogs unpivots the pivoted shape only when each observations column names its measure and "
                    f"all share one unit; or give the table a measures column (csvcubed: {code})")

    if not any(k == "dimension" for k in kinds.values()):
        out.problem("csvcubed.no-dimensions", "no dimension column", ("columns",),
                    "a cube needs at least one dimension (csvcubed: no-dim)")
    missing = [t for t in observations if not isinstance(columns[t].get("measure"), dict)]
    if missing:
        return refuse(f"{missing[0]!r} names no measure", ("columns", missing[0]), "piv-obsv-col-no-measure")
    measures = [t for t, k in kinds.items() if k == "measures"]
    if measures:
        return refuse("there is also a measures column", ("columns", measures[0]), "piv-shape-meas-cols-exist")
    linked = [t for t, c in columns.items() if "describes_observations" in c]
    if linked:
        return refuse(f"{linked[0]!r} describes one of them, which a tidy table cannot say",
                      ("columns", linked[0], "describes_observations"), "hybrid-shape")
    units = [t for t, k in kinds.items() if k == "units"]
    if units:
        return refuse("units in a column cannot follow the measure once unpivoted", ("columns", units[0]),
                      "hybrid-shape")
    first = columns[observations[0]].get("unit")
    different = [t for t in observations if columns[t].get("unit") != first]
    if first is None or different:
        where = different[0] if different else observations[0]
        return refuse("they have different units" if different else "they name no unit", ("columns", where),
                      "no-unit")
    return None


def check_keys(title: str, column: dict[str, Any], out: Translation) -> None:
    kind = column.get("type", "dimension")
    for key in STRING_KEYS:
        if key in column and not isinstance(column[key], str):
            out.problem("csvcubed.bad-value", f"column {title!r}: {key} must be a string", ("columns", title, key),
                        "write it in quotes")
    if "required" in column and not isinstance(column["required"], bool):
        out.problem("csvcubed.bad-value", f"column {title!r}: required must be true or false",
                    ("columns", title, "required"), "write true or false")
    for key in column:
        if key not in COLUMN_KEYS[kind] and key != "_template":
            out.problem("csvcubed.unknown-key", f"column {title!r}: {key!r} is not a key of a {kind} column",
                        ("columns", title, key), f"keys of a {kind} column: {', '.join(sorted(COLUMN_KEYS[kind]))}")
    template = column.get("cell_uri_template")
    if template is not None:
        names = VARIABLE.findall(str(template))
        if not names or any(n != csvw_name(title) for n in names):
            out.problem("csvcubed.template-variable", f"column {title!r}: cell_uri_template {template!r} must "
                        f"use the column's name {{+{csvw_name(title)}}}", ("columns", title, "cell_uri_template"),
                        "csvcubed names a column by its title in lower case with _ for other characters "
                        "(csvcubed: missing-uri-template-name-error)")
    data_type = column.get("data_type")
    if data_type is not None and (not isinstance(data_type, str) or data_type not in DATA_TYPES):
        out.problem("csvcubed.bad-value", f"column {title!r}: data_type {data_type!r} is not an XSD type csvcubed "
                    "knows", ("columns", title, "data_type"), f"use one of {', '.join(sorted(DATA_TYPES))}")
    if kind == "attribute":
        if data_type is not None and template is not None:
            out.problem("csvcubed.literal-with-template", f"column {title!r}: a literal attribute (data_type) "
                        "cannot have a cell_uri_template", ("columns", title, "cell_uri_template"),
                        "drop one of them (csvcubed: csv-col-lit-uri-temp)")
        if "from_existing" in column and "label" not in column and template is None and "values" not in column \
                and data_type is None and column.get("from_existing") != OBS_STATUS:
            out.problem("csvcubed.missing-cell-uri-template", f"column {title!r}: an existing attribute needs a "
                        "cell_uri_template or values", ("columns", title),
                        "add cell_uri_template or \"values\": true (csvcubed: no-uri-tmplt-or-attr-vals)")
    if kind == "dimension" and "from_existing" in column and set(column) <= {"type", "from_existing"}:
        out.problem("csvcubed.missing-cell-uri-template", f"column {title!r}: an existing dimension needs a "
                    "cell_uri_template", ("columns", title), "add cell_uri_template, or a label to define a new "
                    "dimension extending it (csvcubed: csv-col-uri-temp-mis)")
    vals = column.get("values")
    if vals is not None and not isinstance(vals, (bool, list)):
        out.problem("csvcubed.bad-value", f"column {title!r}: values must be true, false or a list",
                    ("columns", title, "values"), "write \"values\": true or a list of {\"label\": ...}")
    if isinstance(vals, list):
        if not vals:
            out.problem("csvcubed.empty-values", f"column {title!r}: values is an empty list",
                        ("columns", title, "values"), "list the values, or write \"values\": true "
                        "(csvcubed: empty-multi-meas-dimension / empty-multi-units)")
        labels: dict[str, int] = {}
        for i, item in enumerate(vals):
            if not isinstance(item, dict) or not isinstance(item.get("label"), str):
                out.problem("csvcubed.bad-value", f"column {title!r}: each value needs a label",
                            ("columns", title, "values", str(i)), "write {\"label\": \"...\"}")
                continue
            wrong = [k for k in ("description", "from_existing", "definition_uri") if k in item
                     and not isinstance(item[k], str)]
            if wrong:
                out.problem("csvcubed.bad-value", f"column {title!r}: {wrong[0]} of a value must be a string",
                            ("columns", title, "values", str(i), wrong[0]), "write it in quotes")
            unknown = sorted(set(item) - VALUE_KEYS)
            if unknown:
                out.problem("csvcubed.unknown-key", f"column {title!r}: {unknown[0]!r} is not a key of a value",
                            ("columns", title, "values", str(i), unknown[0]),
                            f"keys of a value: {', '.join(sorted(VALUE_KEYS))}")
            ident = slug(item["label"])
            if ident in labels:
                out.problem("csvcubed.duplicate-value", f"column {title!r}: {item['label']!r} repeats value "
                            f"{labels[ident] + 1} (same identifier {ident!r})", ("columns", title, "values", str(i)),
                            "give each value its own label (csvcubed: dup-measure / conflict-uri)")
            labels.setdefault(ident, i)
    for key in ("unit", "measure"):
        item = column.get(key)
        if kind == "observations" and item is not None and (not isinstance(item, dict) or
                                                            not isinstance(item.get("label"), str)):
            out.problem("csvcubed.bad-value", f"column {title!r}: {key} needs a label", ("columns", title, key),
                        f"write \"{key}\": {{\"label\": \"...\"}}")
        elif kind == "observations" and isinstance(item, dict):
            for inner in ("description", "from_existing", "definition_uri"):
                if inner in item and not isinstance(item[inner], str):
                    out.problem("csvcubed.bad-value", f"column {title!r}: {key}.{inner} must be a string",
                                ("columns", title, key, inner), "write it in quotes")
