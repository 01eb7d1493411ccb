"""Code lists: supplied as CSV, generated from the data, or bundled references."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cogs.config import CodeListConfig
from cogs.model import Code, CodeList, CodeListKind
from cogs.problems import CogsError, Location, Problem, Severity
from cogs.uris import Minter, segment, unsafe_segment_reason

# Header spellings accepted for code-list CSVs (compared case-insensitively, spaces as underscores).
HEADERS = {
    "label": "label",
    "notation": "notation",
    "code": "notation",
    "parent": "parent",
    "parent_notation": "parent",
    "sort_priority": "sort_priority",
    "sort_order": "sort_priority",
    "description": "description",
}

OBS_STATUS = {
    "c": "Confidential",
    "x": "Not available",
    "z": "Not applicable",
    "low": "Low figure",
    "u": "Low reliability",
    "w": "No data (no observations)",
    "e": "Estimated",
    "p": "Provisional",
    "r": "Revised",
}
# Markers after which a cell carries no value.
SUPPRESSING = frozenset({"c", "x", "z", "low", "u", "w"})


def load_codelist(config: CodeListConfig, uri: str, minter: Minter) -> tuple[CodeList, list[Problem]]:
    """Read a supplied code-list CSV: label, notation, parent, sort_priority, description."""
    path = config.file
    problems: list[Problem] = []
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise CogsError([Problem("codelist.missing-file", f"code list file {path} not found", Location(str(path)),
                                 hint=f"check `file` of code list '{config.id}'")]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CogsError([Problem("codelist.empty", "the code list CSV is empty", Location(str(path), 1, 1),
                                 hint="add a header row: label,notation,parent,sort_priority,description")])
    header = [HEADERS.get(h.strip().lower().replace(" ", "_"), "") for h in rows[0]]
    for i, (raw, known) in enumerate(zip(rows[0], header)):
        if not known:
            problems.append(Problem("codelist.unknown-column", f"unknown code list column {raw!r}",
                                    Location(str(path), 1, i + 1),
                                    hint="columns are label, notation, parent, sort_priority, description"))
    for needed in ("label", "notation"):
        if needed not in header:
            problems.append(Problem("codelist.missing-column", f"code list has no {needed!r} column",
                                    Location(str(path), 1, 1), hint=f"add a {needed} column"))
    if problems:
        raise CogsError(problems)
    codes: list[Code] = []
    seen: dict[str, int] = {}
    folded: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, row))
        notation = cells.get("notation", "").strip()
        label = cells.get("label", "").strip()
        col = header.index("notation") + 1
        reason = unsafe_segment_reason(notation)
        if reason:
            problems.append(Problem("code.unsafe-segment", f"notation {notation!r} cannot be a URI segment: {reason}",
                                    Location(str(path), number, col), hint="give the code a notation without slashes"))
            continue
        if notation in seen:
            problems.append(Problem("codelist.duplicate-notation", f"notation {notation!r} repeats line {seen[notation]}",
                                    Location(str(path), number, col), hint="each code needs its own notation"))
            continue
        if notation.casefold() in folded:
            problems.append(Problem("code.case-collision",
                                    f"notation {notation!r} differs only in case from {folded[notation.casefold()]!r}",
                                    Location(str(path), number, col),
                                    hint="codes that differ only in case would share a folder of the site"))
            continue
        seen[notation] = number
        folded[notation.casefold()] = notation
        priority: int | None = None
        if cells.get("sort_priority", "").strip():
            try:
                priority = int(cells["sort_priority"])
            except ValueError:
                problems.append(Problem("codelist.bad-sort-priority", f"sort priority {cells['sort_priority']!r} "
                                        "is not a whole number", Location(str(path), number,
                                                                          header.index("sort_priority") + 1),
                                        hint="use a whole number"))
        codes.append(Code(notation, label or notation, minter.code(uri, notation),
                          cells.get("parent", "").strip() or None, priority, cells.get("description", "").strip()))
    notations = {c.notation for c in codes}
    for code in codes:
        if code.parent and code.parent not in notations:
            line = seen[code.notation]
            problems.append(Problem("codelist.unknown-parent", f"parent {code.parent!r} of {code.notation!r} is not a "
                                    "code of this list", Location(str(path), line, header.index("parent") + 1),
                                    Severity.WARNING, hint="add the parent code, or leave parent blank"))
    codes = [c if not c.parent or c.parent in notations else
             Code(c.notation, c.label, c.uri, None, c.sort_priority, c.description) for c in codes]
    problems.extend(_cycles(codes, path))
    return CodeList(config.id, uri, config.title, CodeListKind.SUPPLIED, tuple(codes), config.description,
                    str(path)), problems


def _cycles(codes: list[Code], path: Path) -> list[Problem]:
    parent = {c.notation: c.parent for c in codes}
    problems = []
    for start in sorted(parent):
        seen = {start}
        node = parent[start]
        while node is not None:
            if node == start:
                problems.append(Problem("codelist.cycle", f"code {start!r} is its own ancestor",
                                        Location(str(path)), hint="break the cycle in the parent column"))
                break
            if node in seen:
                break
            seen.add(node)
            node = parent.get(node)
    return problems


def generated(id: str, uri: str, title: str, values: list[str], minter: Minter) -> CodeList:
    """A code list made from the distinct codes used in the data (label = code)."""
    codes = tuple(Code(v, v, minter.code(uri, v)) for v in sorted(set(values)))
    return CodeList(id, uri, title, CodeListKind.GENERATED, codes)


def obs_status(minter: Minter) -> CodeList:
    uri = minter.reference_codelist("obs-status")
    codes = tuple(Code(k, v, minter.code(uri, k), sort_priority=i) for i, (k, v) in enumerate(OBS_STATUS.items()))
    return CodeList("obs-status", uri, "Observation status (GSS shorthand)", CodeListKind.OBS_STATUS, codes,
                    "Shorthand markers of the GSS guidance on symbols in tables.")


def segment_problems(values: list[str], where: Location, what: str) -> list[Problem]:
    """Codes that cannot be folders of the site, or that collide by letter case."""
    problems = []
    folded: dict[str, str] = {}
    for value in sorted(set(values)):
        reason = unsafe_segment_reason(value)
        if reason:
            problems.append(Problem("code.unsafe-segment", f"{what} {value!r} cannot be a URI segment: {reason}",
                                    where, hint="supply a code list whose notations are safe, mapping these labels"))
        elif value.casefold() in folded and folded[value.casefold()] != value:
            problems.append(Problem("code.case-collision", f"{what} {value!r} differs only in case from "
                                    f"{folded[value.casefold()]!r}", where,
                                    hint="codes that differ only in case would share a folder of the site"))
        folded.setdefault(value.casefold(), value)
    return problems


__all__ = ["SUPPRESSING", "OBS_STATUS", "load_codelist", "generated", "obs_status", "segment_problems", "segment"]
