"""The build's own reports, shown on the site: which datasets join (`linkage.json`), catalogue
quality (`quality.json`) and revisions (`changes.json`).

Like the rest of the site these are read from the built folder, not taken from the build's
Python objects. A folder without them (a hand-made build, or one made before they existed)
renders without the sections they feed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cogs.site.load import CodeList, Dataset, Site

LINKAGE_JSON = "linkage.json"
QUALITY_JSON = "quality.json"
CHANGES_JSON = "changes.json"
QUALITY_PATH = "quality/"
# What `cogs reconcile --write` records in the description of the code list it writes.
RECONCILED = re.compile(r"cogs reconcile: (?P<matched>\d+) of (?P<total>\d+) labels \((?P<rate>[\d.]+)%\)")
KINDS = {"same-property": "same component", "same-codelist": "same code list",
         "shared-parent": "shared parent property"}


def _read(out: Path, name: str) -> dict[str, Any] | None:
    try:
        found = json.loads((out / name).read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None


@dataclass(frozen=True)
class Reports:
    linkage: dict[str, Any] | None
    quality: dict[str, Any] | None
    changes: dict[str, Any] | None
    links_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # dataset key -> its links


def read_reports(out: Path) -> Reports:
    linkage = _read(out, LINKAGE_JSON)
    links_of: dict[str, list[dict[str, Any]]] = {}
    for link in (linkage or {}).get("links", []):
        links_of.setdefault(link["left"], []).append(link)
        links_of.setdefault(link["right"], []).append(link)
    return Reports(linkage, _read(out, QUALITY_JSON), _read(out, CHANGES_JSON), links_of)


# -- datasets you can join with this one -------------------------------------------------------

@dataclass
class SharedDimension:
    """One dimension a dataset shares with another, seen from the dataset whose page it is."""

    label: str
    kind: str
    here: dict[str, Any]  # this dataset's dimension entry of linkage.json
    there: dict[str, Any]  # the other dataset's
    here_codelist: CodeList | None
    there_codelist: CodeList | None
    shared: int
    match_rate: float
    only_here: int
    only_there: int


@dataclass
class Join:
    other: Dataset
    same_family: bool
    joinable: bool
    anchor: str | None  # the link's fragment, when the link's URI is on this page
    dimensions: list[SharedDimension] = field(default_factory=list)


def joins(site: Site, reports: Reports, dataset: Dataset, by_key: dict[str, Dataset]) -> list[Join]:
    """Every dataset linked with `dataset`: joinable ones first, those in its family first, then
    the closest (most dimensions with codes in common, then the highest match rates)."""
    if reports.linkage is None:
        return []
    entries = reports.linkage.get("datasets", {})
    found = []
    for link in reports.links_of.get(dataset.key, []):
        here_is_left = link["left"] == dataset.key
        other_key = link["right"] if here_is_left else link["left"]
        other = by_key.get(other_key)
        if other is None or other_key not in entries:
            continue
        here_dims, there_dims = entries[dataset.key]["dimensions"], entries[other_key]["dimensions"]
        anchor = None
        if here_is_left and link.get("uri", "").startswith(dataset.uri + "#"):
            anchor = link["uri"][len(dataset.uri) + 1:]
        join = Join(other, other.family == dataset.family, bool(link.get("joinable")), anchor)
        for match in link.get("dimensions", []):
            here = here_dims[match["left"] if here_is_left else match["right"]]
            there = there_dims[match["right"] if here_is_left else match["left"]]
            shared = int(match["shared"])
            join.dimensions.append(SharedDimension(
                here["label"], KINDS.get(match["kind"], match["kind"]), here, there,
                site.codelists.get(here.get("codelist") or ""), site.codelists.get(there.get("codelist") or ""),
                shared, float(match["match_rate"]), int(here["codes"]) - shared, int(there["codes"]) - shared))
        join.dimensions.sort(key=lambda d: (-d.shared, d.label))
        found.append(join)
    found.sort(key=lambda j: (not j.joinable, not j.same_family, -sum(d.shared > 0 for d in j.dimensions),
                              -sum(d.match_rate for d in j.dimensions), j.other.title.lower(), j.other.key))
    return found


@dataclass
class JoinGroup:
    title: str
    tables: list[Join]  # shown with their shared dimensions
    listed: list[Join]  # shown as links only
    more: int  # left out of the page (they are in linkage.json)


def join_groups(joins: list[Join], family_title: str, tables: int, listed: int) -> list[JoinGroup]:
    """Joinable datasets in the dataset's family, then in others: the closest `tables` of each with
    their figures, the next `listed` as links, so that pages stay small when hundreds of
    datasets share a dimension."""
    groups = []
    for title, same in ((f"In the {family_title} family", True), ("In other families", False)):
        members = [j for j in joins if j.joinable and j.same_family == same]
        if members:
            groups.append(JoinGroup(title, members[:tables], members[tables:tables + listed],
                                    max(0, len(members) - tables - listed)))
    return groups


@dataclass(frozen=True)
class Reconciled:
    column: str
    codelist: CodeList
    matched: int
    total: int
    rate: float  # 0 to 1


def reconciled(site: Site, reports: Reports, dataset: Dataset) -> list[Reconciled]:
    """Columns whose labels `cogs reconcile` matched to codes, with the match rate it recorded."""
    if reports.linkage is None:
        return []
    found = []
    entry = reports.linkage.get("datasets", {}).get(dataset.key, {})
    for dimension in entry.get("dimensions", []):
        codelist = site.codelists.get(dimension.get("codelist") or "")
        seen = RECONCILED.search(codelist.description) if codelist else None
        if codelist is not None and seen:
            found.append(Reconciled(dimension["column"], codelist, int(seen["matched"]), int(seen["total"]),
                                    float(seen["rate"]) / 100))
    return found


def quality_of(reports: Reports, dataset: Dataset) -> dict[str, Any] | None:
    if reports.quality is None:
        return None
    found = reports.quality.get("datasets", {}).get(dataset.key)
    return found if isinstance(found, dict) else None


# -- code lists: the datasets using them --------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    dataset: Dataset
    column: str
    component_label: str
    component_path: str | None
    kind: str  # dimension, attribute, measure
    codes: int | None  # distinct codes of the list the column uses, when known


def codelist_usage(site: Site, used: dict[tuple[str, str], int]) -> dict[str, list[Usage]]:
    """For each code list (by URI), each column of each dataset whose component draws on it.

    `used` maps (dataset URI, column title) to the distinct values in the column, as the
    site read them from the CSV.
    """
    found: dict[str, list[Usage]] = {}
    for dataset in site.datasets.values():
        for column in dataset.columns:
            component = site.components.get(column.component or "")
            if component is None or component.codelist is None:
                continue
            found.setdefault(component.codelist, []).append(Usage(
                dataset, column.title, component.label, component.path, component.kind,
                used.get((dataset.uri, column.title))))
    for usages in found.values():
        usages.sort(key=lambda u: (u.dataset.title.lower(), u.dataset.key, u.column))
    return found


# -- the family's datasets x dimensions table ----------------------------------------------------

@dataclass(frozen=True)
class Cell:
    columns: list[str]
    codelists: list[CodeList]  # shown when the datasets' code lists differ
    codes: int


@dataclass
class FamilyDimension:
    label: str
    shared: bool
    differs: bool  # its datasets use more than one code list
    cells: dict[str, Cell | None]  # dataset key -> its use, or None


def family_dimensions(site: Site, reports: Reports, family_id: str,
                      datasets: list[Dataset]) -> list[FamilyDimension]:
    if reports.linkage is None:
        return []
    entry = reports.linkage.get("families", {}).get(family_id)
    if not entry:
        return []
    found = []
    for dimension in entry.get("dimensions", []):
        uses = dimension.get("datasets", {})
        lists = {use.get("codelist") for items in uses.values() for use in items}
        differs = len(lists) > 1
        cells: dict[str, Cell | None] = {}
        for dataset in datasets:
            items = uses.get(dataset.key)
            if not items:
                cells[dataset.key] = None
                continue
            codelists = [site.codelists[u] for u in dict.fromkeys(use.get("codelist") for use in items)
                         if u in site.codelists]
            cells[dataset.key] = Cell([use["column"] for use in items], codelists,
                                      sum(int(use.get("codes") or 0) for use in items))
        found.append(FamilyDimension(dimension["label"], bool(dimension.get("shared")), differs, cells))
    return found


# -- the quality page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class QualityRow:
    dataset: Dataset
    report: dict[str, Any]
    missing_required: list[str]
    missing_recommended: list[str]


def quality_rows(site: Site, reports: Reports) -> list[QualityRow]:
    if reports.quality is None:
        return []
    by_key = {d.key: d for d in site.datasets.values()}
    rows = []
    for key, report in sorted(reports.quality.get("datasets", {}).items()):
        dataset = by_key.get(key)
        if dataset is None:
            continue
        missing = report.get("missing", [])
        rows.append(QualityRow(dataset, report, [m["field"] for m in missing if m.get("level") == "required"],
                               [m["field"] for m in missing if m.get("level") != "required"]))
    rows.sort(key=lambda r: (r.dataset.title.lower(), r.dataset.key))
    return rows


@dataclass(frozen=True)
class BuildChanges:
    """What this build changed against the previous one, for the quality page."""

    compared: bool
    added: list[Dataset]
    changed: list[Dataset]
    unchanged: int
    removed: list[dict[str, Any]]  # {key, title, last_version}: they have no page any more


def build_changes(site: Site, reports: Reports) -> BuildChanges | None:
    if reports.changes is None:
        return None
    by_key = {d.key: d for d in site.datasets.values()}
    summary = reports.changes.get("summary", {})

    def pages(keys: list[str]) -> list[Dataset]:
        return sorted((by_key[k] for k in keys if k in by_key), key=lambda d: (d.title.lower(), d.key))
    removed = [{"key": key, "title": entry.get("title", key), "last_version": entry.get("last_version")}
               for key, entry in sorted(reports.changes.get("removed", {}).items())]
    return BuildChanges(bool(reports.changes.get("compared_with_previous")), pages(summary.get("added", [])),
                        pages(summary.get("changed", [])), int(summary.get("unchanged", 0)), removed)


# -- the changelog ------------------------------------------------------------------------------

@dataclass
class Changelog:
    version: int
    status: str  # added, changed, unchanged
    compared: bool  # the build was compared with a previous one
    modified: str | None
    history: list[dict[str, Any]]  # newest first


def changelog(reports: Reports, dataset: Dataset) -> Changelog | None:
    if reports.changes is None:
        return None
    record = reports.changes.get("datasets", {}).get(dataset.key)
    if not isinstance(record, dict):
        return None
    return Changelog(int(record.get("version", 1)), str(record.get("status", "")),
                     bool(reports.changes.get("compared_with_previous")), record.get("modified"),
                     list(reversed(record.get("history", []))))


FIELD_LABELS = {
    "title": "title", "description": "description", "issued": "date of issue", "publisher": "publisher",
    "license": "licence", "contact_point": "contact point", "themes": "themes", "modified": "date last modified",
    "landing_page": "landing page", "keywords": "keywords", "summary": "summary", "source": "source files",
    "component_descriptions": "descriptions of its components",
}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def percent(value: float | None) -> str:
    """A rate from 0 to 1 as a percentage, at most one decimal place, without a trailing `.0`."""
    if value is None:
        return ""
    shown = f"{value * 100:.1f}".removesuffix(".0")
    return f"{shown}%"
