"""Reading one table from a spreadsheet (XLSX, XLSM, XLS, ODS) with python-calamine.

Spreadsheets made to the GSS guidance "Releasing statistics in spreadsheets" hold a cover sheet,
a contents sheet, a notes sheet and one table per sheet, each with a single header row, often
below a title and a line or two of notes. A dataset config names the sheet (`sheet`) and, where
needed, the cells of the table (`range`, e.g. `A3:F200`); without a range the header is the first
row with two or more filled cells.

Every cell becomes text as the sheet shows it: whole numbers without a decimal point, other
numbers to 15 significant digits (what a spreadsheet displays), dates as ISO 8601. Locations keep
the sheet's own row and column numbers: `tables.xlsx[Table_1]:7:3` is cell C7 of sheet Table_1.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cogs.problems import CogsError, Location, Problem

SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})$")


@dataclass(frozen=True)
class Region:
    """The cells of one table: `rows[0]` is the header row. Empty cells are None."""

    label: str  # the path with the sheet named, e.g. `data/tables.xlsx[Table_1]`
    rows: list[list[str | None]]
    first_row: int  # 1-based sheet row of the header
    first_column: int  # 1-based sheet column of the table's first column
    notes: tuple[Problem, ...] = ()


def is_spreadsheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def column_number(letters: str) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    """1 -> `A`, 27 -> `AA`."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def parse_range(text: str) -> tuple[int, int, int | None, int | None] | None:
    """`A3:F200` -> (3, 1, 200, 6); `A3:F` -> (3, 1, None, 6); `B3` -> (3, 2, None, None). None if malformed."""
    start, _, end = text.strip().partition(":")
    first = _CELL.match(start)
    if not first:
        return None
    row, column = int(first.group(2)), column_number(first.group(1))
    if not end:
        return row, column, None, None
    last = _CELL.match(end)
    if last:
        last_row, last_column = int(last.group(2)), column_number(last.group(1))
    elif (only := _COLUMN.match(end)) is not None:
        last_row, last_column = None, column_number(only.group(1))
    else:
        return None
    if row < 1 or (last_row is not None and last_row < row) or last_column < column:
        return None
    return row, column, last_row, last_column


def cell_text(value: object) -> str | None:
    """A cell as the text a spreadsheet shows; None for an empty cell."""
    if type(value) is str:  # the common cases first: this runs once per cell
        return value if value and not value.isspace() else None
    if type(value) is float:
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        return text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    text = str(value)
    return text if text.strip() else None


def read_region(path: Path, sheet: str | None, cell_range: str | None, where: Location | None,
                range_where: Location | None = None) -> Region:
    """The table on `sheet` (within `cell_range` when given) of the workbook at `path`.

    `where` and `range_where` locate the config's `sheet` and `range` keys, for problems with them.
    """
    import python_calamine

    config_where = where or Location(str(path))
    if not path.is_file():
        raise CogsError([Problem("sheet.missing-file", f"spreadsheet {path.name} not found", Location(str(path)),
                                 hint="put the workbook beside dataset.toml or set `data = ...` to its path")])
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except (python_calamine.CalamineError, OSError) as exc:  # all of calamine's errors derive from CalamineError
        raise CogsError([Problem("sheet.unreadable", f"cannot read {path.name} as a spreadsheet: {exc}",
                                 Location(str(path)), hint="save it as .xlsx or .ods")]) from None
    names = list(book.sheet_names)
    if sheet is None:
        if len(names) != 1:
            raise CogsError([Problem("sheet.sheet-required", f"{path.name} has {len(names)} sheets; name the one "
                                     "holding this table", config_where,
                                     hint=f"add sheet = \"...\" to the dataset config; sheets: {', '.join(names)}")])
        sheet = names[0]
    if sheet not in names:
        close = [n for n in names if n.strip().lower() == sheet.strip().lower()]
        hint = f"the workbook has {close[0]!r}: match the name exactly" if close else \
            f"sheets in {path.name}: {', '.join(names)}"
        raise CogsError([Problem("sheet.no-such-sheet", f"no sheet {sheet!r} in {path.name}", config_where,
                                 hint=hint)])
    label = f"{path}[{sheet}]"
    data = book.get_sheet_by_name(sheet)
    origin = data.start if data.height else None
    top, left = origin if origin is not None else (0, 0)
    grid = data.to_python(skip_empty_area=True) if data.height else []
    if cell_range is not None:
        bounds = parse_range(cell_range)
        if bounds is None:
            raise CogsError([Problem("sheet.bad-range", f"range {cell_range!r} is not a cell range",
                                     range_where or config_where,
                                     hint="write the table's cells as A3:F200 (header row first), A3:F or A3")])
        row, column, last_row, last_column = bounds
        rows = []
        for r in range(row, (last_row if last_row is not None else top + len(grid)) + 1):
            source = grid[r - 1 - top] if 0 <= r - 1 - top < len(grid) else []
            width = (last_column if last_column is not None else left + max((len(g) for g in grid), default=0))
            rows.append([cell_text(source[c - 1 - left]) if 0 <= c - 1 - left < len(source) else None
                         for c in range(column, width + 1)])
        first_row, first_column = row, column
    else:
        texts = [[cell_text(v) for v in line] for line in grid]
        start = next((i for i, line in enumerate(texts) if sum(v is not None for v in line) >= 2), None)
        if start is None:
            raise CogsError([Problem("sheet.empty", f"sheet {sheet!r} holds no table (no row with two or more "
                                     "filled cells)", Location(label, 1, 1),
                                     hint="name the sheet holding the table, or give its `range`")])
        rows = texts[start:]
        first_row, first_column = top + start + 1, left + 1
        # Drop empty columns on the left and right of the header.
        header = rows[0]
        lo = next(i for i, v in enumerate(header) if v is not None)
        hi = max(i for i, v in enumerate(header) if v is not None) + 1
        rows = [line[lo:hi] + [None] * (hi - lo - len(line[lo:hi])) for line in rows]
        first_column += lo
    # Blank rows at the end (notes below a table are kept: they fail as data, and say where).
    while rows and len(rows) > 1 and all(v is None for v in rows[-1]):
        rows.pop()
    if not rows or all(v is None for v in rows[0]):
        raise CogsError([Problem("sheet.empty", f"no header row at {cell_name(first_row, first_column)} of "
                                 f"sheet {sheet!r}", Location(label, first_row, first_column),
                                 hint="point `range` at the table's header row")])
    return Region(label, rows, first_row, first_column)
