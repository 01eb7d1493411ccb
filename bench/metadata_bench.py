"""Time the build's check of the metadata against the shapes as the number of datasets grows.

Generates (with bench/generate.py) one family of N synthetic datasets sharing their dimensions
and code lists, builds it with `cogs.build.build` (the site stage left out: it does not touch
validation; it keeps the metadata store the build validated as `metadata.nq`, which later runs
reuse unless `--rebuild` is given), and times the call the build makes to check everything but the observations
(`cogs.validate.sparql.run_checks` on the metadata store: merging the store's graphs, then every
compiled check) and each check on its own. For the smallest size it also runs pySHACL with the
same shapes on the same metadata graph, in a child process with a time limit, as a peer.

    python bench/metadata_bench.py --datasets 10 50 200 --rows-per-dataset 200 --out bench/work/metadata
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import pyoxigraph as ox  # noqa: E402

import cogs.build  # noqa: E402
import cogs.site  # noqa: E402
from cogs.validate import columnar, sparql  # noqa: E402
from cogs.validate.shapes import default_shapes  # noqa: E402

PYSHACL = """
import sys, time, rdflib
from cogs.validate.reference import pyshacl_results
graph = rdflib.Graph().parse(sys.argv[1], format="nt")
started = time.perf_counter()
found = pyshacl_results(graph)
print(time.perf_counter() - started, len(found))
"""


def measure(datasets: int, rows: int, seed: int, folder: Path, rebuild: bool) -> dict[str, Any]:
    kept = folder / "metadata.nq"
    if kept.is_file() and not rebuild:
        store = ox.Store()
        store.bulk_load(path=str(kept), format=ox.RdfFormat.N_QUADS)
        started = time.perf_counter()
        sparql.run_checks(store, default_shapes(), _metadata_checks())
        return _timings(store, time.perf_counter() - started, None)
    import generate as generator  # bench/generate.py, beside this script
    data = folder / "data"
    manifest = data / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text()).get("rows") != rows or \
            len(json.loads(manifest.read_text()).get("datasets", {})) != datasets:
        generator.generate(data, generator.Spec(rows, datasets, seed))
    seen: dict[str, Any] = {}
    original = sparql.run_checks

    def timed(store: ox.Store, shapes: Any, checks: Any = None) -> list[sparql.Violation]:
        seen["store"] = store
        seen["checks"] = checks
        started = time.perf_counter()
        result = original(store, shapes, checks)
        seen["seconds"] = time.perf_counter() - started
        seen["violations"] = len(result)
        return result

    started = time.perf_counter()
    with mock.patch.object(columnar, "run_checks", timed), \
            mock.patch.object(cogs.site, "render_site", lambda *args, **kwargs: []):
        cogs.build.build(data / "families", folder / "out")
    build_seconds = time.perf_counter() - started
    if "store" not in seen:
        raise SystemExit("the build did not check its metadata through columnar.run_checks")
    checked: ox.Store = seen["store"]
    checked.dump(str(kept), format=ox.RdfFormat.N_QUADS)
    return _timings(checked, seen["seconds"], build_seconds)


def _metadata_checks() -> list[Any]:
    """The checks the build runs as SPARQL: all but those targeting observations."""
    return [c for c in default_shapes().checks if "http://purl.org/linked-data/cube#Observation" not in c.target.classes]


def _timings(store: ox.Store, run_checks_seconds: float, build_seconds: float | None) -> dict[str, Any]:
    shapes = default_shapes()
    started = time.perf_counter()
    merged = sparql.merged(store)
    merge_seconds = time.perf_counter() - started
    per_check: dict[str, float] = {}
    checks = _metadata_checks()
    for check in checks:
        started = time.perf_counter()
        sparql.run_check(merged, shapes, check)
        per_check[check.code] = per_check.get(check.code, 0.0) + time.perf_counter() - started
    slowest = sorted(per_check.items(), key=lambda item: -item[1])[:3]
    return {"quads": len(store), "triples": len(merged), "checks": len(checks), "run_checks": run_checks_seconds,
            "merge": merge_seconds, "checks_alone": sum(per_check.values()), "slowest": slowest,
            "build": build_seconds, "merged": merged}


def pyshacl_peer(merged: ox.Store, folder: Path, timeout: float) -> float | None:
    path = folder / "metadata.nt"
    merged.dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    try:
        done = subprocess.run([sys.executable, "-c", PYSHACL, str(path)], capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, check=True)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout.split()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--rows-per-dataset", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--pyshacl-timeout", type=float, default=600.0, help="seconds; 0 skips pySHACL")
    parser.add_argument("--rebuild", action="store_true", help="build again even if metadata.nq is kept")
    parser.add_argument("--out", type=Path, default=HERE / "work" / "metadata")
    args = parser.parse_args(argv)
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"cogs {revision.stdout.strip()}, Python {platform.python_version()}, pyoxigraph {ox.__version__}, "
          f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.1f}")
    print("| datasets | metadata quads | distinct triples | checks | run_checks s | of which merge s | "
          "checks alone s | slowest checks | build s (no site; kept: metadata.nq reused) | load average |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    first: dict[str, Any] | None = None
    for n in args.datasets:
        row = measure(n, n * args.rows_per_dataset, args.seed, args.out / str(n), args.rebuild)
        row["datasets"] = n
        built = "kept" if row["build"] is None else f"{row['build']:.1f}"
        slowest = ", ".join(f"{code} {seconds:.3f}" for code, seconds in row["slowest"])
        print(f"| {n} | {row['quads']:,} | {row['triples']:,} | {row['checks']} | {row['run_checks']:.3f} | "
              f"{row['merge']:.3f} | {row['checks_alone']:.3f} | {slowest} | {built} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
        if first is None:
            first = row
        else:
            del row["merged"]
    if first is not None and args.pyshacl_timeout > 0:
        seconds = pyshacl_peer(first["merged"], args.out / str(first["datasets"]), args.pyshacl_timeout)
        if seconds is None:
            print(f"pySHACL on the {first['datasets']}-dataset metadata graph ({first['triples']:,} triples): "
                  f"not finished in {args.pyshacl_timeout:.0f} s")
        else:
            print(f"pySHACL on the {first['datasets']}-dataset metadata graph ({first['triples']:,} triples): "
                  f"{seconds:.2f} s, {seconds / first['run_checks']:.0f}x cogs' {first['run_checks']:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
