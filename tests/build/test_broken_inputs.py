"""Broken inputs, each a real file under tests/fixtures/broken/<case>/ laid over the good project.

Every case names its expected problems in `expected.txt` (`code path:line:column`); the build
must report them there, exit 1, and leave the previous output exactly as it was.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.cli import main

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_broken_input_is_located_and_out_is_kept(case: str, good_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["build", str(good_project), "-o", str(out)])
    assert first.exit_code == 0, first.output
    before = snapshot(out)

    for source in (BROKEN / case).rglob("*"):
        if source.is_file() and source.name != "expected.txt":
            target = good_project / source.relative_to(BROKEN / case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    result = CliRunner().invoke(main, ["build", str(good_project), "-o", str(out)])

    assert result.exit_code == 1, result.output
    for line in (BROKEN / case / "expected.txt").read_text().splitlines():
        code, where = line.split()
        expected = f"{good_project / where}"
        assert any(expected in row and f"[{code}]" in row for row in result.output.splitlines()), \
            f"expected {code} at {where} in:\n{result.output}"
    assert f"{out} was left as it was" in result.output
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["families", "out"]  # no staging left behind
