"""Bundled reference code lists: time periods (reference.data.gov.uk) and GSS geography.

Period codes are recognised column-wise with regular expressions (polars), so a million-row
period column costs a handful of vectorised passes, not a Python call per cell.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from cogs.uris import GSS_GEOGRAPHY, REF_TIME

# (kind, pattern over the cell, replacement giving the reference.data.gov.uk path).
# Patterns are anchored and tried in order; the first that matches wins.
PERIOD_FORMS: tuple[tuple[str, str, str], ...] = (
    ("year", r"^(?:year/)?(\d{4})$", "year/${1}"),
    ("quarter", r"^(?:quarter/)?(\d{4})[- ]?Q([1-4])$", "quarter/${1}-Q${2}"),
    ("month", r"^(?:month/)?(\d{4})-(0[1-9]|1[0-2])$", "month/${1}-${2}"),
    ("day", r"^(?:day/)?(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", "day/${1}-${2}-${3}"),
    ("government-year", r"^(?:government-year/)?(\d{4})-(\d{4})$", "government-year/${1}-${2}"),
    ("government-year", r"^(\d{2})(\d{2})/(\d{2})$", "government-year/${1}${2}-${1}${3}"),
)

PERIOD_LABELS = {"year": "Year", "quarter": "Quarter", "month": "Month", "day": "Day",
                 "government-year": "Government year"}

GSS_CODE = r"^[EJKLMNSW]\d{8}$"


def period_paths(column: pl.Expr) -> pl.Expr:
    """The reference.data.gov.uk path of each period code, null where none of the forms fits."""
    expr: pl.Expr = pl.lit(None, dtype=pl.String)
    for _, pattern, replacement in reversed(PERIOD_FORMS):
        expr = pl.when(column.str.contains(pattern)).then(column.str.replace(pattern, replacement)).otherwise(expr)
    return expr


def period_uri(path: str) -> str:
    return REF_TIME + path


def period_label(path: str) -> str:
    """A readable label for a period path: `quarter/2019-Q1` -> `2019 Q1`."""
    kind, _, value = path.partition("/")
    if kind == "quarter":
        return value.replace("-", " ")
    if kind == "government-year":
        start, end = value.split("-")
        return f"{start}-{end[2:]}"
    return value


def period_sort_key(path: str) -> tuple[str, str]:
    kind, _, value = path.partition("/")
    return (value, kind)


@dataclass(frozen=True)
class Area:
    code: str
    label: str
    entity: str
    parent: str | None


@cache
def gss_areas() -> dict[str, Area]:
    """GSS statistical geography codes bundled with cogs (code, label, entity, parent)."""
    source = resources.files("cogs").joinpath("reference", "gss-geography.csv")
    if not source.is_file():
        return {}
    with source.open("r", encoding="utf-8") as handle:
        return {row["code"]: Area(row["code"], row["label"], row.get("entity", ""), row.get("parent") or None)
                for row in csv.DictReader(handle)}


def geography_uri(code: str) -> str:
    return GSS_GEOGRAPHY + code
