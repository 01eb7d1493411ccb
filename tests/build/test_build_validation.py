"""The build checks what it wrote against the shapes from memory; reading the dump back must agree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cogs.build import build
from cogs.problems import CogsError
from cogs.validate import columnar
from cogs.validate.columnar import Gathered
from cogs.validate.shapes import Shapes
from cogs.validate.sparql import Violation

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken"


def everything(violations: list[Violation]) -> list[tuple[object, ...]]:
    """Violations with every field, the message's bindings included (equality skips some)."""
    return [(v.code, v.focus, v.shape, v.severity, v.message, v.path, v.bindings) for v in violations]


@pytest.fixture
def both_routes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[Violation], list[Violation]]]:
    """Each build's verdict from memory, paired with the columnar verdict on the dump it wrote."""
    seen: list[tuple[list[Violation], list[Violation]]] = []
    in_memory = columnar.validate_gathered

    def compare(gathered: Gathered, metadata: bytes, shapes: Shapes, names: list[Path]) -> list[Violation]:
        found = in_memory(gathered, metadata, shapes, names)
        read_back = columnar.validate_files(names, shapes, required=True)
        assert read_back is not None
        seen.append((found, read_back))
        return found

    monkeypatch.setattr(columnar, "validate_gathered", compare)
    return seen


def test_a_clean_build_is_clean_by_both_routes(good_project: Path, tmp_path: Path,
                                              both_routes: list[tuple[list[Violation], list[Violation]]]) -> None:
    build(good_project, tmp_path / "out")
    [(found, read_back)] = both_routes
    assert everything(found) == everything(read_back)
    assert not [v for v in found if v.severity.value == "error"]


def test_violations_from_memory_equal_those_read_back(good_project: Path, tmp_path: Path,
                                                      both_routes: list[tuple[list[Violation], list[Violation]]]) -> None:
    case = BROKEN / "ic17-missing-measure"
    for source in case.rglob("*"):
        if source.is_file() and source.name != "expected.txt":
            shutil.copyfile(source, good_project / source.relative_to(case))
    with pytest.raises(CogsError) as raised:
        build(good_project, tmp_path / "out")
    [(found, read_back)] = both_routes
    assert everything(found) == everything(read_back)
    assert {v.code for v in found} >= {"qb-ic-17"}
    located = [p for p in raised.value.problems if p.code == "qb-ic-17"]
    assert located and all(p.location and p.location.path.endswith("trade/services/data.csv") for p in located)
