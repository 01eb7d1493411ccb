"""Reconciliation: match a column of labels ("Westminster", "North East") to the codes of a code list.

Each distinct value of the column is looked up, in this order: as a code (notation), as a label
exactly, as a label after normalising (letter case, accents, punctuation, `&`/`and`, a leading
"the"), and after also dropping words such as "City of" or "Council". A value that finds one code
is matched; one that finds several is ambiguous; one that finds none is a miss. The match rate
is the share of distinct values matched.

`write_mapping` records the matches in the dataset's config in a form the build already reads:
a code-list CSV (`label` = the value as written in the data, `notation` = the code), a code list
and a component declared in `dataset.toml` (a sub-property of the column's former component, so
the column still links with others), and the column switched to that component.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cogs.codelists import load_codelist
from cogs.config import CodeListConfig, ComponentConfig, DatasetConfig, Definitions, load_dataset, load_family, load_site, locate_key
from cogs.cube import BUILTIN
from cogs.problems import CogsError, Location, Problem, Severity
from cogs.reference import gss_areas
from cogs.table import LINE, read_table
from cogs.uris import Minter, SDMX_DIMENSION, unsafe_segment_reason

KINDS = ("code", "label", "normalised", "ambiguous", "miss")
_DROPPED = re.compile(r"^(city and county of|city of|county of|borough of|royal borough of|london borough of)\s+|"
                      r"\s+(city|council|county|borough|district)$")


@dataclass(frozen=True)
class Reference:
    """What the labels are matched against: codes with their labels."""

    name: str
    codes: tuple[tuple[str, str], ...]  # (notation, label)
    parent_property: str | None = None  # the property a mapped component becomes a sub-property of


@dataclass(frozen=True)
class Match:
    value: str
    kind: str  # one of KINDS
    notation: str | None
    label: str | None  # the reference's label of the code
    candidates: tuple[str, ...]  # codes an ambiguous value could be; close labels for a miss
    rows: int
    location: Location


@dataclass
class Reconciliation:
    path: Path
    column: str
    reference: Reference
    matches: list[Match]
    problems: list[Problem] = field(default_factory=list)

    def of(self, kind: str) -> list[Match]:
        return [m for m in self.matches if m.kind == kind]

    @property
    def matched(self) -> list[Match]:
        return [m for m in self.matches if m.notation is not None]

    @property
    def match_rate(self) -> float:
        return len(self.matched) / len(self.matches) if self.matches else 1.0

    @property
    def row_match_rate(self) -> float:
        rows = sum(m.rows for m in self.matches)
        return sum(m.rows for m in self.matched) / rows if rows else 1.0

    def as_json(self) -> dict[str, object]:
        return {
            "path": str(self.path), "column": self.column, "against": self.reference.name,
            "values": len(self.matches), "matched": len(self.matched),
            "match_rate": round(self.match_rate, 4), "row_match_rate": round(self.row_match_rate, 4),
            "counts": {k: len(self.of(k)) for k in KINDS},
            "matches": [{"value": m.value, "kind": m.kind, "notation": m.notation, "label": m.label,
                         "candidates": list(m.candidates), "rows": m.rows, "location": str(m.location)}
                        for m in self.matches],
            "problems": [p.as_dict() for p in self.problems],
        }


def normalise(text: str) -> str:
    """Letter case, accents, punctuation, `&` and a leading "the" do not matter."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    words = re.sub(r"[^0-9a-z]+", " ", plain).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def loosen(text: str) -> str:
    """`normalise`, then without words such as "City of" or "Council" that labels add or leave out."""
    name = normalise(text)
    while True:
        shorter = _DROPPED.sub("", name).strip()
        if shorter == name or not shorter:
            return name
        name = shorter


def gss_reference() -> Reference:
    areas = gss_areas()
    return Reference("GSS statistical geography", tuple(sorted((a.code, a.label) for a in areas.values())),
                     SDMX_DIMENSION + "refArea")


def csv_reference(path: Path, name: str | None = None) -> Reference:
    """A code list CSV (label, notation, ...) as the reference."""
    config = CodeListConfig(path.stem, name or path.stem, path)
    codelist, _ = load_codelist(config, "urn:x-reconcile:", Minter(""))
    return Reference(name or str(path), tuple((c.notation, c.label) for c in codelist.codes))


def reconcile_values(values: pl.DataFrame, column: str, reference: Reference, path: Path,
                     column_number: int) -> Reconciliation:
    """Match the distinct values of `column` (a frame with the column and LINE) against `reference`."""
    distinct = (values.filter(pl.col(column).is_not_null())
                .group_by(column).agg(pl.len().alias("rows"), pl.col(LINE).min().alias("line")).sort(column))
    notations = {n for n, _ in reference.codes}
    exact: dict[str, set[str]] = defaultdict(set)
    normal: dict[str, set[str]] = defaultdict(set)
    loose: dict[str, set[str]] = defaultdict(set)
    labels = dict(reference.codes)
    for notation, label in reference.codes:
        exact[label].add(notation)
        normal[normalise(label)].add(notation)
        loose[loosen(label)].add(notation)
    matches = []
    for value, rows, line in distinct.iter_rows():
        where = Location(str(path), int(line), column_number)
        found: set[str]
        if value in notations:
            kind, found = "code", {value}
        elif exact.get(value):
            kind, found = "label", exact[value]
        elif normal.get(normalise(value)):
            kind, found = "normalised", normal[normalise(value)]
        elif loose.get(loosen(value)):
            kind, found = "normalised", loose[loosen(value)]
        else:
            kind, found = "miss", set()
        if len(found) > 1:
            matches.append(Match(value, "ambiguous", None, None, tuple(sorted(found)), rows, where))
        elif found:
            notation = next(iter(found))
            matches.append(Match(value, kind, notation, labels[notation], (), rows, where))
        else:
            import difflib

            close = difflib.get_close_matches(value, list(exact), n=3, cutoff=0.75)
            matches.append(Match(value, "miss", None, None, tuple(close), rows, where))
    result = Reconciliation(path, column, reference, matches)
    result.problems = _problems(result)
    return result


def _problems(result: Reconciliation) -> list[Problem]:
    problems = []
    for m in result.matches:
        if m.kind == "ambiguous":
            choices = ", ".join(f"{c} ({dict(result.reference.codes)[c]})" for c in m.candidates)
            problems.append(Problem("reconcile.ambiguous", f"{m.value!r} could be any of {choices}", m.location,
                                    Severity.WARNING, hint="write the code in the cell, or add the value as a "
                                    "label of the right code in the written code list"))
        elif m.kind == "miss":
            close = f" (close: {', '.join(repr(c) for c in m.candidates)})" if m.candidates else ""
            problems.append(Problem("reconcile.no-match", f"{m.value!r} matches no code of "
                                    f"{result.reference.name}{close}", m.location, Severity.WARNING,
                                    hint="correct the label, or add a row for it (label and code) to the "
                                    "written code list"))
    by_code: dict[str, list[Match]] = defaultdict(list)
    for m in result.matched:
        assert m.notation is not None
        by_code[m.notation].append(m)
    for notation, same in sorted(by_code.items()):
        if len(same) > 1:
            problems.append(Problem("reconcile.same-code", f"{', '.join(repr(m.value) for m in same)} all match "
                                    f"{notation}; a code list gives each code one label", same[1].location,
                                    Severity.WARNING, hint="write the same label for one place throughout the "
                                    "column"))
    return problems


# -- datasets ----------------------------------------------------------------------------------

def _definitions(folder: Path) -> tuple[DatasetConfig, Definitions | None]:
    dataset = load_dataset(folder, folder.parent.name)
    try:
        family = load_family(folder.parent)
    except CogsError:
        return dataset, None
    return dataset, family.definitions


def reference_for(folder: Path, column: str, against: str | None) -> Reference:
    """The reference to match a dataset column against: `gss`, a code list id, a CSV path, or the column's own."""
    dataset, family = _definitions(folder)
    config = dataset.columns.get(column)
    where = Location(str(dataset.path))
    if config is None:
        raise CogsError([Problem("reconcile.unknown-column", f"dataset.toml maps no column {column!r}", where,
                                 hint=f"columns are: {', '.join(dataset.columns)}")])
    parent = _component_property(dataset, family, config.component)
    if against is None:
        component = _component_config(dataset, family, config.component)
        if component is not None and component.codelist and not component.codelist.startswith(("ref:", "generated")):
            against = component.codelist
        else:
            against = "gss"
    if against == "gss":
        return gss_reference()
    for defs in (dataset.definitions, family):
        if defs is not None and against in defs.codelists:
            found = defs.codelists[against]
            reference = csv_reference(found.file, found.title)
            return Reference(reference.name, reference.codes, parent)
    path = Path(against)
    if path.is_file():
        reference = csv_reference(path)
        return Reference(reference.name, reference.codes, parent)
    raise CogsError([Problem("reconcile.unknown-reference", f"{against!r} is neither `gss`, a code list of this "
                             "dataset or its family, nor a CSV file", where,
                             hint="pass --against gss, a code list id, or a label,notation CSV")])


def _component_config(dataset: DatasetConfig, family: Definitions | None, id: str | None) -> ComponentConfig | None:
    if id is None:
        return None
    for defs in (dataset.definitions, family):
        if defs is not None and id in defs.components:
            return defs.components[id]
    return BUILTIN.get(id)


def _component_property(dataset: DatasetConfig, family: Definitions | None, id: str | None) -> str | None:
    """The URI of the column's component, which a mapped component becomes a sub-property of."""
    component = _component_config(dataset, family, id)
    if component is None or id is None:
        return None
    if component.uri:
        return str(component.uri)
    try:
        minter = Minter(load_site(dataset.path.parent.parent.parent).base_uri)
    except CogsError:
        return None
    owner = dataset.id if id in dataset.definitions.components else None
    return minter.property(minter.scope(dataset.path.parent.parent.name, owner), component.type, id)


def reconcile_dataset(folder: Path, column: str, against: str | None = None) -> Reconciliation:
    """Reconcile one column of the dataset in `folder` (holding dataset.toml)."""
    dataset, _ = _definitions(folder)
    reference = reference_for(folder, column, against)
    table = read_table(dataset.data, dataset.encoding)
    if column not in table.header:
        raise CogsError([Problem("reconcile.unknown-column", f"{dataset.data.name} has no column {column!r}",
                                 Location(str(dataset.data), 1, 1), hint=f"columns are: {', '.join(table.header)}")])
    frame = table.frame.select(pl.col(column).str.strip_chars().replace("", None), LINE)
    return reconcile_values(frame, column, reference, dataset.data, table.header.index(column) + 1)


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def identifier(title: str) -> str:
    id = re.sub(r"[^a-z0-9]+", "-", normalise(title)).strip("-")
    return id or "column"


def write_mapping(folder: Path, result: Reconciliation, id: str | None = None) -> Path:
    """Write the matches into the dataset config; returns the code list CSV written.

    Re-running replaces the CSV and leaves the config as the first run wrote it.
    """
    dataset, _ = _definitions(folder)
    id = id or identifier(result.column)
    reason = unsafe_segment_reason(id)
    if reason or not re.match(r"^[a-z0-9][a-z0-9-]*$", id):
        raise CogsError([Problem("reconcile.bad-id", f"{id!r} cannot be a code list id",
                                 Location(str(dataset.path)), hint="use lower-case letters, digits and hyphens")])
    target = folder / "codelists" / f"{id}.csv"
    text = dataset.path.read_text("utf-8")
    declared = id in dataset.definitions.codelists
    if declared and dataset.definitions.codelists[id].file.resolve() != target.resolve():
        raise CogsError([Problem("reconcile.codelist-exists", f"dataset.toml already declares a code list {id!r}",
                                 Location(str(dataset.path), *(locate_key(text, ["codelists", id]) or (None, None))),
                                 hint="choose another id with --id")])
    rows: dict[str, tuple[str, str]] = {}
    for m in result.matched:
        assert m.notation is not None
        rows.setdefault(m.notation, (m.label or m.value if m.kind == "code" else m.value, m.notation))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["label", "notation"])
    for label, notation in sorted(rows.values()):
        writer.writerow([label, notation])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buffer.getvalue(), "utf-8")
    if declared:
        return target
    config = dataset.columns[result.column]
    parent = result.reference.parent_property
    lines = text.splitlines(keepends=True)
    place = locate_key(text, ["columns", result.column, "component"])
    if place is None:
        raise CogsError([Problem("reconcile.cannot-edit-config", f"column {result.column!r} not found in dataset.toml",
                                 Location(str(dataset.path)), hint="map the column first")])
    line = lines[place[0] - 1]
    if re.match(r"^\s*component\s*=", line):
        lines[place[0] - 1] = re.sub(r"=.*$", f"= {_toml(id)}", line.rstrip("\n")) + "\n"
    elif re.match(r"^\s*\[", line):
        lines.insert(place[0], f"component = {_toml(id)}\n")
    else:
        raise CogsError([Problem("reconcile.cannot-edit-config", f"column {result.column!r} is not written as a "
                                 "table cogs can edit", Location(str(dataset.path), place[0], place[1]),
                                 hint=f'set component = "{id}" on the column yourself')])
    rate = f"{len(result.matched)} of {len(result.matches)} labels ({result.match_rate:.1%})"
    description = (f"Labels of column {result.column!r} matched to codes of {result.reference.name} by "
                   f"cogs reconcile: {rate}.")
    block = [f"\n[codelists.{id}]\n", f"title = {_toml(result.column)}\n", f"description = {_toml(description)}\n",
             f"file = {_toml(f'codelists/{id}.csv')}\n"]
    if id not in dataset.definitions.components:
        block += [f"\n[components.{id}]\n", 'type = "dimension"\n' if config.role == "dimension" else
                  'type = "attribute"\n', f"label = {_toml(result.column)}\n",
                  f"description = {_toml(description)}\n", f"codelist = {_toml(id)}\n"]
        if parent:
            block.append(f"sub_property_of = {_toml(parent)}\n")
    body = "".join(lines)
    if not body.endswith("\n"):
        body += "\n"
    dataset.path.write_text(body + "".join(block), "utf-8")
    return target
