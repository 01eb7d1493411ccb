"""The benchmark's synthetic cubes: deterministic, and holding what their manifest says.

Also: cogs builds them, csvcubed's copy is the same table, and the benchmark's measurements
and README writing do what they claim.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from cogs.build import build
from cogs.problems import Severity
from cogs.reference import GSS_CODE, PERIOD_FORMS

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
build_bench = _load("build_bench")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cube(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("cube") / "gen"
    return out, generate.generate(out, generate.Spec(rows=3001, datasets=2, seed=7))


def test_same_seed_gives_the_same_bytes_and_another_seed_other_data(tmp_path: Path) -> None:
    first = generate.generate(tmp_path / "a", generate.Spec(1500, 2, 11))
    second = generate.generate(tmp_path / "b", generate.Spec(1500, 2, 11))
    assert first == second
    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")
    generate.generate(tmp_path / "c", generate.Spec(1500, 2, 12))
    data = "families/synthetic/cube-01/data.csv"
    assert (tmp_path / "a" / data).read_bytes() != (tmp_path / "c" / data).read_bytes()


def test_the_layout_is_a_cogs_project_and_csvcubed_inputs(cube: tuple[Path, dict[str, object]]) -> None:
    out, manifest = cube
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["generator"] == build_bench.generator_version() == generate.generator_version()
    family = out / "families" / "synthetic"
    for name in ["families/site.toml", "families/synthetic/family.toml",
                 "families/synthetic/codelists/industry.csv", "families/synthetic/codelists/commodity.csv",
                 "families/synthetic/cube-01/dataset.toml", "families/synthetic/cube-02/data.csv",
                 "csvcubed/cube-01/data.csv", "csvcubed/cube-02/qube-config.json"]:
        assert (out / name).is_file(), name
    assert sorted(p.name for p in family.iterdir() if p.is_dir()) == ["codelists", "cube-01", "cube-02"]


def test_rows_are_split_over_datasets_and_keys_are_unique(cube: tuple[Path, dict[str, object]]) -> None:
    out, manifest = cube
    datasets = manifest["datasets"]
    assert isinstance(datasets, dict)
    sizes = {d: len(read(out / "families" / "synthetic" / d / "data.csv")) for d in datasets}
    assert sizes == {"cube-01": 1501, "cube-02": 1500}
    assert {d: v["rows"] for d, v in datasets.items()} == sizes
    for dataset in datasets:
        rows = read(out / "families" / "synthetic" / dataset / "data.csv")
        keys = [(r["Area"], r["Period"], r["Industry"], r["Commodity"]) for r in rows]
        assert len(set(keys)) == len(keys)


def test_cells_are_gss_codes_periods_codes_values_and_markers(cube: tuple[Path, dict[str, object]]) -> None:
    out, manifest = cube
    family = out / "families" / "synthetic"
    industries = {r["notation"] for r in read(family / "codelists" / "industry.csv")}
    commodities = {r["notation"] for r in read(family / "codelists" / "commodity.csv")}
    assert len(industries) == 21 and len(commodities) == 10
    periods = {kind: re.compile(pattern) for kind, pattern, _ in PERIOD_FORMS if kind in ("year", "quarter", "month")}
    datasets = manifest["datasets"]
    assert isinstance(datasets, dict)
    for dataset, expected in datasets.items():
        rows = read(family / dataset / "data.csv")
        assert list(rows[0]) == ["Area", "Period", "Industry", "Commodity", "Amount"]
        kinds = set()
        markers = {"[c]": 0, "[x]": 0}
        for row in rows:
            assert re.match(GSS_CODE, row["Area"]), row
            kind = next(k for k, p in periods.items() if p.match(row["Period"]))
            kinds.add(kind)
            assert row["Industry"] in industries and row["Commodity"] in commodities
            if row["Amount"] in markers:
                markers[row["Amount"]] += 1
            else:
                assert Decimal(row["Amount"]).as_tuple().exponent == -1, row
        assert kinds == {"year", "quarter", "month"}
        assert markers == expected["markers"]
        assert all(n > 0 for n in markers.values())
        assert expected["values"] == len(rows) - sum(markers.values())


def test_the_csvcubed_copy_is_the_same_table(cube: tuple[Path, dict[str, object]]) -> None:
    out, _ = cube
    family = out / "families" / "synthetic"
    ours = read(family / "cube-01" / "data.csv")
    theirs = read(out / "csvcubed" / "cube-01" / "data.csv")
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert (a["Area"], a["Industry"], a["Commodity"]) == (b["Area"], b["Industry"], b["Commodity"])
        assert b["Period"] == generate.period_path(a["Period"])
        assert b["Period"].endswith("/" + a["Period"])
        if a["Amount"].startswith("["):
            assert (b["Amount"], b["Marker"]) == ("", a["Amount"])
        else:
            assert (b["Amount"], b["Marker"]) == (a["Amount"], "")
    config = json.loads((out / "csvcubed" / "cube-01" / "qube-config.json").read_text())
    assert config["$schema"] == "https://purl.org/csv-cubed/qube-config/v1.4"
    assert list(config["columns"]) == list(theirs[0])
    for column, codelist in [("Industry", "industry"), ("Commodity", "commodity")]:
        supplied = [(r["notation"], r["label"]) for r in read(family / "codelists" / f"{codelist}.csv")]
        inline = [(c["notation"], c["label"]) for c in config["columns"][column]["code_list"]["concepts"]]
        assert inline == supplied


def test_cogs_builds_the_generated_family(tmp_path: Path) -> None:
    generate.generate(tmp_path / "gen", generate.Spec(rows=800, datasets=2, seed=3))
    result = build(tmp_path / "gen" / "families", tmp_path / "out")
    assert [p for p in result.problems if p.severity in (Severity.ERROR, Severity.WARNING)] == []
    assert result.observations == 800


def test_more_commodities_are_numbered_after_the_sitc_sections() -> None:
    codes = generate.commodities(13)
    assert [c for c, _ in codes[:10]] == [str(i) for i in range(10)]
    assert [c for c, _ in codes[10:]] == ["10", "11", "12"]
    assert generate.commodities(3) == list(generate.COMMODITIES)


def test_more_datasets_than_rows_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows >= datasets"):
        generate.generate(tmp_path / "x", generate.Spec(rows=2, datasets=3, seed=1))


def test_measure_sees_memory_time_and_timeouts(tmp_path: Path) -> None:
    out = tmp_path / "out"
    grab = "import pathlib, sys; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); " \
           "pathlib.Path(sys.argv[1]).mkdir(); pathlib.Path(sys.argv[1], 'f').write_bytes(b'1' * 2**20)"
    run = build_bench.measure("t", 10, [sys.executable, "-c", grab, str(out)], out, timeout=60)
    assert run.ok, run.note
    assert 200 <= run.peak_mb < 400
    assert run.out_mb == 1.0
    slow = build_bench.measure("t", 10, [sys.executable, "-c", "import time; time.sleep(30)"],
                               tmp_path / "none", timeout=0.5)
    assert not slow.ok
    assert slow.note == "did not finish in 0.5 s (stopped)"
    assert slow.seconds < 10
    failed = build_bench.measure("t", 10, [sys.executable, "-c", "raise SystemExit('broken input')"],
                                 tmp_path / "none", timeout=60)
    assert not failed.ok and "exit 1" in failed.note and "broken input" in failed.note


def test_the_sampler_finds_child_processes_and_their_memory() -> None:
    child = subprocess.Popen([sys.executable, "-c", "b = bytearray(64 * 2**20); b[::4096] = b'x' * len(b[::4096]); "
                              "import time; time.sleep(30)"], stdout=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while build_bench._rss([child.pid]) < 64 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = build_bench._tree(os.getpid())
        assert tree[0] == os.getpid() and child.pid in tree
        assert build_bench._rss(tree) >= build_bench._rss([child.pid]) >= 64 * 2**20
    finally:
        child.kill()
        child.wait()
    assert build_bench._rss([child.pid]) == 0  # gone: counted as nothing


def test_a_rebuild_round_keeps_the_previous_output_and_a_fresh_one_removes_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Fails when the folder is already there: only a removed previous output lets it run.
    make = [sys.executable, "-c", "import pathlib, sys; pathlib.Path(sys.argv[1]).mkdir()", str(out)]
    assert build_bench.measure("t", 10, make, out, timeout=60).ok
    assert build_bench.measure("t", 10, make, out, timeout=60).ok
    assert not build_bench.measure("t", 10, make, out, timeout=60, rebuild=True).ok


def test_write_readme_replaces_only_the_measured_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "README.md"
    monkeypatch.setattr(build_bench, "README", readme)
    readme.write_text("# Benchmarks\n\nIntro.\n\n## build\n\nAbout it.\n\n"
                      f"{build_bench.START}\nold figures\n{build_bench.END}\n\nNotes.\n\n"
                      "## site\n\nSomeone else's figures.\n", encoding="utf-8")
    build_bench.write_readme("new figures")
    text = readme.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert f"{build_bench.START}\nnew figures\n{build_bench.END}" in text
    for kept in ["Intro.", "About it.", "Notes.", "## site\n\nSomeone else's figures.\n"]:
        assert kept in text
    fresh = tmp_path / "fresh.md"
    fresh.write_text("# Benchmarks\n\n## site\n\nOther.\n", encoding="utf-8")
    monkeypatch.setattr(build_bench, "README", fresh)
    build_bench.write_readme("figures")
    assert fresh.read_text(encoding="utf-8").endswith(
        f"## site\n\nOther.\n\n## build\n\n{build_bench.START}\nfigures\n{build_bench.END}\n")


def test_table_shows_the_ratio_and_runs_that_did_not_finish() -> None:
    runs = [build_bench.Run("cogs", 1000, 2.0, 100.0, 1.5, 10.0, True),
            build_bench.Run("csvcubed", 1000, 4.0, 50.0, 3.0, 1.0, True),
            build_bench.Run("cogs", 5000, 3.0, 100.0, 2.0, 10.0, True),
            build_bench.Run("csvcubed", 5000, 60.0, 80.0, 60.0, 0.0, False, "did not finish in 60 s (stopped)")]
    lines = build_bench.table(runs).splitlines()
    assert lines[2] == "| 1,000 | cogs | 2.0 | 500 | 1.5 | 100 | 10 | 0.50 | 0.50 |"
    assert lines[4].endswith("| < 0.05 |  |")
    assert "did not finish in 60 s (stopped)" in lines[5]
