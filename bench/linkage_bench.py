"""Time the linkage stage of `cogs build` against the whole build, on many datasets sharing dimensions.

Generates (with bench/generate.py) one family of synthetic datasets that all share the geography,
period, industry and commodity dimensions, so every pair of datasets is linked on four
dimensions, then builds it twice into the same folder: a first build (nothing to compare with)
and a rebuild (the previous build is compared dataset by dataset). For each build it reports the
build's time, the linkage stage's time (linkage, quality and changes together) and its share, both
as wall-clock time and as CPU time of the process (steadier on a busy machine).

    python bench/linkage_bench.py --datasets 200 --rows 200000 --out bench/work/linkage
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

import cogs.build  # noqa: E402
import cogs.site  # noqa: E402
from cogs import linkage, quality, revisions  # noqa: E402
from cogs.build import build  # noqa: E402


class Timer:
    """Wraps module functions to add up the time spent in each during a build."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._undo: list[Callable[[], None]] = []

    def wrap(self, module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
                self.seconds[label + " cpu"] = self.seconds.get(label + " cpu", 0.0) + time.process_time() - cpu

        setattr(module, name, timed)
        self._undo.append(lambda: setattr(module, name, original))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


def timed_build(families: Path, out: Path) -> dict[str, float]:
    timer = Timer()
    timer.wrap(linkage, "write_stage", "stage")
    timer.wrap(linkage, "link", "linkage")
    timer.wrap(linkage, "linkage_json", "linkage json")
    timer.wrap(linkage, "linkage_triples", "linkage triples")
    timer.wrap(quality, "assess", "quality")
    timer.wrap(revisions, "build_changes", "changes")
    timer.wrap(cogs.site, "render_site", "site")
    if hasattr(cogs.build, "_validate"):  # the check against the shapes, on either path
        timer.wrap(cogs.build, "_validate", "validation")
    elif hasattr(cogs.build, "validate_graph_files"):
        timer.wrap(cogs.build, "validate_graph_files", "validation")
    started, cpu = time.perf_counter(), time.process_time()
    try:
        build(families, out)
    finally:
        timer.restore()
    return {"build": time.perf_counter() - started, "build cpu": time.process_time() - cpu, **timer.seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--rows", type=int, default=200_000, help="observations in all (default 200000)")
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind; medians reported")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=HERE / "work" / "linkage")
    args = parser.parse_args(argv)
    import generate as generator  # bench/generate.py, beside this script
    data = args.out / "data"
    manifest = data / "manifest.json"
    wanted = {"rows": args.rows, "datasets": args.datasets, "seed": args.seed}
    if not manifest.is_file() or {k: json.loads(manifest.read_text()).get(k) for k in ("rows", "seed")} != \
            {"rows": args.rows, "seed": args.seed} or \
            len(json.loads(manifest.read_text()).get("datasets", {})) != args.datasets:
        generator.generate(data, generator.Spec(args.rows, args.datasets, args.seed))
    families = data / "families"
    out = args.out / "out"
    results: dict[str, list[dict[str, float]]] = {"first build": [], "rebuild": []}
    for _ in range(args.runs):
        if out.exists():
            shutil.rmtree(out)
        results["first build"].append(timed_build(families, out))
        results["rebuild"].append(timed_build(families, out))
    sizes = {name: (out / name).stat().st_size for name in ("linkage.json", "quality.json", "changes.json",
                                                              "cogs.nq.gz")}
    manifest = json.loads((out / "manifest.json").read_text())
    graph = next(g for g in manifest["graphs"] if str(g["iri"]).endswith("/linkage/"))
    links = json.loads((out / "linkage.json").read_text())["links"]
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"cogs {revision.stdout.strip()}: {args.datasets} datasets, {args.rows} rows, "
          f"{len(links)} linked pairs, {sum(len(x['dimensions']) for x in links)} dimension matches; "
          f"medians of {args.runs} runs")
    for kind, runs in results.items():
        median = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
        parts = ", ".join(f"{k} {v:.2f}s" for k, v in median.items()
                          if k not in ("build", "stage") and not k.endswith(" cpu"))
        print(f"{kind}: wall: build {median['build']:.2f}s, linkage stage {median['stage']:.2f}s "
              f"({median['stage'] / median['build']:.1%}); CPU: build {median['build cpu']:.2f}s, linkage stage "
              f"{median['stage cpu']:.2f}s ({median['stage cpu'] / median['build cpu']:.1%}) [wall: {parts}]")
        if "site" in median:
            print(f"  without the site stage: wall {median['stage'] / (median['build'] - median['site']):.1%}, "
                  f"CPU {median['stage cpu'] / (median['build cpu'] - median['site cpu']):.1%}")
    print("files: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items())
          + f"; linkage graph {graph['triples']} triples of {sum(int(g['triples']) for g in manifest['graphs'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
