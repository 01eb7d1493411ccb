"""Time `cogs build` against `csvcubed build` on the same synthetic tables.

For each size it generates a cube (bench/generate.py), then runs, each as its own process:

- `cogs build <families> -o <out>`: the full build (CSVW, RDF, dump);
- `csvcubed build <csv> -c qube-config.json -o <out>` (csvcubed 0.5.1, in its own virtual
  environment under bench/work/, created on first use): CSVW only.

Wall time is measured around the process; peak memory is the larger of the process's own peak
resident set (`wait4` rusage) and the peak of the summed resident sets of its process tree,
sampled from /proc every 50 ms (so worker processes count too; new ones are looked for every
0.5 s). Linux only.

    python bench/build_bench.py --sizes 100000,1000000 --write-readme
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
VENV = WORK / "csvcubed-venv"
CSVCUBED = "csvcubed==0.5.1"
README = BENCH / "README.md"
SECTION = "## build"


@dataclass(frozen=True)
class Run:
    tool: str
    rows: int
    seconds: float
    peak_mb: float
    cpu_seconds: float
    out_mb: float
    ok: bool
    note: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _stat(pid: int | str) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2:].split()


def _tree(root: int) -> list[int]:
    """`root` and all its descendants, found by reading every process's parent from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat(entry) if entry.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def _rss(pids: list[int]) -> int:
    """Summed resident set (bytes) of `pids` (those still running)."""
    page = os.sysconf("SC_PAGE_SIZE")
    return sum(int(fields[21]) * page for pid in pids if (fields := _stat(pid)) is not None)


RESCAN = 0.5  # seconds between looks for new child processes; their memory is sampled every 50 ms


def measure(tool: str, rows: int, command: list[str], out: Path, timeout: float,
            cwd: Path | None = None, log: Path | None = None, rebuild: bool = False) -> Run:
    """Run `command` once as a fresh process; time it and record its peak memory. The tool's
    previous output is removed first, unless this is a `rebuild` over it."""
    if out.exists() and not rebuild:
        shutil.rmtree(out)
    os.sync()  # the removal's (and the last round's) writes land before the clock starts
    log = log or out.parent / f"{out.name}.log"
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            # Reading every process's parent from /proc costs ~2 ms: done every RESCAN seconds, not
            # at each sample, so the sampler takes little of the CPU the measured build runs on.
            nonlocal peak
            pids, scanned = [process.pid], 0.0
            while not done.is_set():
                if time.monotonic() - scanned >= RESCAN:
                    pids, scanned = _tree(process.pid), time.monotonic()
                peak = max(peak, _rss(pids))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        timer.cancel()
        done.set()
        sampler.join()
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code  # reaped by wait4 above; keep Popen from waiting again
    peak = max(peak, usage.ru_maxrss * 1024)
    cpu = usage.ru_utime + usage.ru_stime
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) if out.exists() else 0
    ok = code == 0
    note = ""
    if code == -signal.SIGKILL and seconds >= timeout:
        note = f"did not finish in {timeout:g} s (stopped)"
    elif not ok:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        note = f"exit {code}: {tail[0][:200] if tail else ''} (log: {log})"
    return Run(tool, rows, seconds, peak / 2**20, cpu, size / 2**20, ok, note)


def ensure_csvcubed() -> Path:
    """The csvcubed executable, installing csvcubed 0.5.1 into its own venv on first use."""
    exe = VENV / "bin" / "csvcubed"
    if not exe.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", CSVCUBED], check=True)
    return exe


def csvcubed_version(exe: Path) -> str:
    result = subprocess.run([str(exe), "version"], capture_output=True, text=True)
    found = re.search(r"\d+\.\d+\.\d+\S*", result.stdout + result.stderr)
    return found.group(0) if found else "unknown"


def cogs_command() -> list[str]:
    exe = REPO / ".venv" / "bin" / "cogs"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "cogs.cli"]


def compile_cogs() -> None:
    """Compile cogs' modules to bytecode once, as pip does for an installed package such as
    csvcubed: an editable install is not compiled, and where PYTHONDONTWRITEBYTECODE is set every
    timed build would compile them again (some 0.3 s)."""
    venv_python = REPO / ".venv" / "bin" / "python"
    python = str(venv_python) if venv_python.exists() else sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "src" / "cogs")], check=True,
                   stdout=subprocess.DEVNULL)


def generator_version() -> str:
    """The digest bench/generate.py writes into its manifest (see generate.generator_version)."""
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:12]


def cogs_revision() -> str:
    """The commit cogs was measured at, marked when the working tree had changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True,
                               text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(revision unknown)"
    return f"at {head}" + (" with uncommitted changes in src/" if dirty else "")


def label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1000 == 0:
        return f"{rows // 1000}k"
    return str(rows)


def bench_size(rows: int, tools: list[str], timeout: float, repeat: int, seed: int,
               rebuild: bool = False, made: list[Path] | None = None) -> list[Run]:
    """Time the tools' builds of `rows` observations. The fresh builds' folders are added to
    `made` for the caller to remove once every size is timed (or removed here without one)."""
    folder = WORK / label(rows)
    manifest = folder / "manifest.json"
    current = json.loads(manifest.read_text()) if manifest.exists() else {}
    wanted = {"rows": rows, "seed": seed, "generator": generator_version()}
    if any(current.get(k) != v for k, v in wanted.items()) or len(current.get("datasets", {})) != 1:
        print(f"generating {rows:,} rows into {folder}", file=sys.stderr)
        # In a child process, so this one stays small: a forked child's peak RSS counts its
        # parent's pages until it execs.
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--rows", str(rows), "--seed",
                        str(seed), "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    commands = {
        "cogs": ([*cogs_command(), "build", str(folder / "families"), "-o", str(folder / "cogs-out")],
                 folder / "cogs-out", None),
        "csvcubed": ([str(ensure_csvcubed()) if "csvcubed" in tools else "csvcubed", "build", "data.csv",
                      "-c", "qube-config.json", "-o", str(folder / "csvcubed-out")],
                     folder / "csvcubed-out", folder / "csvcubed" / "cube-01"),
    }
    # Rounds alternate the tools, so a busy moment of the machine falls on both alike.
    attempts: dict[str, list[Run]] = {tool: [] for tool in tools}
    if rebuild:  # a first build for the rounds to rebuild over; not counted
        for tool in tools:
            command, out, cwd = commands[tool]
            measure(tool, rows, command, out, timeout, cwd=cwd)
    kept: list[Path] = [] if made is None else made
    for round in range(1, repeat + 1):
        for tool in tools:
            if attempts[tool] and not attempts[tool][-1].ok:
                continue
            command, out, cwd = commands[tool]
            if not rebuild:
                # A fresh build goes into a folder of its own, removed only once all rounds of
                # all sizes are timed: on ext4, creating thousands of files within minutes of
                # deleting as many costs seconds of kernel time in the inode allocator (it passes
                # over recently freed inodes), a cost of the benchmark's clean-up, not of the
                # build (bench/README.md).
                fresh = out.with_name(f"{out.name}-{round}")
                command = [str(fresh) if part == str(out) else part for part in command]
                out = fresh
                kept.append(out)
            run = measure(tool, rows, command, out, timeout, cwd=cwd, rebuild=rebuild)
            print(f"{tool:9} {rows:>10,} rows  {run.seconds:8.1f} s  {run.cpu_seconds:6.1f} CPU s  "
                  f"{run.peak_mb:7.0f} MB  {run.note}", file=sys.stderr)
            attempts[tool].append(run)
    if made is None:
        for out in kept:
            shutil.rmtree(out, ignore_errors=True)
    runs: list[Run] = []
    for tool in tools:
        good = [r for r in attempts[tool] if r.ok]
        if good:
            runs.append(Run(tool, rows, statistics.median(r.seconds for r in good),
                            max(r.peak_mb for r in good), statistics.median(r.cpu_seconds for r in good),
                            good[-1].out_mb, True))
        else:
            runs.append(attempts[tool][-1])
    return runs


def table(runs: list[Run]) -> str:
    lines = ["| rows | tool | seconds | rows/s | CPU s | peak MB | output MB | cogs / csvcubed time "
             "| cogs / csvcubed CPU |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_size: dict[int, dict[str, Run]] = {}
    for measured in runs:
        by_size.setdefault(measured.rows, {})[measured.tool] = measured
    for rows in sorted(by_size):
        pair = by_size[rows]
        for tool in ("cogs", "csvcubed"):
            run = pair.get(tool)
            if run is None:
                continue
            ratio = cpu_ratio = ""
            other = pair.get("csvcubed")
            if tool == "cogs" and run.ok and other is not None:
                if other.ok:
                    ratio = f"{run.seconds / other.seconds:.2f}"
                    cpu_ratio = f"{run.cpu_seconds / other.cpu_seconds:.2f}" if other.cpu_seconds else ""
                elif other.note.startswith("did not finish"):
                    ratio = f"< {run.seconds / other.seconds:.2f}"
            if run.ok:
                lines.append(f"| {rows:,} | {tool} | {run.seconds:.1f} | {run.rows_per_second:,.0f} | "
                             f"{run.cpu_seconds:.1f} | {run.peak_mb:,.0f} | {run.out_mb:,.0f} | {ratio} | {cpu_ratio} |")
            else:
                lines.append(f"| {rows:,} | {tool} | ({run.seconds:.0f}) | | | {run.peak_mb:,.0f} | | "
                             f"{run.note} | |")
    return "\n".join(lines)


def machine() -> str:
    cpus = os.cpu_count() or 0
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        memory = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip() + ", "
                    break
    except OSError:
        pass
    return f"{model}{cpus} CPUs{memory}, Python {sys.version.split()[0]}"


START, END = "<!-- build-bench:start -->", "<!-- build-bench:end -->"
REBUILD_START, REBUILD_END = "<!-- build-bench-rebuild:start -->", "<!-- build-bench-rebuild:end -->"


def figures(runs: list[Run], version: str, command: str) -> str:
    """The measured block of the README's build section: when, where, how, and the table."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (f"Measured {when} on {machine()}; cogs {cogs_revision()}, csvcubed {version}. "
            "Command:\n\n"
            f"    {command}\n\n{table(runs)}")


def write_readme(block: str, start: str = START, end: str = END) -> None:
    """Replace the measured block (between `start` and `end`) of bench/README.md's build section,
    keeping everything else.

    Creates the section, or the README, when absent; other `## ...` sections are left as they are.
    """
    readme = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    fenced = f"{start}\n{block}\n{end}"
    if start in readme and end in readme:
        head, rest = readme.split(start, 1)
        _, tail = rest.split(end, 1)
        readme = head + fenced + tail
    else:
        readme = readme.rstrip("\n") + f"\n\n{SECTION}\n\n{fenced}\n"
    README.write_text(readme, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="observation counts, comma-separated")
    parser.add_argument("--tools", default="cogs,csvcubed", help="which builds to time (cogs, csvcubed)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a build is stopped")
    parser.add_argument("--repeat", type=int, default=1, help="runs per build; the median time is shown")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--rebuild", action="store_true",
                        help="each round builds over the previous round's output (after an uncounted first build)")
    parser.add_argument("--write-readme", action="store_true", help="write the table into bench/README.md")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - {"cogs", "csvcubed"}
    if unknown:
        parser.error(f"unknown tool {sorted(unknown)}: use cogs, csvcubed")
    if "cogs" in tools:
        compile_cogs()
    runs: list[Run] = []
    made: list[Path] = []
    try:
        for rows in sizes:
            runs.extend(bench_size(rows, tools, args.timeout, args.repeat, args.seed, args.rebuild, made))
    finally:
        for out in made:
            shutil.rmtree(out, ignore_errors=True)
    version = csvcubed_version(ensure_csvcubed()) if "csvcubed" in tools else "(not run)"
    print(table(runs))
    if args.write_readme:
        command = " ".join(["python bench/build_bench.py", *(argv if argv is not None else sys.argv[1:])])
        markers = (REBUILD_START, REBUILD_END) if args.rebuild else (START, END)
        write_readme(figures(runs, version, command), *markers)
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
