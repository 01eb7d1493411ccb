"""Reading a tidy table into a frame of strings, keeping where each cell came from.

Every cell stays text as the publisher wrote it; later stages decide what it means. Lines are
counted exactly, including quoted cells that span lines, so problems point at the real
`path:line:column`. A table may also come from a spreadsheet (`cogs.spreadsheet`): its cells are
then located by the sheet's own rows and columns (`tables.xlsx[Table_1]:7:3` is cell C7). A wide
table (one column per period or measure) is unpivoted here, by config, into a tidy one.

Nothing is fixed silently: text read as Windows-1252 because it is not UTF-8, and columns that hold
one value in every row, are reported as warnings with their location.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cogs import spreadsheet
from cogs.problems import CogsError, Location, Problem, Severity

NOTE_REFERENCE = re.compile(r"\s*\[note \d+\]", re.IGNORECASE)
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
LINE = "__line"  # 1-based source line of each row, kept beside the data
COLUMN = "__column"  # source column of an unpivoted value, beside LINE (unpivoted tables only)

if sys.platform == "win32":
    from pathlib import WindowsPath as _ConcretePath
else:
    from pathlib import PosixPath as _ConcretePath


@dataclass(frozen=True)
class Unpivot:
    """Turn the wide columns `columns` into two: `into` (their titles) and `value` (their cells).

    `columns` is a list of titles, or one string `"first:last"` naming a run of adjacent columns;
    `names` gives the value `into` takes for a column, where it is not the title.
    """

    columns: tuple[str, ...]
    into: str
    value: str
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a dataset's data file, beyond plain CSV."""

    sheet: str | None = None
    range: str | None = None
    unpivot: Unpivot | None = None
    drop: tuple[str, ...] = ()  # columns present in the file but not published
    constant_check: tuple[str, ...] = ()  # columns to warn about when they hold one value in every row
    location: Location | None = None  # where the config says these things
    key_locations: dict[str, Location] = field(default_factory=dict)  # "sheet", "range", "unpivot" -> where
    notes: tuple[Problem, ...] = ()  # warnings found while reading the config, reported with the table's
    recode: dict[str, dict[str, str]] = field(default_factory=dict)  # title -> {cell as written: value read}
    declared: tuple[str, ...] = ()  # columns whose recoding the config declares (reported as a note)


class DataPath(_ConcretePath):
    """A data file path that carries how to read it (sheet, range, unpivot, dropped columns)."""

    options: ReadOptions

    @classmethod
    def of(cls, path: Path, options: ReadOptions) -> DataPath:
        made = cls(path)
        made.options = options
        return made


@dataclass(frozen=True)
class Table:
    path: Path
    header: tuple[str, ...]
    frame: pl.DataFrame  # one String column per header title, plus LINE (and COLUMN when unpivoted)
    problems: tuple[Problem, ...] = ()
    header_line: int = 1
    positions: dict[str, int] = field(default_factory=dict)  # title -> source column, when not its index + 1
    wide: tuple[str, str] | None = None  # (into, value) titles of an unpivoted table

    def _column(self, column: str) -> int:
        return self.positions.get(column) or self.header.index(column) + 1

    def cell(self, row: int, column: str) -> Location:
        """The location of a cell, by 0-based row index and column title."""
        line = int(self.frame[LINE][row])
        if self.wide is not None and column in self.wide and COLUMN in self.frame.columns:
            number = int(self.frame[COLUMN][row])
            return Location(str(self.path), self.header_line if column == self.wide[0] else line, number)
        return Location(str(self.path), line, self._column(column))

    def header_cell(self, column: str) -> Location:
        return Location(str(self.path), self.header_line, self._column(column))


def read_table(path: Path, encoding: str | None = None) -> Table:
    """Read a dataset's table: CSV (UTF-8 with or without byte-order mark, LF or CRLF) or a spreadsheet.

    With no `encoding` declared, text that is not UTF-8 but reads as Windows-1252 is read so, with a
    `csv.not-utf8` warning at its first such byte.
    """
    options = getattr(path, "options", None) or ReadOptions()
    if spreadsheet.is_spreadsheet(path):
        table = _read_sheet(path, options)
    else:
        if options.sheet is not None or options.range is not None:
            raise CogsError([Problem("config.not-a-spreadsheet", f"`sheet` and `range` apply to spreadsheets; "
                                     f"{path.name} is read as CSV", options.location,
                                     hint="remove sheet/range, or point `data` at the .xlsx or .ods file")])
        table = _read_csv(path, encoding)
    if options.drop:
        kept = tuple(h for h in table.header if h not in options.drop)
        table = Table(table.path, kept, table.frame.drop([h for h in options.drop if h in table.header]),
                      table.problems, table.header_line,
                      {h: table._column(h) for h in kept}, table.wide)
    if options.unpivot is not None:
        table = unpivot(table, options.unpivot, options.key_locations.get("unpivot", options.location))
    for title, mapping in sorted(options.recode.items()):
        table = _recode(table, title, mapping, Severity.INFO if title in options.declared else Severity.WARNING)
    table = _constant_columns(table, options.constant_check)
    if options.notes:
        table = Table(table.path, table.header, table.frame, options.notes + table.problems, table.header_line,
                      table.positions, table.wide)
    return table


def _read_csv(path: Path, encoding: str | None) -> Table:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CogsError([Problem("csv.missing-file", f"data file {path.name} not found", Location(str(path)),
                                 hint="put the CSV beside dataset.toml or set `data = ...` to its path")]) from None
    problems: list[Problem] = []
    codec = codecs.lookup(encoding or "utf-8").name
    if codec == "utf-8":
        raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            if not raw.isascii():  # ASCII is UTF-8: checked without decoding a copy of the file
                raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            where = Location(str(path), line, column)
            # Well-formed UTF-8 before the bad byte means a file of mixed encodings: reading it all as
            # Windows-1252 would garble that text, so it is an error, not a guess.
            mixed = UTF8_MULTIBYTE.search(raw, 0, exc.start) is not None
            if encoding is None and not mixed:
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    pass
                else:
                    problems.append(Problem(
                        "csv.not-utf8", f"not UTF-8: byte {raw[exc.start]:#04x} reads as "
                        f"{raw[exc.start:exc.start + 1].decode('cp1252')!r} in Windows-1252, so the file was read "
                        "as Windows-1252", where, Severity.WARNING,
                        hint="save the file as UTF-8, or declare `encoding = \"windows-1252\"` in the dataset "
                             "config"))
                    raw = text.encode("utf-8")
            if not problems:
                also = " (earlier text is UTF-8: the file mixes encodings)" if mixed else ""
                raise CogsError([Problem("csv.not-utf8", f"byte {raw[exc.start]:#04x} is not UTF-8{also}", where,
                                         hint="save the file as UTF-8, or declare `encoding = \"windows-1252\"` "
                                              "in the dataset config")]) from None
    else:
        try:
            raw = raw.decode(codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            raise CogsError([Problem("csv.bad-encoding", f"byte {raw[exc.start]:#04x} is not {encoding}",
                                     Location(str(path), line, column),
                                     hint="check the declared `encoding` of the dataset")]) from None
    if not raw or raw.isspace():  # (stops at the first other byte; strip() would copy the file)
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
    _check_titles(header, Location(str(path), 1, 1), {})
    if len(header) == frame.width:
        frame.columns = list(header)
    header = tuple(frame.columns)
    frame = frame.with_columns(_line_numbers(frame, raw).alias(LINE))
    frame, blank = _without_blank_rows(frame, header, str(path))
    return Table(path, header, frame, tuple(problems) + blank)


def repeated(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Which rows have the same values in `columns` as another row. Equal rows hash alike, so rows
    are compared whole only where hashes repeat, and not at all when no hash does (counting
    distinct hashes is far cheaper than a struct's is_duplicated, which encodes every row)."""
    hashed = frame.select(pl.struct(columns).hash()).to_series()
    if hashed.n_unique() == frame.height:
        return pl.repeat(False, frame.height, eager=True)
    candidates = hashed.is_duplicated()
    rows = frame.select(columns).with_row_index("__row").filter(candidates)
    twins = rows.filter(pl.struct(columns).is_duplicated())["__row"]
    return frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).is_in(twins.cast(pl.UInt32).implode())).to_series()


def _check_titles(header: tuple[str, ...], where: Location, positions: dict[str, int]) -> None:
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise CogsError([Problem("csv.duplicate-column", f"column {title!r} appears more than once",
                                 Location(where.path, where.line, positions.get(title) or header.index(title) + 1),
                                 hint="give each column a unique title") for title in duplicates])


def _without_blank_rows(frame: pl.DataFrame, header: tuple[str, ...],
                        where: str) -> tuple[pl.DataFrame, tuple[Problem, ...]]:
    """Blank rows (every cell empty), such as the trailing rows spreadsheets export, are dropped, with a note."""
    blank = frame.select(pl.all_horizontal([pl.col(c).is_null() for c in header]).alias("b"))["b"]
    if not blank.any():
        return frame, ()
    lines = frame[LINE].filter(blank)
    note = Problem("csv.blank-rows", f"{len(lines)} blank row(s) left out (line {lines[0]}"
                   + (f" to {lines[-1]})" if len(lines) > 1 else ")"), Location(where, int(lines[0]), 1),
                   Severity.INFO, hint="delete the empty rows from the source")
    return frame.filter(~blank), (note,)


def _read_sheet(path: Path, options: ReadOptions) -> Table:
    region = spreadsheet.read_region(Path(path), options.sheet, options.range,
                                     options.key_locations.get("sheet", options.location),
                                     options.key_locations.get("range", options.location))
    titles = region.rows[0]
    label = Path(region.label)
    untitled = [i for i, t in enumerate(titles) if t is None]
    if untitled:
        raise CogsError([Problem("sheet.blank-title", f"header cell "
                                 f"{spreadsheet.cell_name(region.first_row, region.first_column + i)} is empty",
                                 Location(str(label), region.first_row, region.first_column + i),
                                 hint="give every column of the table a title, or narrow `range`") for i in untitled])
    header = tuple(str(t).strip() for t in titles)
    positions = {t: region.first_column + i for i, t in enumerate(header)}
    _check_titles(header, Location(str(label), region.first_row, region.first_column), positions)
    body = region.rows[1:]
    columns = list(zip(*body)) if body else [() for _ in header]
    frame = pl.DataFrame({t: pl.Series(t, list(c), dtype=pl.String) for t, c in zip(header, columns)},
                         schema={t: pl.String for t in header})
    frame = frame.with_columns(pl.int_range(region.first_row + 1, region.first_row + 1 + frame.height,
                                            dtype=pl.Int64).alias(LINE))
    frame, blank = _without_blank_rows(frame, header, str(label))
    return Table(label, header, frame, region.notes + blank, region.first_row, positions)


def wide_columns(header: tuple[str, ...], columns: tuple[str, ...]) -> list[str] | str:
    """The titles an unpivot names: a list of titles, or `first:last` (a run of adjacent columns).

    Returns the titles, or a message saying what is wrong.
    """
    if len(columns) == 1 and columns[0] not in header and ":" in columns[0]:
        first, _, last = columns[0].partition(":")
        missing = [t for t in (first, last) if t not in header]
        if missing:
            return f"no column {missing[0]!r} (from {columns[0]!r})"
        start, end = header.index(first), header.index(last)
        if end < start:
            return f"{last!r} comes before {first!r}"
        return list(header[start:end + 1])
    missing = [t for t in columns if t not in header]
    if missing:
        return f"no column {missing[0]!r}"
    return list(columns)


def unpivot(table: Table, spec: Unpivot, where: Location | None = None) -> Table:
    """A wide table made tidy: each wide cell becomes a row carrying its column's title in `spec.into`."""
    wide = wide_columns(table.header, spec.columns)
    if isinstance(wide, str):
        raise CogsError([Problem("config.unpivot-columns", f"unpivot: {wide}", where,
                                 hint=f"the table's columns are: {', '.join(table.header)}")])
    clash = [t for t in (spec.into, spec.value) if t in table.header and t not in wide]
    if clash:
        raise CogsError([Problem("config.unpivot-columns", f"unpivot: the table already has a column {clash[0]!r}",
                                 where, hint="choose other titles for `into` and `value`")])
    numbers = {t: table._column(t) for t in wide}
    keep = [t for t in table.header if t not in wide]
    frame = table.frame.unpivot(on=wide, index=keep + [LINE], variable_name=spec.into, value_name=spec.value)
    frame = frame.with_columns(pl.col(spec.into).replace_strict(numbers, return_dtype=pl.Int64).alias(COLUMN))
    frame = frame.sort([LINE, COLUMN])
    at = table.header.index(wide[0])
    before = [t for t in table.header[:at] if t not in wide]
    after = [t for t in table.header[at:] if t not in wide]
    header = tuple(before + [spec.into, spec.value] + after)
    positions = {t: table._column(t) for t in keep}
    positions[spec.into] = positions[spec.value] = numbers[wide[0]]
    frame = frame.select(list(header) + [LINE, COLUMN])
    problems = table.problems
    unknown = sorted(set(spec.names) - set(wide))
    if unknown:
        raise CogsError([Problem("config.unpivot-columns", f"unpivot: names {unknown[0]!r}, which is not one of the "
                                 "unpivoted columns", where, hint=f"the unpivoted columns are: {', '.join(wide)}")])
    if spec.names:
        frame = frame.with_columns(pl.col(spec.into).replace(spec.names))
    noted = [t for t in wide if NOTE_REFERENCE.search(t) and t not in spec.names]
    if noted:  # GSS tables put note references in headers: "2021 [note 3]"
        bare = {t: NOTE_REFERENCE.sub("", t).strip() for t in noted}
        frame = frame.with_columns(pl.col(spec.into).replace(bare))
        problems = problems + (Problem("csv.note-reference", f"note references left out of {spec.into!r}: "
                                       + ", ".join(f"{t!r} -> {b!r}" for t, b in bare.items()),
                                       Location(str(table.path), table.header_line, numbers[noted[0]]),
                                       Severity.INFO, hint="the notes stay in the workbook's notes sheet"),)
    return Table(table.path, header, frame, problems, table.header_line, positions, (spec.into, spec.value))


def _recode(table: Table, title: str, mapping: dict[str, str], severity: Severity) -> Table:
    """Cells of `title` read as other values (e.g. csvcubed status labels as GSS markers), with a warning."""
    if title not in table.header:
        return table
    column = table.frame[title]
    changed = column.is_in(list(mapping)).fill_null(False)
    if not changed.any():
        return table
    used = sorted(set(column.filter(changed).to_list()))
    row = int(changed.arg_true()[0])
    found = Problem("csv.recoded", f"column {title!r}: " + ", ".join(f"{v!r} read as {mapping[v]!r}" for v in used),
                    table.cell(row, title), severity,
                    hint="write GSS shorthand markers ([x], [c], [p], ...) in the source")
    frame = table.frame.with_columns(column.replace(mapping).alias(title))
    return Table(table.path, table.header, frame, table.problems + (found,), table.header_line, table.positions,
                 table.wide)


def _constant_columns(table: Table, titles: tuple[str, ...]) -> Table:
    """One warning per table naming the columns that hold the same value in every row."""
    if table.frame.height < 2:
        return table
    present = [t for t in titles if t in table.header]
    # Every cell equal to the first, a filled one: compared, not hashed, and the columns at once.
    same = table.frame.select((pl.col(t).eq_missing(pl.col(t).first()).all() & pl.col(t).first().is_not_null())
                              .alias(t) for t in present).row(0) if present else ()
    constant = [t for t, flag in zip(present, same) if flag]
    if not constant:
        return table
    listed = ", ".join(f"{t!r} ({table.frame[t][0]!r})" for t in constant)
    found = Problem("csv.constant-column", f"{len(constant)} column(s) hold one value in all {table.frame.height} "
                    f"rows: {listed}", table.header_cell(constant[0]), Severity.WARNING,
                    hint="a column with one value tells no observations apart: keep it to join with other "
                         "datasets, or state the value in the description and drop the column")
    return Table(table.path, table.header, table.frame, table.problems + (found,), table.header_line,
                 table.positions, table.wide)


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
