"""Every problem code the input stages can report, and every config key they read, is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SOURCES = {"csvcubed": "csvcubed.md", "spreadsheet.py": "spreadsheets.md", "scaffold.py": "new.md"}


def codes(module: str) -> set[str]:
    path = ROOT / "src" / "cogs" / module
    text = "".join(p.read_text() for p in sorted(path.glob("*.py"))) if path.is_dir() else path.read_text()
    return set(re.findall(r'"((?:csvcubed|sheet|config|new)\.[a-z0-9-]+)"', text))


def test_csvcubed_sheet_and_new_codes_are_documented() -> None:
    for module, page_name in SOURCES.items():
        page = (DOCS / page_name).read_text()
        found = codes(module)
        assert found, module
        missing = sorted(c for c in found if f"`{c}`" not in page)
        assert not missing, f"{module}: undocumented in docs/{page_name}: {missing}"


def test_table_reading_codes_are_documented() -> None:
    text = (ROOT / "src" / "cogs" / "table.py").read_text()
    found = set(re.findall(r'"((?:csv|config|sheet)\.[a-z0-9-]+)"', text))
    pages = "".join((DOCS / p).read_text() for p in ("messy-csv.md", "spreadsheets.md", "config.md"))
    reading = {"csv.not-utf8", "csv.bad-encoding", "csv.constant-column", "csv.recoded", "sheet.blank-title",
               "config.not-a-spreadsheet", "config.unpivot-columns"}
    assert reading <= found
    assert not [c for c in reading if f"`{c}`" not in pages]


def test_new_dataset_keys_are_documented() -> None:
    schema = json.loads((ROOT / "src/cogs/schemas/dataset.schema.json").read_text())
    page = (DOCS / "config.md").read_text()
    for key in ("sheet", "range", "unpivot", "ignore_columns"):
        assert key in schema["properties"] and f"`{key}`" in page
    assert "markers" in schema["$defs"]["column"]["properties"] and "`markers`" in page
