"""Load site, family and dataset configs: TOML checked against the published JSON Schemas.

Problems point at the file, line and column of the offending key, found by reading the TOML
text: tomllib keeps no positions, so `locate_key` walks the table headers and keys instead.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from cogs.problems import CogsError, Location, Problem
from cogs.table import DataPath, ReadOptions, Unpivot

SITE_FILE = "site.toml"
FAMILY_FILE = "family.toml"
DATASET_FILE = "dataset.toml"
QUBE_CONFIG_FILE = "qube-config.json"  # a csvcubed config, read by cogs.csvcubed


@dataclass(frozen=True)
class ComponentConfig:
    id: str
    type: str
    label: str
    description: str = ""
    codelist: str | None = None
    datatype: str | None = None
    sub_property_of: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class CodeListConfig:
    id: str
    title: str
    file: Path
    description: str = ""


@dataclass(frozen=True)
class UnitConfig:
    id: str
    label: str
    description: str = ""
    uri: str | None = None


@dataclass(frozen=True)
class ColumnConfig:
    title: str
    role: str
    component: str | None = None
    measure: str | None = None
    unit: str | None = None
    datatype: str | None = None
    description: str = ""
    location: Location | None = None


@dataclass(frozen=True)
class Definitions:
    """Code lists, components and units declared in a family or a dataset config."""

    codelists: dict[str, CodeListConfig] = field(default_factory=dict)
    components: dict[str, ComponentConfig] = field(default_factory=dict)
    units: dict[str, UnitConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    base_uri: str
    title: str
    description: str = ""
    publisher: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class DatasetConfig:
    id: str
    path: Path
    title: str
    description: str
    issued: str
    columns: dict[str, ColumnConfig]
    data: Path
    encoding: str | None = None  # None: UTF-8, or Windows-1252 detected with a warning
    summary: str = ""
    modified: str | None = None
    keywords: tuple[str, ...] = ()
    landing_page: str | None = None
    source: tuple[str, ...] = ()
    definitions: Definitions = field(default_factory=Definitions)
    publisher: str | None = None  # each of these three overrides the family's
    publisher_uri: str | None = None
    contact_point: str | None = None


@dataclass(frozen=True)
class CsvwDatasetConfig:
    """A dataset given only as CSVW: its metadata document, and catalogue fields that fill its gaps."""

    id: str
    path: Path  # dataset.toml, or the metadata document itself when there is no dataset.toml
    metadata: Path
    fields: dict[str, Any] = field(default_factory=dict)  # csvw-dataset.schema.json keys other than csvw
    locations: dict[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class FamilyConfig:
    id: str
    path: Path
    title: str
    description: str
    themes: tuple[str, ...]
    publisher: str
    contact_point: str
    license: str
    datasets: tuple[DatasetConfig, ...]
    publisher_uri: str | None = None
    definitions: Definitions = field(default_factory=Definitions)
    csvw_datasets: tuple[CsvwDatasetConfig, ...] = ()


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    site: SiteConfig
    families: tuple[FamilyConfig, ...]


@cache
def schema(name: str) -> dict[str, Any]:
    """The published JSON Schema for `site`, `family` or `dataset` config files."""
    text = resources.files("cogs").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _plain(value: Any) -> Any:
    """TOML values as JSON values: dates become ISO strings so one schema covers both spellings."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; a syntax error becomes a located `config.toml-syntax` problem."""
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise CogsError([Problem("config.missing-file", f"{path.name} not found", Location(str(path)),
                                 hint=f"create {path.name} (see docs/config.md)")]) from None
    except UnicodeDecodeError as exc:
        raise CogsError([Problem("config.not-utf8", f"not UTF-8 text: {exc.reason}", Location(str(path)),
                                 hint="save the file as UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        message = str(exc)
        found = _TOML_POSITION.search(message)
        if found:
            line, column = int(found.group(1)), int(found.group(2))
            message = message[: found.start()].strip()
        raise CogsError([Problem("config.toml-syntax", f"TOML syntax error: {message}",
                                 Location(str(path), line, column),
                                 hint="fix the TOML syntax at this position")]) from None
    return _plain(data), text


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+)((?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[A-Za-z0-9_-]+))*)\s*=')


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', text)
    return [a or b or c for a, b, c in parts]


def locate_key(text: str, keys: list[str]) -> tuple[int, int] | None:
    """The 1-based (line, column) where the key path `keys` is written in TOML `text`.

    Handles `[a.b]` headers, dotted keys and plain `key = value` lines; returns the deepest
    prefix of the path that can be found, so a problem inside a value points at its key.
    """
    best: tuple[int, int] | None = None
    best_depth = 0
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        header = _HEADER.match(line)
        key = None if header else _KEY.match(line)
        if header:
            table = _split_dotted(header.group(1))
            path = table
        elif key:
            path = table + _split_dotted(key.group(1) + key.group(2))
        else:
            continue
        depth = min(len(path), len(keys))
        if depth > best_depth and path[:depth] == keys[:depth]:
            best, best_depth = (number, len(line) - len(line.lstrip()) + 1), depth
    return best


def check_schema(data: dict[str, Any], text: str, path: Path, name: str) -> list[Problem]:
    """Validate parsed config against its JSON Schema; each error located at its key."""
    validator = jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        keys = [str(p) for p in error.absolute_path]
        code, message, hint = _describe(error, keys, name)
        if code == "config.unknown-key":
            keys = keys + [message.split("'")[1]]
        position = locate_key(text, keys)
        line, column = position if position else (None, None)
        problems.append(Problem(code, message, Location(str(path), line, column), hint=hint))
    return problems


def _describe(error: jsonschema.ValidationError, keys: list[str], name: str) -> tuple[str, str, str]:
    where = ".".join(keys) or "the file"
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return ("config.unknown-key", f"unknown key '{unknown[0]}' in {where}",
                f"allowed keys here: {allowed} (see docs/config.md)")
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return ("config.missing-key", f"required key '{missing}' missing in {where}",
                f"add {missing} = ... (see docs/config.md)")
    if error.validator == "enum":
        options = ", ".join(str(o) for o in error.validator_value)
        return ("config.bad-value", f"{where} = {error.instance!r} is not one of: {options}",
                "use one of the listed values")
    if error.validator == "propertyNames":
        return ("config.bad-id", f"{error.instance!r} is not a valid id in {where}",
                "ids are lower-case letters, digits and hyphens")
    return ("config.bad-value", f"{where}: {error.message}", f"see the {name} schema in docs/config.md")


def _definitions(data: dict[str, Any], base: Path) -> Definitions:
    return Definitions(
        codelists={k: CodeListConfig(k, v["title"], _join(base, v["file"]), v.get("description", ""))
                   for k, v in sorted(data.get("codelists", {}).items())},
        components={k: ComponentConfig(k, v["type"], v["label"], v.get("description", ""), v.get("codelist"),
                                       v.get("datatype"), v.get("sub_property_of"), v.get("uri"))
                    for k, v in sorted(data.get("components", {}).items())},
        units={k: UnitConfig(k, v["label"], v.get("description", ""), v.get("uri"))
               for k, v in sorted(data.get("units", {}).items())},
    )


def _join(base: Path, relative: str) -> Path:
    """A path relative to a config file's folder, with `..` folded so messages read cleanly."""
    return Path(os.path.normpath(base / relative))


def load_site(root: Path) -> SiteConfig:
    path = root / SITE_FILE
    data, text = read_toml(path)
    problems = check_schema(data, text, path, "site")
    if problems:
        raise CogsError(problems)
    return SiteConfig(path, data["base_uri"], data["title"], data.get("description", ""),
                      data.get("publisher"), data.get("license"))


# Built-in components whose single value still joins a table to others (a UK-only table's area,
# a one-year table's period): a constant column of these is expected, not worth a warning.
JOINABLE = frozenset({"period", "geography"})


def load_dataset(folder: Path, family_id: str) -> DatasetConfig:
    """A dataset folder's config: `dataset.toml`, else a csvcubed `qube-config.json` or a bare tidy CSV."""
    path = folder / DATASET_FILE
    if not path.is_file():
        from cogs import csvcubed

        found = csvcubed.dataset_config(folder)
        if found is not None:
            return found
    data, text = read_toml(path)
    problems = check_schema(data, text, path, "dataset")
    if problems:
        raise CogsError(problems)
    return dataset_from_data(folder, path, data, lambda keys: locate_key(text, keys))


def dataset_from_data(folder: Path, path: Path, data: dict[str, Any],
                      locate: Callable[[list[str]], tuple[int, int] | None], *,
                      codelist_files: dict[str, Path] | None = None, drop: tuple[str, ...] = (),
                      notes: tuple[Problem, ...] = (),
                      recode: dict[str, dict[str, str]] | None = None) -> DatasetConfig:
    """A DatasetConfig from checked config data; `locate` finds the line and column of a key path."""
    columns = {}
    for title, col in data["columns"].items():
        where = Location(str(path), *(locate(["columns", title]) or (None, None)))
        columns[title] = ColumnConfig(title, col["role"], col.get("component"), col.get("measure"),
                                      col.get("unit"), col.get("datatype"), col.get("description", ""), where)
    unpivot = data.get("unpivot")
    recode = dict(recode or {})
    for title, col in data["columns"].items():
        if col.get("markers"):
            recode[title] = {**recode.get(title, {}), **col["markers"]}
    options = ReadOptions(
        sheet=data.get("sheet"), range=data.get("range"),
        unpivot=Unpivot(tuple([unpivot["columns"]] if isinstance(unpivot["columns"], str) else unpivot["columns"]),
                        unpivot["into"], unpivot["value"], dict(unpivot.get("names", {}))) if unpivot else None,
        drop=tuple(drop) + tuple(data.get("ignore_columns", ())), constant_check=tuple(t for t, c in columns.items() if c.role in ("dimension", "attribute")
                                                    and c.component not in JOINABLE),
        location=Location(str(path), *(locate(["data"]) or locate(["sheet"]) or (None, None))),
        key_locations={key: Location(str(path), *(locate([key]) or (None, None)))
                       for key in ("sheet", "range", "unpivot") if key in data},
        notes=notes, recode=recode,
        declared=tuple(t for t, c in data["columns"].items() if c.get("markers")))
    definitions = _definitions(data, folder)
    if codelist_files:
        definitions = Definitions(
            {k: replace(v, file=codelist_files.get(k, v.file)) for k, v in definitions.codelists.items()},
            definitions.components, definitions.units)
    return DatasetConfig(
        id=folder.name, path=path, title=data["title"], description=data["description"],
        issued=data["issued"], columns=columns,
        data=DataPath.of(_join(folder, data.get("data", "data.csv")), options),
        encoding=data.get("encoding"), summary=data.get("summary", ""),
        modified=data.get("modified"), keywords=tuple(data.get("keywords", ())),
        landing_page=data.get("landing_page"), source=tuple(data.get("source", ())),
        definitions=definitions, publisher=data.get("publisher"), publisher_uri=data.get("publisher_uri"),
        contact_point=data.get("contact_point"),
    )


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def is_dataset_folder(folder: Path) -> bool:
    """A folder with `dataset.toml`, a csvcubed `qube-config.json`, a CSVW metadata document
    (see docs/families.md) or one bare tidy CSV (see docs/csvcubed.md)."""
    if not folder.is_dir():
        return False
    if (folder / DATASET_FILE).is_file() or (folder / QUBE_CONFIG_FILE).is_file() or csvw_documents(folder):
        return True
    from cogs import csvcubed

    return csvcubed.bare_csv(folder) is not None


CSVW_SUFFIX = "-metadata.json"


def csvw_documents(folder: Path) -> list[Path]:
    """CSVW metadata documents (`*-metadata.json`) of a folder that has no other dataset config."""
    if (folder / DATASET_FILE).is_file() or (folder / QUBE_CONFIG_FILE).is_file():
        return []
    return sorted(p for p in folder.glob(f"*{CSVW_SUFFIX}") if p.is_file())


def load_csvw_dataset(folder: Path) -> CsvwDatasetConfig | None:
    """The config of a dataset given as CSVW, or None when `folder` holds a dataset of another kind.

    Either `dataset.toml` names the metadata document with `csvw = "..."` (and may give catalogue
    fields the CSVW lacks), or the folder has no config and exactly one `*-metadata.json`.
    """
    path = folder / DATASET_FILE
    if path.is_file():
        data, text = read_toml(path)
        if "csvw" not in data:
            return None
        problems = check_schema(data, text, path, "csvw-dataset")
        if problems:
            raise CogsError(problems)
        locations = {k: Location(str(path), *(locate_key(text, [k]) or (None, None))) for k in data}
        fields = {k: v for k, v in data.items() if k != "csvw"}
        return CsvwDatasetConfig(folder.name, path, _join(folder, data["csvw"]), fields, locations)
    found = csvw_documents(folder)
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise CogsError([Problem("config.csvw-ambiguous", f"{len(found)} CSVW metadata documents: {names}",
                                 Location(str(folder)),
                                 hint=f'add a {DATASET_FILE} with csvw = "<one of them>" (see docs/families.md)')])
    return CsvwDatasetConfig(folder.name, found[0], found[0])


def load_family(folder: Path) -> FamilyConfig:
    path = folder / FAMILY_FILE
    data, text = read_toml(path)
    problems = check_schema(data, text, path, "family")
    datasets = []
    csvw_datasets = []
    for sub in sorted(p for p in folder.iterdir() if is_dataset_folder(p)):
        if not _ID.match(sub.name):
            problems.append(Problem("config.bad-folder-name", f"dataset folder name {sub.name!r} cannot be a URI segment",
                                    Location(str(sub)), hint="rename it with lower-case letters, digits and hyphens"))
            continue
        try:
            given_as_csvw = load_csvw_dataset(sub)
            if given_as_csvw is not None:
                csvw_datasets.append(given_as_csvw)
            else:
                datasets.append(load_dataset(sub, folder.name))
        except CogsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CogsError(problems)
    return FamilyConfig(
        id=folder.name, path=path, title=data["title"], description=data["description"],
        themes=tuple(data["themes"]), publisher=data["publisher"], contact_point=data["contact_point"],
        license=data["license"], datasets=tuple(datasets), publisher_uri=data.get("publisher_uri"),
        definitions=_definitions(data, folder), csvw_datasets=tuple(csvw_datasets),
    )


def load_project(root: Path) -> ProjectConfig:
    """Every config under `root`: `site.toml` and each `<family>/family.toml` with its datasets."""
    if not root.is_dir():
        raise CogsError([Problem("config.no-families-folder", f"{root} is not a folder", Location(str(root)),
                                 hint="pass the folder holding site.toml and one folder per family")])
    problems: list[Problem] = []
    site: SiteConfig | None = None
    try:
        site = load_site(root)
    except CogsError as exc:
        problems.extend(exc.problems)
    families = []
    for sub in sorted(p for p in root.iterdir() if (p / FAMILY_FILE).is_file()):
        if not _ID.match(sub.name):
            problems.append(Problem("config.bad-folder-name", f"family folder name {sub.name!r} cannot be a URI segment",
                                    Location(str(sub)), hint="rename it with lower-case letters, digits and hyphens"))
            continue
        try:
            families.append(load_family(sub))
        except CogsError as exc:
            problems.extend(exc.problems)
    if not families and not problems:
        problems.append(Problem("config.no-families", f"no family folders (with {FAMILY_FILE}) in {root}",
                                Location(str(root)), hint="add a folder per family, each with a family.toml"))
    if problems or site is None:
        raise CogsError(problems)
    return ProjectConfig(root, site, tuple(families))
