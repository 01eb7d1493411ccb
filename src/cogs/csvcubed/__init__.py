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
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cogs.csvcubed.checks import check_keys, check_shape, check_top
from cogs.csvcubed.columns import (
    attribute_column,
    builtin_component,
    by_convention,
    dimension_column,
    measures_column,
    observations_column,
    units_column,
    unpivot_observations,
    with_template,
)
from cogs.csvcubed.jsonpos import parse_json
from cogs.csvcubed.translation import Translation, read_config
from cogs.csvcubed.vocabulary import (
    CONFIG_FILE,
    CONVENTION_NAMES,
    FAMILY_KEYS,
    STATUS_LABELS,
    TEMPLATES,
    VERSIONS,
    csvw_name,
    slug,
    title_from_file_name,
)
from cogs.problems import CogsError, Location, Problem, Severity, errors

if TYPE_CHECKING:
    from cogs.config import DatasetConfig

__all__ = ["CONFIG_FILE", "CONVENTION_NAMES", "STATUS_LABELS", "TEMPLATES", "VERSIONS", "InlineFile", "Translation",
           "bare_csv", "csvw_name", "dataset_config", "find_csv", "parse_json", "read_config", "slug", "translate"]

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
        check_top(config, out)
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
            definitions[title] = by_convention(title)
            out.comments.setdefault(title, []).append("configured by csvcubed's naming conventions")
        elif isinstance(given, dict):
            definitions[title] = with_template(title, given, out)
        else:
            out.problem("csvcubed.bad-column", f"column {title!r}: a column is an object, or false to leave it "
                        "out", ("columns", title), "write { \"type\": \"dimension\" } or false")
            continue
        kinds[title] = str(definitions[title].get("type", "dimension"))
    check_shape(kinds, definitions, out)
    if errors(out.problems):
        return out
    for title, column in definitions.items():
        check_keys(title, column, out)
    if errors(out.problems):
        return out
    observations = next((t for t, k in kinds.items() if k == "observations"), None)
    taken = {builtin_component(c) for c in definitions.values()} - {""}  # built-in components used keep their ids
    pivoted = [t for t, k in kinds.items() if k == "observations"]
    if len(pivoted) > 1:
        unpivot_observations(pivoted, definitions, header, data, out, taken)
    for title, column in definitions.items():
        kind = kinds[title]
        if kind == "observations" and len(pivoted) > 1:
            continue
        handler = {"dimension": dimension_column, "attribute": attribute_column, "units": units_column, "measures": measures_column,
                   "observations": observations_column}[kind]
        handler(title, column, values[title], observations, data, out, taken)
    for key in ("components", "codelists", "units"):
        if not data[key]:
            del data[key]
    if out.drop:
        out.comments.setdefault("", []).append(
            "left out (false in qube-config.json): " + ", ".join(repr(t) for t in out.drop))
    out.data = data
    return out


def _date(text: str, out: Translation, key: str) -> str | None:
    try:
        return dt.datetime.fromisoformat(text).date().isoformat()
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
        issued = dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()
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
    carried = [k for k in FAMILY_KEYS if k in config]
    if carried:
        out.problem("csvcubed.family-metadata", f"{', '.join(carried)} {'belongs' if len(carried) == 1 else 'belong'} to the family in cogs "
                    "(family.toml), which applies them to every dataset it holds", (carried[0],),
                    "check family.toml says the same", Severity.INFO)


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
