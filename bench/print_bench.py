"""Time printing a table's observations as N-Triples and N-Quads, two ways, with polars:

- buffered: each chunk's triples printed by `DataFrame.write_csv` into a `BytesIO`, whose bytes
  are then handed on (what the build did before);
- streamed: printed by `write_csv` straight into the output stream (what the build does).

Both start from the same checked table (`cogs.cube.prepare` on a bench/generate.py dataset) and
the same triples (`cogs.observations.Chunk`: a frame of terms a row an observation, laid out as
one of `s`, `p`, `o` a row a triple), must print the same bytes (checked first, by SHA-256,
untimed), and hand them to the same sink: gzip (ISA-L, as the build) over /dev/null. Per route
and stream it reports seconds of wall and CPU time, best of `--repeat` rounds (rounds alternate
the routes), making the triples from the table included.

    python bench/print_bench.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from cogs import observations  # noqa: E402
from cogs.build import _prepare_all  # noqa: E402
from cogs.write import gzip_writer  # noqa: E402
from cogs.config import load_project  # noqa: E402
from cogs.cube import Prepared  # noqa: E402
from cogs.uris import Minter  # noqa: E402


def buffered(prepared: Prepared, graph: str | None, sink: BinaryIO) -> None:
    end = " .\n" if graph is None else f" <{graph}> .\n"
    for chunk in observations.chunks(prepared):
        buffer = io.BytesIO()
        chunk.frame.write_csv(buffer, separator=" ", quote_style="never", include_header=False, line_terminator=end)
        sink.write(buffer.getvalue())


def streamed(prepared: Prepared, graph: str | None, sink: BinaryIO) -> None:
    for chunk in observations.chunks(prepared):
        chunk.write(sink, graph)


class Digest(io.RawIOBase):
    """A sink that keeps only a SHA-256 of what it is given: the routes' texts are compared by it."""

    def __init__(self) -> None:
        super().__init__()
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def timed(work: Callable[[], None]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    import generate as generator  # bench/generate.py, beside this script

    folder = HERE / "work" / f"print-{args.rows}"
    manifest = folder / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text()).get("rows") != args.rows:
        generator.generate(folder, generator.Spec(args.rows, 1, args.seed))
    project = load_project(folder / "families")
    _, prepared, problems = _prepare_all(project, Minter(project.site.base_uri), lambda *a: None)
    [item] = [p for items in prepared.values() for p in items]
    graph = item.dataset.uri
    printers = {"buffered": buffered, "streamed": streamed}
    sizes: dict[str, int] = {}
    for stream, target in (("N-Triples", None), ("N-Quads", graph)):  # same bytes, untimed
        digests = {}
        for route, printer in printers.items():
            digests[route] = Digest()
            printer(item, target, cast(BinaryIO, digests[route]))
        if digests["buffered"].hash.digest() != digests["streamed"].hash.digest():
            print(f"the routes printed different {stream}", file=sys.stderr)
            return 1
        sizes[stream] = digests["streamed"].size
    best: dict[tuple[str, str], tuple[float, float]] = {}
    with open(os.devnull, "wb") as null:  # timed: printed, compressed and not kept
        for _ in range(args.repeat):
            for stream, target in (("N-Triples", None), ("N-Quads", graph)):
                for route, printer in printers.items():
                    with gzip_writer(null) as sink:
                        wall, cpu = timed(lambda: printer(item, target, sink))
                    old = best.get((route, stream), (float("inf"), float("inf")))
                    best[(route, stream)] = (min(old[0], wall), min(old[1], cpu))
    print(f"{args.rows:,} observations, best of {args.repeat}; both routes printed the same bytes\n")
    print("| stream | MB | buffered s (CPU s) | streamed s (CPU s) | streamed / buffered time | CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for stream in ("N-Triples", "N-Quads"):
        b, s = best[("buffered", stream)], best[("streamed", stream)]
        print(f"| {stream} | {sizes[stream] / 1e6:,.0f} | {b[0]:.2f} ({b[1]:.2f}) | {s[0]:.2f} ({s[1]:.2f}) "
              f"| {s[0] / b[0]:.2f} | {s[1] / b[1]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
