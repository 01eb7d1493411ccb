"""The docs cannot drift: every config key and every build problem code is documented."""

from __future__ import annotations

import re

from cogs.config import schema
from tests.conftest import ROOT

BUILD_MODULES = ["config.py", "table.py", "cube.py", "codelists.py", "build.py", "csvw_dataset.py", "csvw_record.py"]


def keys(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for name, value in node.get("properties", {}).items():
            found.add(name)
            found |= keys(value)
        for value in node.get("$defs", {}).values():
            found |= keys(value)
    return found


def test_every_config_key_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "config.md").read_text()
    documented = set(re.findall(r"`([a-z_]+)(?:\.<[a-z]+>)?`", text))
    for name in ("site", "family", "dataset", "csvw-dataset"):
        missing = keys(schema(name)) - documented
        assert not missing, f"{name}.toml keys missing from docs/config.md: {sorted(missing)}"


def test_every_build_problem_code_is_documented_in_docs() -> None:
    text = "\n".join(p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))
    codes: set[str] = set()
    for module in BUILD_MODULES:
        source = (ROOT / "src" / "cogs" / module).read_text()
        codes |= set(re.findall(r'Problem\(\s*"([a-z0-9.-]+)"', source))
        codes |= set(re.findall(r'"((?:csv|obs|code|codelist|period|geography|measure|unit|marker|attribute)'
                                r'\.[a-z-]*[a-z])"', source))
    assert len(codes) > 30
    undocumented = {c for c in codes if f"`{c}`" not in text and f"`{c.split('.')[0]}.*`" not in text}
    assert not undocumented, f"problem codes missing from docs/: {sorted(undocumented)}"
