"""Parse CSV text as a CSVW dialect describes it ("Model for Tabular Data", section 8)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cogs.csv2rdf.metadata import Dialect


@dataclass
class ParsedRow:
    source_number: int  # 1-based row in the file, counting every record read
    cells: list[str]


@dataclass
class ParsedCsv:
    titles: list[list[str]] = field(default_factory=list)  # per column, the header cells
    rows: list[ParsedRow] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    header_source_rows: int = 0


def decode(data: bytes, encoding: str) -> str:
    text = data.decode(encoding, errors="replace")
    text = text.removeprefix("\ufeff")
    return text


def _records(text: str, d: Dialect, limit: int | None = None) -> list[tuple[list[str], bool, str]]:
    """Split into records: (cells, was_quoted_anywhere, raw_line)."""
    records: list[tuple[list[str], bool, str]] = []
    terminators = sorted(d.line_terminators, key=len, reverse=True) or ["\n"]
    q = d.quote_char
    delim = d.delimiter
    escape = None if d.double_quote else "\\"
    i, n = 0, len(text)
    cells: list[str] = []
    cell: list[str] = []
    raw_start = 0
    quoted = False
    in_quotes = False
    at_cell_start = True
    while i < n:
        ch = text[i]
        if in_quotes:
            if escape is not None and ch == escape and i + 1 < n:
                cell.append(text[i + 1])
                i += 2
                continue
            if ch == q:
                if d.double_quote and i + 1 < n and text[i + 1] == q:
                    cell.append(q)
                    i += 2
                    continue
                in_quotes = False
                i += 1
                continue
            cell.append(ch)
            i += 1
            continue
        term = next((t for t in terminators if text.startswith(t, i)), None)
        if term is not None:
            cells.append("".join(cell))
            records.append((cells, quoted, text[raw_start:i]))
            cells, cell, quoted, at_cell_start = [], [], False, True
            i += len(term)
            raw_start = i
            if limit is not None and len(records) >= limit:
                return records
            continue
        if text.startswith(delim, i):
            cells.append("".join(cell))
            cell = []
            at_cell_start = True
            i += len(delim)
            continue
        if q is not None and ch == q:
            in_quotes = True
            quoted = True
            at_cell_start = False
            i += 1
            continue
        if at_cell_start and d.skip_initial_space and ch in " \t":
            i += 1
            continue
        at_cell_start = False
        cell.append(ch)
        i += 1
    if cell or cells or in_quotes:
        cells.append("".join(cell))
        records.append((cells, quoted, text[raw_start:]))
    return records


def _trim(value: str, trim: str | bool) -> str:
    if trim is True:
        return value.strip(" \t")
    if trim == "start":
        return value.lstrip(" \t")
    if trim == "end":
        return value.rstrip(" \t")
    return value


def parse_csv(text: str, d: Dialect, head_only: bool = False) -> ParsedCsv:
    """Parse the whole text, or with `head_only` just enough for the header and a first row."""
    out = ParsedCsv()
    records = _records(text, d, d.skip_rows + d.header_row_count + 20 if head_only else None)
    index = 0
    source = 0
    # skipped rows: comments when they start with the comment prefix
    for _ in range(d.skip_rows):
        if index >= len(records):
            break
        cells, _quoted, raw = records[index]
        index += 1
        source += 1
        if d.comment_prefix and raw.startswith(d.comment_prefix):
            out.comments.append(raw[len(d.comment_prefix):].strip())
        elif raw.strip():
            out.comments.append(raw)
    header_rows = 0
    while header_rows < d.header_row_count and index < len(records):
        cells, _quoted, raw = records[index]
        index += 1
        source += 1
        header_rows += 1
        for col, value in enumerate(cells[d.skip_columns:]):
            value = _trim(value, d.trim)
            while len(out.titles) <= col:
                out.titles.append([])
            if value != "":
                out.titles[col].append(value)
    out.header_source_rows = source
    while index < len(records):
        cells, quoted, raw = records[index]
        index += 1
        source += 1
        if d.comment_prefix and raw.startswith(d.comment_prefix) and not quoted:
            out.comments.append(raw[len(d.comment_prefix):].strip())
            continue
        values = [_trim(c, d.trim) for c in cells[d.skip_columns:]]
        if d.skip_blank_rows and all(v == "" for v in values):
            continue
        out.rows.append(ParsedRow(source, values))
    return out
