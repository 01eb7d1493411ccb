"""Where an observation came from: its IRI back to the row and cell of the publisher's CSV.

Validation reports focus nodes (observation IRIs) and the property at fault; the build knows
each dataset's table, so it can name `families/.../data.csv:LINE:COLUMN`. The IRIs of a
dataset are made column-wise only when a problem needs one located.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cogs.cube import Prepared
from cogs.problems import Location
from cogs.table import LINE


@dataclass
class CellLocator:
    """Maps observation IRIs (and a property) to the source CSV cell; see `cogs.validate`."""

    items: list[Prepared]
    _rows: dict[str, dict[str, int]] = field(default_factory=dict)

    def _row(self, item: Prepared, focus: str) -> int | None:
        key = item.dataset.key
        if key not in self._rows:
            about = item.frame.select(item.objects["__about"].alias("iri"))["iri"]
            self._rows[key] = {iri: n for n, iri in enumerate(about.to_list()) if iri is not None}
        return self._rows[key].get(focus)

    def cell(self, focus: str, prop: str | None = None) -> Location | None:
        for item in self.items:
            if not focus.startswith(item.dataset.uri + "#obs/"):
                continue
            row = self._row(item, focus)
            if row is None or item.table is None:
                return None
            line = int(item.frame[LINE][row])
            title = _title_for(item, prop)
            column = item.table.header.index(title) + 1 if title in item.table.header else None
            return Location(str(item.table.path), line, column)
        return None

    def __call__(self, focus: str) -> Location | None:
        return self.cell(focus, None)


def _title_for(item: Prepared, prop: str | None) -> str | None:
    """The column whose values give `prop`: its component, or the observations column for a measure."""
    if prop is None:
        return None
    for column in item.dataset.columns:
        if column.component is not None and column.component.uri == prop:
            return column.title
    if any(m.uri == prop for m in item.dataset.measures):
        return next((c.title for c in item.dataset.columns if c.role.value == "observations"), None)
    for spec in item.csvw_columns:
        if spec.get("propertyUrl") == prop and "titles" in spec:
            return str(spec["titles"])
    return None

