"""Writing dataset configs for a publisher to edit: `cogs new` (roles inferred from a table) and
`cogs import-csvcubed` (a csvcubed qube-config.json translated).

Both write a commented `dataset.toml` that builds as written, and code-list CSVs under
`codelists/`. Inference is over whole columns (polars), so a large table scaffolds quickly.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cogs.csvcubed import CONVENTION_NAMES, Translation, slug, translate
from cogs.problems import CogsError, Location, Problem
from cogs.reference import GSS_CODE, period_paths
from cogs.spreadsheet import is_spreadsheet
from cogs.table import DataPath, ReadOptions, read_table

MARKER = r"^\[?(c|x|z|low|u|w|e|p|r)\]?$"
NUMBER = r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(\s*\[(c|x|z|low|u|w|e|p|r)\])?$|^\[(c|x|z|low|u|w|e|p|r)\]$"
CODELIST_LIMIT = 200  # dimensions with more distinct codes get a generated code list
FAMILY_TEMPLATE = '''# The family: catalogue metadata shared by its datasets (see docs/config.md). Edit every value.
title = "{title}"
description = "TODO: describe the family of datasets."
themes = ["TODO"]
publisher = "TODO: publishing organisation"
contact_point = "mailto:TODO@example.org"
license = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
'''


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _quote(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return _quote(str(value))


def dataset_toml(data: dict[str, Any], comments: dict[str, list[str]], header: list[str]) -> str:
    """A dataset.toml for config `data`: top-level keys, then one table per column, component, list, unit."""
    lines = [f"# {line}" if line else "#" for line in header]
    for key in ("title", "summary", "description", "issued", "modified", "keywords", "landing_page", "source",
                "data", "encoding", "sheet", "range", "unpivot", "ignore_columns"):
        if key in data:
            lines.append(f"{key} = {_value(data[key])}")
    for note in comments.get("", []):
        lines.append(f"# {note}")
    for title, column in data["columns"].items():
        lines.append("")
        for note in comments.get(title, []):
            lines.append(f"# {note}")
        lines.append(f"[columns.{_key(title)}]")
        for key, value in column.items():
            lines.append(f"{key} = {_value(value)}")
    for section in ("components", "codelists", "units"):
        for ident, item in data.get(section, {}).items():
            lines.append("")
            for note in comments.get(f"{section}.{ident}", []):
                lines.append(f"# {note}")
            lines.append(f"[{section}.{_key(ident)}]")
            for key, value in item.items():
                lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _refuse_overwrite(folder: Path, force: bool) -> None:
    if (folder / "dataset.toml").exists() and not force:
        raise CogsError([Problem("new.exists", f"{folder / 'dataset.toml'} already exists",
                                 Location(str(folder / "dataset.toml")), hint="use --force to replace it")])


def write_import(config: Path, out: Path | None = None, csv: Path | None = None, *, force: bool = False) -> Path:
    """Write the cogs dataset.toml (and code-list CSVs) equivalent to a csvcubed qube-config.json."""
    from cogs.csvcubed import find_csv
    from cogs.problems import errors

    folder = out or config.parent
    data_file = csv or find_csv(config.parent)
    if data_file is None:
        raise CogsError([Problem("csvcubed.which-csv", f"which CSV does {config.name} describe?",
                                 Location(str(config)), hint="pass --csv PATH")])
    found: Translation = translate(config, data_file)
    if errors(found.problems):
        raise CogsError(found.problems)
    _refuse_overwrite(folder, force)
    folder.mkdir(parents=True, exist_ok=True)
    data = dict(found.data)
    data["data"] = _relative(data_file, folder)
    comments = found.comments
    if found.drop:
        data["ignore_columns"] = list(found.drop)
        comments[""] = [c for c in comments.get("", []) if not c.startswith("left out")]
    for problem in found.problems:
        comments.setdefault("", []).append(f"{problem.severity}[{problem.code}] {problem.message}")
    for title, mapping in found.recode.items():
        data["columns"][title] = {**data["columns"][title], "markers": dict(sorted(mapping.items()))}
    header = [f"Translated from {config.name} by cogs import-csvcubed; see docs/csvcubed.md.", ""]
    for ident, text in found.codelists.items():
        target = folder / "codelists" / f"{ident}.csv"
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, "utf-8")
    path = folder / "dataset.toml"
    path.write_text(dataset_toml(data, comments, header), "utf-8")
    return path


def _relative(path: Path, folder: Path) -> str:
    import os

    return Path(os.path.relpath(path.absolute(), folder.absolute())).as_posix()


@dataclass
class Proposal:
    """A dataset config inferred from a table, with why each column got its role."""

    data: dict[str, Any]
    comments: dict[str, list[str]] = field(default_factory=dict)
    codelists: dict[str, str] = field(default_factory=dict)  # id -> code-list CSV text


def propose(csv: Path, title: str | None = None, sheet: str | None = None, cell_range: str | None = None) -> Proposal:
    """Infer each column's role from its title and codes: period, geography, observations, unit, measure, marker."""
    table = read_table(DataPath.of(csv, ReadOptions(sheet=sheet, range=cell_range)))
    frame = table.frame
    data: dict[str, Any] = {"title": title or csv.stem.replace("-", " ").replace("_", " ").capitalize(),
                            "description": "TODO: describe the dataset: what is measured, where and when.",
                            "issued": dt.date.today().isoformat(), "columns": {}, "components": {}, "codelists": {}, "units": {}}
    out = Proposal(data)
    numeric: list[str] = []
    roles: dict[str, str] = {}
    for t in table.header:
        values = frame[t].drop_nulls().str.strip_chars()
        values = values.filter(values != "")
        lowered = t.strip().lower()
        if values.len() and values.str.contains(MARKER).all():
            roles[t] = "marker"
        elif lowered in CONVENTION_NAMES["units"]:
            roles[t] = "unit"
        elif lowered in CONVENTION_NAMES["measures"]:
            roles[t] = "measure-type"
        elif values.len() and pl.select(period_paths(pl.lit(values))).to_series().is_not_null().all() \
                and not (values.str.contains(r"^\d{4}$").all() and lowered in CONVENTION_NAMES["observations"]):
            roles[t] = "period"
        elif values.len() and values.str.contains(GSS_CODE).all():
            roles[t] = "geography"
        elif values.len() and values.str.contains(NUMBER).all():
            numeric.append(t)
            roles[t] = "number"
        else:
            roles[t] = "dimension"
    named = [t for t in numeric if t.strip().lower() in CONVENTION_NAMES["observations"]]
    chosen = named or numeric[-1:]
    if not chosen:
        raise CogsError([Problem("new.no-observations", f"no column of {csv.name} holds numbers",
                                 Location(str(csv), 1, 1), hint="the table needs one column of numeric values")])
    value = chosen[0]
    components: set[str] = set()
    for t in table.header:
        role = roles[t]
        distinct = sorted(frame[t].drop_nulls().str.strip_chars().unique().to_list())
        notes = out.comments.setdefault(t, [])
        if t == value:
            data["columns"][t] = {"role": "observations"}
            notes.append("the numeric values (markers such as [x] and [p] are allowed in cells)")
        elif role == "period":
            data["columns"][t] = {"role": "dimension", "component": "period"}
            notes.append("period codes (years, quarters, months, government years): the built-in period dimension")
        elif role == "geography":
            data["columns"][t] = {"role": "dimension", "component": "geography"}
            notes.append("GSS statistical geography codes: the built-in geography dimension")
        elif role == "marker":
            data["columns"][t] = {"role": "marker"}
            notes.append("GSS shorthand markers: the observation status")
        elif role == "unit":
            data["columns"][t] = {"role": "unit"}
            for v in distinct:
                data["units"][_unique(slug(v), data["units"])] = {"label": v}
            notes.append("units of measure: each is declared under [units] below; edit the labels")
        elif role == "measure-type":
            data["columns"][t] = {"role": "measure-type"}
            for v in distinct:
                ident = _unique(slug(v), components)
                data["components"][ident] = {"type": "measure", "label": v}
            notes.append("measures: each is declared under [components] below; edit the labels")
        else:
            ident = _unique(slug(t), components)
            component: dict[str, Any] = {"type": "dimension", "label": t.strip()}
            if role == "number":
                notes.append("numbers, but not the observations: a dimension (change to an attribute if it "
                             "describes the value)")
            if len(distinct) <= CODELIST_LIMIT:
                component["codelist"] = ident
                data["codelists"][ident] = {"title": t.strip(), "file": f"codelists/{ident}.csv"}
                out.codelists[ident] = "label,notation\n" + "".join(
                    f"{_csv_cell(v)},{_csv_cell(v)}\n" for v in distinct)
                notes.append(f"{len(distinct)} codes: proposed code list codelists/{ident}.csv (edit the labels)")
            else:
                component["codelist"] = "generated"
                notes.append(f"{len(distinct)} codes: a code list generated from the data")
            data["components"][ident] = component
            data["columns"][t] = {"role": "dimension", "component": ident}
    has_unit = any(c["role"] == "unit" for c in data["columns"].values())
    has_measure = any(c["role"] == "measure-type" for c in data["columns"].values())
    if not has_measure:
        data["components"]["value"] = {"type": "measure", "label": value.strip()}
        data["columns"][value]["measure"] = "value"
        out.comments[value].append("TODO: name the measure (components.value below)")
    if not has_unit:
        data["units"]["count"] = {"label": "Count"}
        data["columns"][value]["unit"] = "count"
        out.comments[value].append("TODO: set the unit (units.count below)")
    for key in ("components", "codelists", "units"):
        if not data[key]:
            del data[key]
    return out


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if re.search(r'[",\n\r]', value) else value


def _unique(base: str, taken: set[str] | dict[str, Any]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    if isinstance(taken, set):
        taken.add(name)
    return name


def new_dataset(folder: Path, source: Path, *, sheet: str | None = None, cell_range: str | None = None,
                force: bool = False) -> Path:
    """Scaffold a dataset folder from a table: copy it in (a CSV as data.csv, a workbook by its name) and
    write a commented dataset.toml."""
    if not source.is_file():
        raise CogsError([Problem("new.missing-file", f"{source} not found", Location(str(source)),
                                 hint="pass --from PATH to the tidy CSV")])
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", folder.name):
        raise CogsError([Problem("config.bad-folder-name", f"dataset folder name {folder.name!r} cannot be a URI "
                                 "segment", Location(str(folder)), hint="use lower-case letters, digits and "
                                 "hyphens")])
    _refuse_overwrite(folder, force)
    proposal = propose(source, folder.name.replace("-", " ").capitalize(), sheet, cell_range)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (source.name if is_spreadsheet(source) else "data.csv")
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    proposal.data["data"] = target.name
    if sheet is not None:
        proposal.data["sheet"] = sheet
    if cell_range is not None:
        proposal.data["range"] = cell_range
    for ident, text in proposal.codelists.items():
        (folder / "codelists").mkdir(exist_ok=True)
        (folder / "codelists" / f"{ident}.csv").write_text(text, "utf-8")
    header = [f"Dataset config proposed by `cogs new` from {source.name}. It builds as written:",
              "edit the TODOs, titles and labels (reference: docs/config.md)."]
    path = folder / "dataset.toml"
    path.write_text(dataset_toml(proposal.data, proposal.comments, header), "utf-8")
    family = folder.parent / "family.toml"
    if not family.exists():
        family.write_text(FAMILY_TEMPLATE.format(title=folder.parent.name.replace("-", " ").capitalize()), "utf-8")
    return path
