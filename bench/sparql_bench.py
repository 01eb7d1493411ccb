"""Time the embedded SPARQL endpoint on a large cube: loading the dump, then the example queries.

    python bench/sparql_bench.py --rows 1000000 --repeat 5 --write-readme

Generates the synthetic cube with `bench/generate.py` and builds it with `cogs build` (both kept
under `bench/work/sparql/` and reused), then:

- *load*: a fresh on-disk store bulk-loaded from `cogs.nq.gz` (what the first `cogs serve` of a
  build does), and the reuse check of a second start;
- *queries*: every example query of the dataset (`cogs.queries.example_queries`) and of the SPARQL
  page, sent over HTTP to a running `cogs serve` endpoint; the median of `--repeat` runs each,
  after one warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START, END = "<!-- sparql-bench:start -->", "<!-- sparql-bench:end -->"


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def query_once(endpoint: str, query: str) -> tuple[float, int, int]:
    accept = "text/turtle" if query.lstrip().startswith("DESCRIBE") else "application/sparql-results+json"
    request = urllib.request.Request(endpoint, data=query.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-query", "Accept": accept})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read()
        status = response.status
    seconds = time.perf_counter() - started
    rows = len(json.loads(body)["results"]["bindings"]) if accept.endswith("json") else body.count(b" .\n")
    assert status == 200
    return seconds, rows, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "work" / "sparql")
    parser.add_argument("--publish", action="store_true",
                        help="also time `cogs publish` of the build into a fresh `oxigraph serve` on a loopback port")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from cogs.endpoint import make_server
    from cogs.store import prepare_store
    from cogs.queries import catalogue_queries, example_queries

    work = args.work / f"{args.rows}"
    if not (work / "families").is_dir():
        run([sys.executable, str(HERE / "generate.py"), "--rows", str(args.rows), "--out", str(work)])
    out = work / "out"
    if not (out / "manifest.json").is_file():
        started = time.perf_counter()
        run([str(Path(sys.executable).with_name("cogs")), "build", str(work / "families"), "-o", str(out), "-q"])
        print(f"built in {time.perf_counter() - started:.1f}s")
    manifest = json.loads((out / "manifest.json").read_text())
    dataset = max(manifest["datasets"], key=lambda d: d["observations"])
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)

    load_before = os.getloadavg()[0]
    info = prepare_store(out, store)
    load_after = os.getloadavg()[0]
    reused = prepare_store(out, store)
    assert reused.reused
    dump_mb = (out / manifest["dump"]).stat().st_size / 1e6
    print(f"loaded {info.quads:,} quads ({dump_mb:.0f} MB gz) in {info.seconds:.1f}s; "
          f"store {folder_mb(store):.0f} MB; reuse check {reused.seconds * 1000:.0f} ms", flush=True)

    server, _ = make_server(out, "127.0.0.1", 0, store_dir=store, workers=1, timeout=600)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = server.url + "sparql"
    results = []
    try:
        queries = [("dataset", t, q) for t, q in example_queries(dataset["uri"])]
        queries += [("catalogue", t, q) for t, q in catalogue_queries(manifest["base_uri"])]
        for scope, title, query in queries:
            query_once(endpoint, query)  # warm-up
            runs = [query_once(endpoint, query) for _ in range(args.repeat)]
            median = statistics.median(r[0] for r in runs)
            results.append({"scope": scope, "query": title, "median_s": median, "rows": runs[0][1],
                            "bytes": runs[0][2]})
            print(f"{median * 1000:10.1f} ms  {runs[0][1]:>8} rows  {scope}: {title}", flush=True)
    finally:
        server.shutdown()
        server.server_close()

    published = time_publish(out, store, work) if args.publish else None
    if args.write_readme:
        write_readme(args, dataset, info, reused.seconds, dump_mb, folder_mb(store), results,
                     (load_before, load_after), published)


def time_publish(out: Path, store: Path, work: Path) -> dict[str, float]:
    """`cogs publish` of the whole build into an empty Oxigraph server, then a re-run (nothing to send)."""
    import socket

    from cogs.publish import Options, publish

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    location = work / "oxigraph-server"
    shutil.rmtree(location, ignore_errors=True)
    server = subprocess.Popen([str(Path(sys.executable).with_name("oxigraph")), "serve", "--location", str(location),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        endpoint = f"http://127.0.0.1:{port}/store"
        first = publish(out, endpoint, Options(timeout=3600), store_dir=store)
        assert first.ok, first.as_dict()
        again = publish(out, endpoint, Options(), store_dir=store)
        assert again.count("sent") == 0
        sent = sum(o.triples for o in first.outcomes if o.action == "sent")
        print(f"published {sent:,} triples in {first.seconds:.1f}s; re-run {again.seconds:.2f}s", flush=True)
        return {"seconds": first.seconds, "triples": sent, "rerun": again.seconds}
    finally:
        server.terminate()
        server.wait(60)
        shutil.rmtree(location, ignore_errors=True)


def revision() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src/cogs/endpoint.py", "src/cogs/queries.py"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return rev + (" with uncommitted changes in the endpoint" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_readme(args: argparse.Namespace, dataset: dict[str, object], info: object, reuse_s: float,
                 dump_mb: float, store_mb: float, results: list[dict[str, object]], load: tuple[float, float],
                 published: dict[str, float] | None) -> None:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        START,
        f"Measured {when} on {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}; cogs at "
        f"{revision()}. Command:",
        "",
        f"    python bench/sparql_bench.py --rows {args.rows} --repeat {args.repeat}"
        + (" --publish" if published else "") + " --write-readme",
        "",
        f"Load of `cogs.nq.gz` ({dump_mb:.0f} MB) holding {dataset['observations']:,} observations, "
        f"{info.quads:,} quads in {info.graphs} graphs, into a fresh on-disk store: "  # type: ignore[attr-defined]
        f"**{info.seconds:.1f} s**; store on disk {store_mb:.0f} MB. "  # type: ignore[attr-defined]
        f"A later `cogs serve` of the same build reuses it ({reuse_s * 1000:.0f} ms check). "
        f"The machine's load average was {load[0]:.1f} before the load and {load[1]:.1f} after "
        "(a shared machine: other work was running).",
        "",
        f"Example queries over HTTP to `cogs serve` (one query worker), median of {args.repeat} runs after a warm-up:",
        "",
        "| scope | query | median ms | rows |",
        "|---|---|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r['scope']} | {r['query']} | {float(r['median_s']) * 1000:,.1f} | {r['rows']} |")  # type: ignore[arg-type]
    if published:
        lines += ["", f"`cogs publish` of the whole build ({int(published['triples']):,} triples) into an empty Oxigraph "
                  f"server on the same machine: {published['seconds']:.1f} s; the re-run, with nothing to send, "
                  f"{published['rerun']:.2f} s."]
    lines.append(END)
    section = "\n".join(lines)
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    if START in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## sparql\n\n" + INTRO + "\n\n" + section + "\n"
    readme.write_text(text, encoding="utf-8")
    print(f"wrote {readme}")


INTRO = """    python bench/sparql_bench.py --rows 1000000 --repeat 5 --write-readme

generates the synthetic cube (`generate.py`), builds it with `cogs build`, then times loading the
build's N-Quads dump into the embedded Oxigraph store that `cogs serve` uses (a fresh bulk load,
then the reuse check of a second start), and the median latency of the example queries (the
dataset's, from `cogs.queries.example_queries`, and the SPARQL page's catalogue queries) sent
over HTTP to the running endpoint. Work files go under `bench/work/sparql/`."""


if __name__ == "__main__":
    main()
