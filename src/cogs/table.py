"""Reading a tidy CSV into a frame of strings, keeping where each cell came from.

Every cell stays text as the publisher wrote it; later stages decide what it means. Lines are
counted exactly, including quoted cells that span lines, so problems point at the real
`path:line:column`.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cogs.problems import CogsError, Location, Problem, Severity

LINE = "__line"  # 1-based source line of each row, kept beside the data


@dataclass(frozen=True)
class Table:
    path: Path
    header: tuple[str, ...]
    frame: pl.DataFrame  # one String column per header title, plus LINE
    problems: tuple[Problem, ...] = ()

    def cell(self, row: int, column: str) -> Location:
        """The location of a cell, by 0-based row index and column title."""
        line = int(self.frame[LINE][row])
        return Location(str(self.path), line, self.header.index(column) + 1)

    def header_cell(self, column: str) -> Location:
        return Location(str(self.path), 1, self.header.index(column) + 1)


def read_table(path: Path, encoding: str = "utf-8") -> Table:
    """Read `path` as CSV: UTF-8 with or without byte-order mark, LF or CRLF line ends."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CogsError([Problem("csv.missing-file", f"data file {path.name} not found", Location(str(path)),
                                 hint="put the CSV beside dataset.toml or set `data = ...` to its path")]) from None
    codec = codecs.lookup(encoding).name
    if codec == "utf-8":
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            raise CogsError([Problem("csv.not-utf8", f"byte {raw[exc.start]:#04x} is not UTF-8",
                                     Location(str(path), line, column),
                                     hint="save the file as UTF-8, or declare `encoding = \"windows-1252\"` "
                                          "in dataset.toml")]) from None
    else:
        raw = raw.decode(codec).encode("utf-8")
    if not raw.strip():
        raise CogsError([Problem("csv.empty", "the CSV file is empty", Location(str(path), 1, 1),
                                 hint="add a header row and data rows")])
    try:
        frame = pl.read_csv(io.BytesIO(raw), infer_schema=False, has_header=True,
                            truncate_ragged_lines=False, raise_if_empty=True)
    except pl.exceptions.ComputeError as exc:
        raise CogsError([Problem("csv.malformed", f"cannot read the CSV: {str(exc).splitlines()[0]}",
                                 Location(str(path)), hint="check quoting and that every row has the same "
                                 "number of cells as the header")]) from None
    header = _header(raw)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise CogsError([Problem("csv.duplicate-column", f"column {title!r} appears more than once",
                                 Location(str(path), 1, header.index(title) + 1),
                                 hint="give each column a unique title") for title in duplicates])
    if len(header) == frame.width:
        frame.columns = list(header)
    header = tuple(frame.columns)
    frame = frame.with_columns(_line_numbers(frame, raw).alias(LINE))
    # Blank trailing rows: every cell empty.
    blank = frame.select(pl.all_horizontal([pl.col(c).is_null() for c in header]).alias("b"))["b"]
    if blank.any():
        frame = frame.filter(~blank)
    return Table(path, header, frame)


def _header(raw: bytes) -> tuple[str, ...]:
    """The header row exactly as written (polars renames repeated titles)."""
    first = next(csv.reader(io.StringIO(raw[: raw.find(b"\n") + 1 or len(raw)].decode("utf-8"))), [])
    return tuple(first)


def _line_numbers(frame: pl.DataFrame, raw: bytes) -> pl.Expr:
    """Source line of each row: the header is line 1; quoted newlines push later rows down."""
    first = 2
    if b'"' not in raw:
        return pl.int_range(first, first + frame.height, dtype=pl.Int64)
    breaks = pl.sum_horizontal([pl.col(c).fill_null("").str.count_matches("\n") for c in frame.columns])
    header_breaks = sum(c.count("\n") for c in frame.columns)
    return pl.int_range(first, first + frame.height, dtype=pl.Int64) + header_breaks + \
        (breaks.cum_sum() - breaks).cast(pl.Int64)


def located(table: Table, mask: pl.Series, column: str, code: str, message: str, hint: str,
            severity: Severity = Severity.ERROR, limit: int = 20, values: bool = True) -> list[Problem]:
    """Problems for the rows where `mask` holds, at most `limit` and then one summary."""
    rows = mask.arg_true()
    problems = []
    for row in rows[:limit].to_list():
        cell = table.frame[column][row]
        text = message.format(value=cell) if values else message
        problems.append(Problem(code, text, table.cell(row, column), severity, hint))
    if len(rows) > limit:
        problems.append(Problem(code, f"... and {len(rows) - limit} more rows like this in column {column!r}",
                                table.header_cell(column), severity, hint))
    return problems
