"""Time `cogs csv2rdf` (both engines) against csvwlib on the same CSVW, in rows per second.

For each size it writes a table of observations and its CSVW metadata under bench/work/csv2rdf/
(an identifier, four dimensions as valueUrl templates, a measure type, a unit, a decimal value and
two virtual columns: nine triples a row, the shape csvcubed writes, except that the value's propertyUrl is a
constant and `aboutUrl` is set on each column rather than inherited from the schema: csvwlib
stops on a propertyUrl template with a column variable such as csvcubed's `#measure/{+measure_type}`,
on a virtual column without its own `aboutUrl` or whose `propertyUrl` is not a prefixed name, and
it expands only the first `{var}` of a template (dropping what follows), mis-expands `{+var}` and
relative `valueUrl`s; so each template here has one `{var}` and is absolute), then converts it to N-Triples in minimal
mode, each conversion in its own process:

- `cogs csv2rdf --engine fast` (the vectorised engine) and `--engine reference` (cell by cell);
- csvwlib's `CSVWConverter.to_rdf` (csvwlib in its own virtual environment under bench/work/,
  created on first use; it fetches over HTTP only, so a loopback server serves the files, and it
  needs rdflib 5, so that is pinned there).

Every run's output is checked to hold the same number of triples as the fast engine's. A run still
going after --timeout seconds is stopped and reported as not finished.

    python bench/csv2rdf_bench.py --sizes 100000,1000000 --write-readme
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
DATA = WORK / "csv2rdf"
VENV = WORK / "csvwlib-venv"
PINS = ["csvwlib==0.3.2", "rdflib==5.0.0"]
README = BENCH / "README.md"
START, END = "<!-- csv2rdf-bench:start -->", "<!-- csv2rdf-bench:end -->"
SECTION = "## csv2rdf"

EX = "http://example.org/"
CSVWLIB_SCRIPT = """
import sys, time
from csvwlib import CSVWConverter
start = time.time()
out = CSVWConverter.to_rdf(sys.argv[1], sys.argv[2], mode="minimal", format="nt")
with open(sys.argv[3], "w", encoding="utf-8") as f:
    f.write(out if isinstance(out, str) else out.decode("utf-8"))
"""


@dataclass(frozen=True)
class Run:
    tool: str
    rows: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    triples: int
    ok: bool
    note: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds and self.ok else 0.0


def generate(rows: int, seed: int = 2024) -> Path:
    """Write data.csv and data.csv-metadata.json for `rows` observations; return the metadata path."""
    folder = DATA / str(rows)
    meta = folder / "data.csv-metadata.json"
    if meta.exists():
        return meta
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    areas = [f"E06{n:06d}" for n in range(1, 401)]
    periods = [f"{y}" for y in range(1990, 2025)] + [f"{y}-Q{q}" for y in range(2000, 2025) for q in range(1, 5)]
    industries = list("ABCDEFGHIJKLMNOPQRSTU")
    measures = ["count", "rate"]
    with (folder / "data.csv").open("w", encoding="utf-8", newline="") as f:
        f.write("Id,Area,Period,Industry,Measure,Unit,Value\n")
        n = 0
        for area in areas:
            for period in periods:
                for industry in industries:
                    for measure in measures:
                        if n == rows:
                            break
                        unit = "people" if measure == "count" else "percent"
                        key = f"{area}-{period}-{industry}-{measure}"
                        f.write(f"{key},{area},{period},{industry},{measure},{unit},{rng.randint(0, 999999) / 100}\n")
                        n += 1
    if n < rows:
        raise SystemExit(f"the generator makes at most {n} distinct rows")
    qb = "http://purl.org/linked-data/cube#"
    metadata = {
        "@context": "http://www.w3.org/ns/csvw",
        "@id": EX + "dataset",
        "tables": [{
            "url": "data.csv",
            "tableSchema": {
                "columns": [
                    {"titles": "Id", "name": "id", "required": True, "propertyUrl": "dcterms:identifier"},
                    {"titles": "Area", "name": "area", "required": True,
                     "propertyUrl": "http://purl.org/linked-data/sdmx/2009/dimension#refArea",
                     "valueUrl": "http://statistics.data.gov.uk/id/statistical-geography/{area}"},
                    {"titles": "Period", "name": "period", "required": True,
                     "propertyUrl": "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod",
                     "valueUrl": EX + "period/{period}"},
                    {"titles": "Industry", "name": "industry", "required": True,
                     "propertyUrl": EX + "dimension/industry", "valueUrl": EX + "industry/{industry}"},
                    {"titles": "Measure", "name": "measure", "required": True,
                     "propertyUrl": qb + "measureType", "valueUrl": EX + "measure/{measure}"},
                    {"titles": "Unit", "name": "unit", "required": True,
                     "propertyUrl": "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure",
                     "valueUrl": EX + "unit/{unit}"},
                    {"titles": "Value", "name": "value", "datatype": "decimal",
                     "propertyUrl": EX + "measure/value"},
                    {"name": "type", "virtual": True, "propertyUrl": "rdf:type", "valueUrl": qb + "Observation"},
                    {"name": "dataset", "virtual": True, "propertyUrl": "qb:dataSet", "valueUrl": EX + "dataset"},
                ],
                "primaryKey": "id",
            },
        }],
    }
    for column in metadata["tables"][0]["tableSchema"]["columns"]:  # type: ignore[index]
        column["aboutUrl"] = EX + "obs/{id}"
    meta.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return meta


def measure(tool: str, rows: int, command: list[str], out: Path, timeout: float) -> Run:
    """Run one conversion as its own process: wall time, peak memory, triples written."""
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    timer.cancel()
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", errors="replace") if proc.stderr else ""
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        killed = seconds >= timeout
        note = f"not finished in {timeout:.0f} s" if killed else (err.strip().splitlines() or ["failed"])[-1][:120]
        return Run(tool, rows, seconds, cpu, peak, 0, False, note)
    triples = 0
    with out.open("rb", buffering=1 << 24) as f:
        for line in f:
            if line.strip():
                triples += 1
    return Run(tool, rows, seconds, cpu, peak, triples, True)


def ensure_csvwlib() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PINS], check=True)
    return python


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def bench_size(rows: int, tools: list[str], timeout: float) -> list[Run]:
    meta = generate(rows)
    runs = []
    cogs = [sys.executable, "-m", "cogs.cli"] if False else [str(Path(sys.executable).parent / "cogs")]
    for tool in tools:
        out = meta.parent / f"{tool}.nt"
        if tool in {"cogs-fast", "cogs-reference"}:
            engine = tool.split("-")[1]
            command = [*cogs, "csv2rdf", str(meta), "--mode", "minimal", "--engine", engine, "-o", str(out)]
            runs.append(measure(tool, rows, command, out, timeout))
        elif tool == "csvwlib":
            python = ensure_csvwlib()
            server, base = serve(meta.parent)
            try:
                command = [str(python), "-c", CSVWLIB_SCRIPT, base + "data.csv", base + "data.csv-metadata.json", str(out)]
                runs.append(measure(tool, rows, command, out, timeout))
            finally:
                server.shutdown()
        print(_line(runs[-1]), flush=True)
    expected = next((r.triples for r in runs if r.tool == "cogs-fast" and r.ok), None)
    checked = []
    for run in runs:
        if run.ok and expected is not None and run.triples != expected:
            run = Run(run.tool, run.rows, run.seconds, run.cpu_seconds, run.peak_mb, run.triples, run.ok,
                      f"{run.triples:,} triples, the fast engine wrote {expected:,}")
        checked.append(run)
    return checked


def _line(run: Run) -> str:
    if not run.ok:
        return f"{run.rows:>9,} {run.tool:<15} {run.note}"
    return (f"{run.rows:>9,} {run.tool:<15} {run.seconds:8.1f} s {run.rows_per_second:>11,.0f} rows/s "
            f"{run.cpu_seconds:8.1f} CPU s {run.peak_mb:8.0f} MB {run.triples:>11,} triples")


def table(runs: list[Run]) -> str:
    lines = ["| rows | converter | seconds | rows/s | CPU s | rows per CPU s | peak MB | triples | note |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in runs:
        if r.ok:
            per_cpu = r.rows / r.cpu_seconds if r.cpu_seconds else 0
            lines.append(f"| {r.rows:,} | {r.tool} | {r.seconds:.1f} | {r.rows_per_second:,.0f} | {r.cpu_seconds:.1f} | "
                         f"{per_cpu:,.0f} | {r.peak_mb:.0f} | {r.triples:,} | {r.note} |")
        else:
            lines.append(f"| {r.rows:,} | {r.tool} | – | – | {r.cpu_seconds:.1f} | – | {r.peak_mb:.0f} | – | {r.note} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def write_readme(block: str) -> None:
    """Replace (or add) the measured block of the `## csv2rdf` section of bench/README.md only."""
    readme = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        _, tail = rest.split(END, 1)
        readme = head + START + "\n" + block + "\n" + END + tail
    else:
        readme = readme.rstrip("\n") + f"\n\n{SECTION}\n\n{START}\n{block}\n{END}\n"
    README.write_text(readme, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--tools", default="cogs-fast,cogs-reference,csvwlib")
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    runs: list[Run] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        runs.extend(bench_size(size, args.tools.split(","), args.timeout))
    print(table(runs))
    if args.write_readme:
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = os.getloadavg()[0]
        block = (f"Measured {when} on {machine()} (load average {load:.1f} when done: the machine is shared, "
                 f"so wall times vary; CPU seconds vary less); csvwlib 0.3.2 with rdflib 5.0.0. Command:\n\n"
                 f"    python bench/csv2rdf_bench.py --sizes {args.sizes} --timeout {args.timeout:.0f} --write-readme\n\n"
                 + table(runs))
        write_readme(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
