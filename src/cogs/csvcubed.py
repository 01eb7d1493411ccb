"""csvcubed compatibility: a `qube-config.json` (schema v1.0 to v1.5), or a bare tidy CSV named by
csvcubed's conventions, read as a cogs dataset config.

`translate` turns the csvcubed config into the data a `dataset.toml` would hold, plus the code
lists written inline (as code-list CSV text). A build reads it in place (`dataset_config`);
`cogs import-csvcubed` writes it out (`cogs.scaffold.write_import`). Every configuration error
csvcubed documents becomes a located `csvcubed.*` problem; where csvcubed's meaning needs
something a cogs config cannot say, the nearest faithful translation is made and a warning says
what differs (see docs/csvcubed.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogs.problems import CogsError, Location, Problem, Severity, errors

if TYPE_CHECKING:
    from cogs.config import DatasetConfig

CONFIG_FILE = "qube-config.json"
VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5")
_SCHEMA = re.compile(r"^https?://purl\.org/csv-cubed/qube-config/v(\d+\.\d+)(\.\d+)?#?$")

SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
REF_PERIOD = SDMX_DIMENSION + "refPeriod"
REF_AREA = SDMX_DIMENSION + "refArea"
OBS_STATUS = SDMX_ATTRIBUTE + "obsStatus"
REF_TIME = "http://reference.data.gov.uk/id/"
GEOGRAPHY = "http://statistics.data.gov.uk/id/statistical-geography/"

# csvcubed's column templates (readers/cubeconfig/v1_0/templates), bundled: cogs never fetches them.
_PERIOD_KINDS = {"year": "year", "half-year": "half", "quarter": "quarter", "month": "month", "week": "week",
                 "day": "day", "hour": "hour", "minute": "minute", "second": "second",
                 "government-year": "government-year", "government-half-year": "government-half",
                 "government-quarter": "government-quarter", "government-week": "government-week",
                 "gregorian-instant": "gregorian-instant", "gregorian-interval": "gregorian-interval",
                 "mixed-period": ""}
# Period kinds the bundled reference list of cogs recognises (cogs.reference.PERIOD_FORMS).
_COGS_PERIODS = {"year", "quarter", "month", "day", "government-year", ""}
TEMPLATES: dict[str, dict[str, Any]] = {
    **{name: {"type": "dimension", "from_existing": REF_PERIOD,
              "label": name.replace("-", " ").capitalize(),
              "cell_uri_template": f"{REF_TIME}{kind + '/' if kind else ''}{{+<column_name>}}"}
       for name, kind in _PERIOD_KINDS.items()},
    "statistical-geography": {"type": "dimension", "from_existing": REF_AREA, "label": "Statistical Geography",
                              "code_list": False, "cell_uri_template": GEOGRAPHY + "{+<column_name>}"},
    "observation-status": {"type": "attribute", "from_existing": OBS_STATUS, "label": "Observation Status"},
    "qudt": {"type": "units", "cell_uri_template": "http://qudt.org/vocab/unit/{+<column_name>}"},
}

# csvcubed's reserved titles for configuration by convention (readers/cubeconfig/v1/constants.py).
CONVENTION_NAMES = {
    "measures": {"measure", "measures", "measures column", "measure column", "measure type", "measure types"},
    "observations": {"observation", "observations", "obs", "values", "value", "val", "vals"},
    "units": {"unit", "units", "units column", "unit column", "unit type", "unit types"},
}

_KEYS = {
    "dimension": {"type", "from_template", "label", "description", "from_existing", "definition_uri",
                  "cell_uri_template", "code_list"},
    "attribute": {"type", "from_template", "label", "description", "from_existing", "definition_uri", "data_type",
                  "describes_observations", "values", "required", "cell_uri_template"},
    "measures": {"type", "values", "cell_uri_template"},
    "units": {"type", "from_template", "describes_observations", "values", "cell_uri_template"},
    "observations": {"type", "data_type", "unit", "measure"},
}
_TOP_KEYS = {"$schema", "id", "title", "description", "summary", "publisher", "creator", "themes", "keywords",
             "dataset_issued", "dataset_modified", "license", "public_contact_point_uri", "columns"}
_FAMILY_KEYS = ("publisher", "creator", "license", "themes", "public_contact_point_uri")
_VALUE_KEYS = {"label", "description", "from_existing", "definition_uri", "scaling_factor", "quantity_kind",
               "si_scaling_factor"}
_INTEGER_TYPES = {"integer", "long", "int", "short", "nonNegativeInteger", "positiveInteger", "unsignedLong",
                  "unsignedInt", "unsignedShort", "nonPositiveInteger", "negativeInteger"}
_DATA_TYPES = _INTEGER_TYPES | {"anyURI", "boolean", "date", "dateTime", "dateTimeStamp", "decimal", "double",
                                "float", "string", "language", "time"}
_MARKER = re.compile(r"^\[?(c|x|z|low|u|w|e|p|r)\]?$")
_VARIABLE = re.compile(r"\{[+#./;?&]?([^}]*)\}")
# Observation-status labels seen in csvcubed configs, by slug, and the GSS shorthand marker they mean.
STATUS_LABELS = {
    "confidential": "c", "suppressed": "c", "not-available": "x", "data-not-available": "x", "na": "x",
    "not-applicable": "z", "low": "low", "low-figure": "low", "low-reliability": "u", "no-data": "w",
    "estimated": "e", "estimate": "e", "provisional": "p", "revised": "r",
}


# -- JSON with positions ---------------------------------------------------------------------------

class _JsonError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def parse_json(text: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    """Parse JSON, also returning the offset where each object key (by key path) is written."""
    positions: dict[tuple[str, ...], int] = {}
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")

    def skip(i: int) -> int:
        found = ws.match(text, i)
        return found.end() if found else i

    def value(i: int, path: tuple[str, ...]) -> tuple[Any, int]:
        i = skip(i)
        if i >= len(text):
            raise _JsonError("unexpected end of the file", i)
        ch = text[i]
        if ch == "{":
            out: dict[str, Any] = {}
            i = skip(i + 1)
            if text.startswith("}", i):
                return out, i + 1
            while True:
                i = skip(i)
                if not text.startswith('"', i):
                    raise _JsonError("expected a quoted key", i)
                key, end = decoder.raw_decode(text, i)
                positions[path + (key,)] = i
                i = skip(end)
                if not text.startswith(":", i):
                    raise _JsonError("expected ':' after a key", i)
                out[key], i = value(i + 1, path + (key,))
                i = skip(i)
                if text.startswith(",", i):
                    i += 1
                    continue
                if text.startswith("}", i):
                    return out, i + 1
                raise _JsonError("expected ',' or '}'", i)
        if ch == "[":
            items: list[Any] = []
            i = skip(i + 1)
            if text.startswith("]", i):
                return items, i + 1
            while True:
                item, i = value(i, path + (str(len(items)),))
                items.append(item)
                i = skip(i)
                if text.startswith(",", i):
                    i += 1
                    continue
                if text.startswith("]", i):
                    return items, i + 1
                raise _JsonError("expected ',' or ']'", i)
        try:
            return decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise _JsonError(exc.msg, exc.pos) from None

    try:
        data, end = value(0, ())
    except RecursionError:
        raise _JsonError("nested too deeply", 0) from None
    if skip(end) != len(text):
        raise _JsonError("extra text after the JSON value", skip(end))
    return data, positions


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# -- helpers ---------------------------------------------------------------------------------------

def slug(text: str) -> str:
    """A cogs id for a title: lower-case letters, digits and hyphens."""
    out = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    return out or "x"


def csvw_name(title: str) -> str:
    """csvcubed's CSV-W column name for a title (utils/uri.py `csvw_column_name_safe`)."""
    return re.sub(r"[^\w]+", "_", title).lower()


def title_from_file_name(path: Path) -> str:
    """csvcubed's default title: `csv-data_file.csv` -> `Csv Data File`."""
    return " ".join(w.capitalize() for w in path.stem.replace("-", " ").replace("_", " ").split(" "))


def _expand(template: str, value: str) -> str:
    return _VARIABLE.sub(value, template, count=1)


if sys.platform == "win32":
    from pathlib import WindowsPath as _ConcretePath
else:
    from pathlib import PosixPath as _ConcretePath


class InlineFile(_ConcretePath):
    """A code list written inside a qube-config.json: read like a file, named after the config."""

    text: str

    @classmethod
    def of(cls, path: Path, text: str) -> InlineFile:
        made = cls(path)
        made.text = text
        return made

    def read_text(self, encoding: str | None = None, errors: str | None = None,
                  newline: str | None = None) -> str:
        return self.text


# -- translation -----------------------------------------------------------------------------------

@dataclass
class Translation:
    """A csvcubed config as cogs config data, with the code lists it writes inline."""

    config: Path | None
    csv: Path
    data: dict[str, Any] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)  # id -> code-list CSV text
    drop: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    positions: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)  # column title -> notes for dataset.toml
    recode: dict[str, dict[str, str]] = field(default_factory=dict)  # status labels read as GSS markers

    def where(self, *keys: str) -> Location:
        path = str(self.config or self.csv)
        for depth in range(len(keys), 0, -1):
            found = self.positions.get(tuple(keys[:depth]))
            if found:
                return Location(path, *found)
        return Location(path, 1, 1) if self.config else Location(path)

    def problem(self, code: str, message: str, keys: tuple[str, ...], hint: str,
                severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(code, message, self.where(*keys), severity, hint))


def read_config(path: Path) -> tuple[dict[str, Any], dict[tuple[str, ...], tuple[int, int]]]:
    """A qube-config.json parsed, with the line and column of every key; syntax errors located."""
    try:
        text = path.read_text("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise CogsError([Problem("csvcubed.missing-file", f"{path.name or path} is not a file", Location(str(path)),
                                 hint="give the path of a csvcubed JSON config")]) from None
    except UnicodeDecodeError as exc:
        raise CogsError([Problem("csvcubed.not-utf8", f"not UTF-8 text: {exc.reason}", Location(str(path)),
                                 hint="save the file as UTF-8")]) from None
    try:
        data, offsets = parse_json(text)
    except _JsonError as exc:
        raise CogsError([Problem("csvcubed.json-syntax", f"JSON syntax error: {exc}",
                                 Location(str(path), *_line_column(text, exc.offset)),
                                 hint="fix the JSON at this position")]) from None
    if not isinstance(data, dict):
        raise CogsError([Problem("csvcubed.json-syntax", "a qube-config.json holds one JSON object",
                                 Location(str(path), 1, 1), hint="wrap the config in { ... }")])
    return data, {k: _line_column(text, v) for k, v in offsets.items()}


def find_csv(folder: Path) -> Path | None:
    """The data CSV of a csvcubed dataset folder: `data.csv`, else the folder's only CSV."""
    if (folder / "data.csv").is_file():
        return folder / "data.csv"
    found = sorted(p for p in folder.glob("*.csv") if p.is_file())
    return found[0] if len(found) == 1 else None


def bare_csv(folder: Path) -> Path | None:
    """A folder with no config and one CSV whose header has a csvcubed observations title."""
    if (folder / "dataset.toml").is_file() or (folder / CONFIG_FILE).is_file():
        return None
    found = find_csv(folder)
    if found is None:
        return None
    try:
        with found.open("r", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return None
    return found if any(h.strip().lower() in CONVENTION_NAMES["observations"] for h in header) else None


def translate(config_path: Path | None, csv_path: Path) -> Translation:
    """The cogs config equivalent to a csvcubed config (None: configuration by convention alone)."""
    from cogs.table import read_table

    out = Translation(config_path, csv_path)
    config: dict[str, Any] = {}
    if config_path is not None:
        config, out.positions = read_config(config_path)
        _check_top(config, out)
    table = read_table(csv_path)
    header = table.header
    columns = config.get("columns", {}) if isinstance(config.get("columns", {}), dict) else {}
    if "columns" in config and not isinstance(config["columns"], dict):
        out.problem("csvcubed.bad-value", "`columns` must be an object mapping column titles to definitions",
                    ("columns",), "write \"columns\": { \"Title\": { \"type\": ... } }")
    for title in columns:
        if title not in header:
            close = [h for h in header if h.strip().lower() == title.strip().lower()]
            hint = f"the CSV has {close[0]!r}: match the title exactly" if close else \
                f"the CSV's columns are: {', '.join(header)}"
            out.problem("csvcubed.column-not-in-data", f"column {title!r} of the config is not in {csv_path.name}",
                        ("columns", title), f"{hint} (csvcubed: col-not-found-in-dat)")
    data: dict[str, Any] = {"columns": {}, "components": {}, "codelists": {}, "units": {}}
    _metadata(config, out, data, csv_path)
    values = {t: sorted({v for v in table.frame[t].to_list() if v is not None and v.strip()}) for t in header}
    kinds: dict[str, str] = {}
    definitions: dict[str, dict[str, Any]] = {}
    for title in header:
        given = columns.get(title)
        if given is False:
            out.drop.append(title)
            continue
        if given is None:
            definitions[title] = _convention(title)
            out.comments.setdefault(title, []).append("configured by csvcubed's naming conventions")
        elif isinstance(given, dict):
            definitions[title] = _with_template(title, given, out)
        else:
            out.problem("csvcubed.bad-column", f"column {title!r}: a column is an object, or false to leave it "
                        "out", ("columns", title), "write { \"type\": \"dimension\" } or false")
            continue
        kinds[title] = str(definitions[title].get("type", "dimension"))
    _check_shape(kinds, definitions, out)
    if errors(out.problems):
        return out
    for title, column in definitions.items():
        _check_keys(title, column, out)
    if errors(out.problems):
        return out
    observations = next((t for t, k in kinds.items() if k == "observations"), None)
    taken = {_builtin(c) for c in definitions.values()} - {""}  # built-in components used keep their ids
    pivoted = [t for t, k in kinds.items() if k == "observations"]
    if len(pivoted) > 1:
        _pivoted(pivoted, definitions, header, data, out, taken)
    for title, column in definitions.items():
        kind = kinds[title]
        if kind == "observations" and len(pivoted) > 1:
            continue
        handler = {"dimension": _dimension, "attribute": _attribute, "units": _units, "measures": _measures,
                   "observations": _observations}[kind]
        handler(title, column, values[title], observations, data, out, taken)
    for key in ("components", "codelists", "units"):
        if not data[key]:
            del data[key]
    if out.drop:
        out.comments.setdefault("", []).append(
            "left out (false in qube-config.json): " + ", ".join(repr(t) for t in out.drop))
    out.data = data
    return out


def _check_top(config: dict[str, Any], out: Translation) -> None:
    schema = config.get("$schema")
    if schema is None:
        out.problem("csvcubed.schema-version", "no \"$schema\": csvcubed needs to know the config's version", (),
                    "add \"$schema\": \"https://purl.org/csv-cubed/qube-config/v1.5\"", Severity.WARNING)
    else:
        found = _SCHEMA.match(str(schema))
        if not found or found.group(1) not in VERSIONS:
            out.problem("csvcubed.schema-version", f"$schema {schema!r} is not a qube-config version cogs reads "
                        f"({', '.join('v' + v for v in VERSIONS)})", ("$schema",),
                        "use https://purl.org/csv-cubed/qube-config/v1.0 ... v1.5")
    for key in config:
        if key not in _TOP_KEYS:
            out.problem("csvcubed.unknown-key", f"unknown key {key!r} in qube-config.json", (key,),
                        f"allowed keys: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("title", "description", "summary", "dataset_issued", "dataset_modified", "id"):
        if key in config and not isinstance(config[key], str):
            out.problem("csvcubed.bad-value", f"{key} must be a string", (key,), "write it in quotes")
    keywords = config.get("keywords")
    if keywords is not None and not isinstance(keywords, (str, list)):
        out.problem("csvcubed.bad-value", "keywords must be a string or a list of strings", ("keywords",),
                    "write \"keywords\": [\"...\"]")


def _date(text: str, out: Translation, key: str) -> str | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        out.problem("csvcubed.bad-date", f"{key} {text!r} is not an ISO 8601 date or date-time", (key,),
                    "write 2022-03-31 or 2022-03-31T12:54:30Z")
        return None


def _metadata(config: dict[str, Any], out: Translation, data: dict[str, Any], csv_path: Path) -> None:
    title = config.get("title") if isinstance(config.get("title"), str) else None
    data["title"] = title or title_from_file_name(csv_path)
    summary = config.get("summary") if isinstance(config.get("summary"), str) else ""
    description = config.get("description") if isinstance(config.get("description"), str) else ""
    data["description"] = description or summary or data["title"]
    if summary:
        data["summary"] = summary
    issued = _date(config["dataset_issued"], out, "dataset_issued") \
        if isinstance(config.get("dataset_issued"), str) else None
    if issued is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
        stamp = int(epoch) if epoch.isdigit() else csv_path.stat().st_mtime
        issued = dt.datetime.fromtimestamp(stamp, dt.timezone.utc).date().isoformat()
        which = "SOURCE_DATE_EPOCH" if epoch.isdigit() else "the CSV's modification date"
        if not errors(out.problems):
            out.problem("csvcubed.no-issued-date", f"no dataset_issued: {which}, {issued}, is used",
                        ("dataset_issued",), "add \"dataset_issued\": \"YYYY-MM-DD\" so the date does not "
                        "change when the file is copied", Severity.WARNING)
    data["issued"] = issued
    if isinstance(config.get("dataset_modified"), str):
        modified = _date(config["dataset_modified"], out, "dataset_modified")
        if modified:
            data["modified"] = modified
    keywords = config.get("keywords")
    if isinstance(keywords, str):
        data["keywords"] = [keywords]
    elif isinstance(keywords, list) and all(isinstance(k, str) for k in keywords) and keywords:
        data["keywords"] = keywords
    carried = [k for k in _FAMILY_KEYS if k in config]
    if carried:
        out.problem("csvcubed.family-metadata", f"{', '.join(carried)} {'belongs' if len(carried) == 1 else 'belong'} to the family in cogs "
                    "(family.toml), which applies them to every dataset it holds", (carried[0],),
                    "check family.toml says the same", Severity.INFO)


def _convention(title: str) -> dict[str, Any]:
    lowered = title.lower()
    for kind, names in CONVENTION_NAMES.items():
        if lowered in names:
            return {"type": kind}
    return {"type": "dimension", "label": title, "code_list": True}


def _with_template(title: str, column: dict[str, Any], out: Translation) -> dict[str, Any]:
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


def _check_shape(kinds: dict[str, str], columns: dict[str, dict[str, Any]], out: Translation) -> None:
    for title, kind in kinds.items():
        if kind not in _KEYS:
            out.problem("csvcubed.bad-column-type", f"column {title!r}: type {kind!r} is not one of "
                        f"{', '.join(sorted(_KEYS))}", ("columns", title, "type"), "use one of the listed types")
    observations = [t for t, k in kinds.items() if k == "observations"]
    if not observations:
        out.problem("csvcubed.no-observations", "no observations column", ("columns",),
                    "give one column \"type\": \"observations\" or title it Value (csvcubed: no-obsv-col)")
        return
    if len(observations) > 1:
        _check_pivoted(observations, kinds, columns, out)
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


_STRING_KEYS = ("label", "description", "from_existing", "definition_uri", "cell_uri_template",
                "describes_observations")


def _check_pivoted(observations: list[str], kinds: dict[str, str], columns: dict[str, dict[str, Any]],
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


def _pivoted(observations: list[str], columns: dict[str, dict[str, Any]], header: tuple[str, ...],
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
        ident = _id(slug(str(measure["label"])), taken)
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
    _observations(value, entry, [], None, data, out, taken)
    types = {str(columns[t].get("data_type", "decimal")) for t in observations}
    if len(types) > 1:
        data["columns"][value].pop("datatype", None)
        out.comments.setdefault(value, []).append(f"data types {', '.join(sorted(types))} published as decimal")
    out.comments.setdefault(into, []).append("csvcubed's pivoted shape, unpivoted: one row per observations "
                                             "column (" + ", ".join(repr(t) for t in observations) + ")")


def _check_keys(title: str, column: dict[str, Any], out: Translation) -> None:
    kind = column.get("type", "dimension")
    for key in _STRING_KEYS:
        if key in column and not isinstance(column[key], str):
            out.problem("csvcubed.bad-value", f"column {title!r}: {key} must be a string", ("columns", title, key),
                        "write it in quotes")
    if "required" in column and not isinstance(column["required"], bool):
        out.problem("csvcubed.bad-value", f"column {title!r}: required must be true or false",
                    ("columns", title, "required"), "write true or false")
    for key in column:
        if key not in _KEYS[kind] and key != "_template":
            out.problem("csvcubed.unknown-key", f"column {title!r}: {key!r} is not a key of a {kind} column",
                        ("columns", title, key), f"keys of a {kind} column: {', '.join(sorted(_KEYS[kind]))}")
    template = column.get("cell_uri_template")
    if template is not None:
        names = _VARIABLE.findall(str(template))
        if not names or any(n != csvw_name(title) for n in names):
            out.problem("csvcubed.template-variable", f"column {title!r}: cell_uri_template {template!r} must "
                        f"use the column's name {{+{csvw_name(title)}}}", ("columns", title, "cell_uri_template"),
                        "csvcubed names a column by its title in lower case with _ for other characters "
                        "(csvcubed: missing-uri-template-name-error)")
    data_type = column.get("data_type")
    if data_type is not None and (not isinstance(data_type, str) or data_type not in _DATA_TYPES):
        out.problem("csvcubed.bad-value", f"column {title!r}: data_type {data_type!r} is not an XSD type csvcubed "
                    "knows", ("columns", title, "data_type"), f"use one of {', '.join(sorted(_DATA_TYPES))}")
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
            unknown = sorted(set(item) - _VALUE_KEYS)
            if unknown:
                out.problem("csvcubed.unknown-key", f"column {title!r}: {unknown[0]!r} is not a key of a value",
                            ("columns", title, "values", str(i), unknown[0]),
                            f"keys of a value: {', '.join(sorted(_VALUE_KEYS))}")
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


def _id(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def _codelist_csv(rows: list[tuple[str, str, str, str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["label", "notation", "parent", "sort_priority", "description"])
    writer.writerows(rows)
    return buffer.getvalue()


def _concepts(items: list[Any], parent: str, rows: list[tuple[str, str, str, str, str]],
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
            _concepts(item["children"], notation, rows, keys + (str(i), "children"), out)


def _sorted_concepts(rows: list[tuple[str, str, str, str, str]], sort: Any) -> list[tuple[str, str, str, str, str]]:
    """A code list's `sort` ({by: label|notation, method: ascending|descending}) as sort priorities,
    for the concepts without a `sort_order` of their own (they come after those with one)."""
    if not isinstance(sort, dict):
        return rows
    by = 1 if sort.get("by") == "notation" else 0
    unordered = sorted((r for r in rows if not r[3]), key=lambda r: r[by], reverse=sort.get("method") == "descending")
    first = max((int(r[3]) for r in rows if r[3]), default=-1) + 1
    priority = {r[1]: str(first + i) for i, r in enumerate(unordered)}
    return [r if r[3] else (r[0], r[1], r[2], priority[r[1]], r[4]) for r in rows]


def _component(data: dict[str, Any], taken: set[str], title: str, kind: str, column: dict[str, Any]) -> str:
    ident = _id(slug(str(column.get("label") or title)), taken)
    component: dict[str, Any] = {"type": kind, "label": column.get("label") or title}
    if column.get("description"):
        component["description"] = column["description"]
    data["components"][ident] = component
    return ident


def _builtin(column: dict[str, Any]) -> str:
    """`period` or `geography` when a column maps onto that built-in component, else ``."""
    template = str(column.get("cell_uri_template") or "")
    if column.get("type", "dimension") != "dimension":
        return ""
    if template.startswith(GEOGRAPHY):
        return "geography"
    if template.startswith(REF_TIME) and template[len(REF_TIME):].split("{", 1)[0].strip("/") in _COGS_PERIODS:
        return "period"
    return ""


def _dimension(title: str, column: dict[str, Any], values: list[str], observations: str | None,
               data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    template = str(column.get("cell_uri_template") or "")
    existing = column.get("from_existing")
    notes = out.comments.setdefault(title, [])
    if template.startswith(REF_TIME):
        kind = template[len(REF_TIME):].split("{", 1)[0].strip("/")
        if kind in _COGS_PERIODS:
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
    ident = _component(data, taken, title, "dimension", column)
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
        _concepts(source["concepts"], "", rows, keys + ("concepts",), out)
        rows = _sorted_concepts(rows, source.get("sort"))
        out.codelists[ident] = _codelist_csv(rows)
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


def _attribute(title: str, column: dict[str, Any], values: list[str], observations: str | None,
               data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    existing = column.get("from_existing")
    template = column.get("cell_uri_template")
    notes = out.comments.setdefault(title, [])
    if column.get("required"):
        notes.append("required in csvcubed: cogs does not check that every row has a value")
    if existing == OBS_STATUS and column.get("data_type") is None and \
            all(_MARKER.match(v.strip()) or slug(v) in STATUS_LABELS for v in values):
        data["columns"][title] = {"role": "marker"}
        notes.append("observation status -> the marker role (GSS shorthand markers)")
        labels = {v: STATUS_LABELS[slug(v)] for v in values if not _MARKER.match(v.strip())}
        if labels:
            out.recode[title] = labels
        return
    ident = _component(data, taken, title, "attribute", column)
    component = data["components"][ident]
    if existing and not column.get("label") and column.get("data_type") is None:
        component["uri"] = existing
    elif existing:
        component["sub_property_of"] = existing
    data_type = column.get("data_type")
    if data_type is not None:
        if data_type in _INTEGER_TYPES:
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
        out.codelists[ident] = _codelist_csv(rows)
        data["codelists"][ident] = {"title": str(column.get("label") or title), "file": f"codelists/{ident}.csv"}
        component["codelist"] = ident
    else:
        component["codelist"] = "generated"
    data["columns"][title] = {"role": "attribute", "component": ident}


def _new_units(column: dict[str, Any], values: list[str], title: str, out: Translation,
               data: dict[str, Any], taken: set[str], keys: tuple[str, ...]) -> dict[str, str]:
    """Units declared from a units column: id -> label."""
    made: dict[str, str] = {}
    template = column.get("cell_uri_template")
    listed = column.get("values")
    items: list[dict[str, Any]] = listed if isinstance(listed, list) else [{"label": v} for v in values]
    for item in items:
        ident = _id(slug(str(item["label"])), taken)
        unit: dict[str, Any] = {"label": str(item["label"])}
        if item.get("description"):
            unit["description"] = str(item["description"])
        if template:
            unit["uri"] = _expand(str(template), str(item["label"]))
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


def _units(title: str, column: dict[str, Any], values: list[str], observations: str | None,
           data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    _new_units(column, values, title, out, data, set(data["units"]), ("columns", title))
    data["columns"][title] = {"role": "unit"}


def _measures(title: str, column: dict[str, Any], values: list[str], observations: str | None,
              data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    template = column.get("cell_uri_template")
    listed = column.get("values")
    items: list[dict[str, Any]] = listed if isinstance(listed, list) else [{"label": v} for v in values]
    for item in items:
        ident = _id(slug(str(item["label"])), taken)
        measure: dict[str, Any] = {"type": "measure", "label": str(item["label"])}
        if item.get("description"):
            measure["description"] = str(item["description"])
        if template:
            measure["uri"] = _expand(str(template), str(item["label"]))
        elif item.get("from_existing"):
            measure["sub_property_of"] = str(item["from_existing"])
        data["components"][ident] = measure
    data["columns"][title] = {"role": "measure-type"}


def _observations(title: str, column: dict[str, Any], values: list[str], observations: str | None,
                  data: dict[str, Any], out: Translation, taken: set[str]) -> None:
    entry: dict[str, Any] = {"role": "observations"}
    data_type = column.get("data_type", "decimal")
    if data_type in _INTEGER_TYPES:
        entry["datatype"] = "integer"
    elif data_type in ("double", "float"):
        entry["datatype"] = "double"
    elif data_type != "decimal":
        out.problem("csvcubed.datatype", f"column {title!r}: observations of data_type {data_type!r} are not "
                    "numbers", ("columns", title, "data_type"), "cogs observations are decimal, integer or double")
    measure = column.get("measure")
    if isinstance(measure, dict):
        ident = _id(slug(str(measure["label"])), taken)
        component: dict[str, Any] = {"type": "measure", "label": str(measure["label"])}
        if measure.get("description"):
            component["description"] = str(measure["description"])
        if measure.get("from_existing"):
            component["sub_property_of"] = str(measure["from_existing"])
        data["components"][ident] = component
        entry["measure"] = ident
    unit = column.get("unit")
    if isinstance(unit, dict):
        made = _new_units({"values": [unit]}, [], title, out, data, set(data["units"]), ("columns", title, "unit"))
        entry["unit"] = next(iter(made))
    data["columns"][title] = entry


# -- in a build ------------------------------------------------------------------------------------

def dataset_config(folder: Path) -> DatasetConfig | None:
    """The DatasetConfig of a folder holding qube-config.json or a bare tidy CSV; None if neither."""
    from cogs.config import dataset_from_data

    config_path: Path | None = folder / CONFIG_FILE
    if config_path is not None and config_path.is_file():
        csv_path = find_csv(folder)
        if csv_path is None:
            raise CogsError([Problem("csvcubed.which-csv", f"{folder.name} holds {CONFIG_FILE} but not one CSV",
                                     Location(str(config_path)), hint="name the data data.csv, or keep one CSV "
                                     "in the folder")])
    else:
        csv_path = bare_csv(folder)
        if csv_path is None:
            return None
        config_path = None
    found = translate(config_path, csv_path)
    if errors(found.problems):
        raise CogsError(found.problems)
    from cogs.config import check_schema

    unchecked = check_schema(found.data, "", config_path or csv_path, "dataset")
    if unchecked:  # a translation cogs cannot publish: say so rather than fail later
        raise CogsError([Problem("csvcubed.untranslatable", p.message, p.location,
                                 hint="this csvcubed config uses something cogs cannot express; see "
                                      "docs/csvcubed.md") for p in unchecked])
    files: dict[str, Path] = {}
    for ident, text in found.codelists.items():
        files[ident] = InlineFile.of(config_path or csv_path, text)
    data = dict(found.data, data=csv_path.name)
    where = config_path or csv_path
    return dataset_from_data(folder, where, data,
                             lambda keys: found.positions.get(tuple(keys)) if config_path else None,
                             codelist_files=files, drop=tuple(found.drop), notes=tuple(found.problems),
                             recode=found.recode)
