"""Point a problem at the CSV cell it came from, using the CSVW metadata that describes the table.

An observation's IRI is the table's `aboutUrl` expanded with a row's cells, so the row is found
by expanding it for every row (once, and only when a problem needs locating); the column is the
one whose `propertyUrl`, expanded for that row, is the property the problem is about.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from cogs.csv2rdf.uritemplate import parse as parse_template
from cogs.problems import Location

CSVW = "http://www.w3.org/ns/csvw#"
PREFIXES = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "xsd": "http://www.w3.org/2001/XMLSchema#", "qb": "http://purl.org/linked-data/cube#",
            "skos": "http://www.w3.org/2004/02/skos/core#", "dcat": "http://www.w3.org/ns/dcat#",
            "dcterms": "http://purl.org/dc/terms/"}


def _expand_curie(value: str) -> str:
    prefix, _, rest = value.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES and not rest.startswith("//") else value


@dataclass
class _Table:
    csv_path: Path
    shown: str
    about: str
    columns: list[dict[str, object]]
    rows: dict[str, tuple[int, dict[str, str]]] | None = None

    def prefix(self) -> str:
        return self.about.split("{", 1)[0]

    def index(self) -> dict[str, tuple[int, dict[str, str]]]:
        if self.rows is None:
            names = [str(c.get("name") or c.get("titles")) for c in self.columns if not c.get("virtual")]
            template = parse_template(self.about)
            rows: dict[str, tuple[int, dict[str, str]]] = {}
            text = self.csv_path.read_text(encoding="utf-8-sig")
            reader = csv.reader(io.StringIO(text, newline=""))
            start = 1
            for number, record in enumerate(reader):
                if number > 0:
                    values = dict(zip(names, record, strict=False))
                    rows.setdefault(template.expand(values), (start, values))  # type: ignore[arg-type]
                start = reader.line_num + 1
            self.rows = rows
        return self.rows

    def cell(self, focus: str, prop: str | None) -> Location | None:
        if not focus.startswith(self.prefix()):
            return None
        found = self.index().get(focus)
        if found is None:
            return None
        line, values = found
        column: int | None = None
        if prop is not None:
            position = 0
            for spec in self.columns:
                if spec.get("virtual"):
                    continue
                position += 1
                url = spec.get("propertyUrl")
                if isinstance(url, str) and _expand_curie(parse_template(url).expand(values)) == prop:  # type: ignore[arg-type]
                    column = position
                    break
        return Location(self.shown, line, column)


@dataclass
class CsvwLocator:
    """Maps observation IRIs to `path:line:column` of the CSV cells they were made from.

    Call it with a focus node for the row (`locator(iri)`), or use `locator.cell(iri, property)`
    for the cell; `cogs.validate` uses `cell` when a problem names its property."""

    tables: list[_Table] = field(default_factory=list)

    @classmethod
    def from_metadata(cls, paths: list[Path], relative_to: Path | None = None) -> CsvwLocator:
        tables = []
        for path in paths:
            meta = json.loads(path.read_text(encoding="utf-8"))
            group_schema = meta.get("tableSchema", {})
            for table in meta.get("tables", [meta] if "url" in meta else []):
                schema = table.get("tableSchema", group_schema)
                if isinstance(schema, str) and (path.parent / schema).is_file():  # a schema by reference
                    schema = json.loads((path.parent / schema).read_text(encoding="utf-8"))
                if not isinstance(schema, dict):
                    continue
                about = schema.get("aboutUrl")
                if not isinstance(about, str) or "url" not in table:
                    continue
                csv_path = (path.parent / table["url"]).resolve()
                if not csv_path.exists():
                    continue
                shown = str(csv_path)
                if relative_to is not None:
                    try:
                        shown = str(csv_path.relative_to(relative_to.resolve()))
                    except ValueError:
                        pass
                tables.append(_Table(csv_path, shown, about, list(schema.get("columns", []))))
        return cls(tables)

    def cell(self, focus: str, prop: str | None = None) -> Location | None:
        for table in self.tables:
            where = table.cell(focus, prop)
            if where is not None:
                return where
        return None

    def __call__(self, focus: str) -> Location | None:
        return self.cell(focus, None)
