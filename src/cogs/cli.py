"""The command line: a thin layer over the library. The only module that imports click."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cogs import __version__
from cogs.problems import CogsError, Problem, Severity


def _report(problems: list[Problem], as_json: bool, verbose: bool = True) -> None:
    if as_json:
        return
    for problem in problems:
        if problem.severity is Severity.INFO and not verbose:
            continue
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}[str(problem.severity)]
        click.secho(str(problem), fg=colour, err=True)


@click.group()
@click.version_option(__version__, prog_name="cogs")
def main() -> None:
    """Publish dataset families of official statistics as linked open data."""


@main.command()
@click.argument("families", default="families", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", default="out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to build into (replaced only when the build succeeds).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary and problems as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display.")
@click.option("-v", "--verbose", is_flag=True, help="Also print notes (info), not only errors and warnings.")
def build(families: Path, out: Path, strict: bool, as_json: bool, quiet: bool, verbose: bool) -> None:
    """Build FAMILIES (default families/) into CSVW, RDF Data Cube, a catalogue and a site."""
    from cogs.build import build as run, summary

    show = not (quiet or as_json) and sys.stderr.isatty()
    try:
        if show:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("building", total=None)

                def progress(message: str, done: int, total: int) -> None:
                    bar.update(task, description=message, completed=done, total=total)

                result = run(families, out, strict=strict, progress=progress)
        else:
            result = run(families, out, strict=strict)
    except CogsError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [p.as_dict() for p in exc.problems]}, indent=2))
        _report(exc.problems, as_json, verbose)
        failing = sum(p.severity is Severity.ERROR for p in exc.problems)
        if not as_json:
            click.secho(f"build failed: {failing} error(s); {out} was left as it was", fg="red", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps({"ok": True, **summary(result)}, indent=2))
        return
    _report(result.problems, as_json, verbose)
    info = summary(result)
    counts = {s: sum(p.severity is s for p in result.problems) for s in (Severity.WARNING, Severity.INFO)}
    click.echo(f"built {info['datasets']} datasets in {info['families']} families "
               f"({info['observations']:,} observations) into {out} in {info['seconds']:.1f}s; "
               f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} note(s)"
               + ("" if verbose or not counts[Severity.INFO] else " (-v shows notes)"))


@main.command("csv2rdf")
@click.argument("source")
@click.option("--metadata", "metadata", default=None, help="User metadata (path or URL) overriding any found.")
@click.option("--mode", type=click.Choice(["standard", "minimal"]), default="standard", show_default=True,
              help="standard adds table/row structure and provenance; minimal gives only the cells' triples.")
@click.option("--no-prov", is_flag=True, help="Leave out the provenance activity (standard mode).")
@click.option("--format", "fmt", type=click.Choice(["nt", "ttl", "jsonld", "json"]), default="nt", show_default=True,
              help="RDF serialisation, or json for CSV-to-JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--engine", type=click.Choice(["auto", "reference", "fast"]), default="auto", show_default=True,
              help="auto uses the vectorised path where the metadata allows it.")
def csv2rdf_command(source: str, metadata: str | None, mode: str, no_prov: bool, fmt: str,
                    output: Path | None, engine: str) -> None:
    """Convert CSVW (a CSV file or a metadata file, path or http(s) URL) to RDF or JSON."""
    from cogs.csv2rdf import csv2json, csv2rdf

    try:
        if fmt == "json":
            result = csv2json(source, metadata=metadata, mode=mode)  # type: ignore[arg-type]
            text = json.dumps(result.json, indent=2, ensure_ascii=False) + "\n"
        else:
            result = csv2rdf(source, metadata=metadata, mode=mode, prov=not no_prov,  # type: ignore[arg-type]
                             engine=engine)  # type: ignore[arg-type]
            text = result.serialize(fmt)
    except CogsError as exc:
        _report(exc.problems, False)
        sys.exit(1)
    _report(result.problems, False)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
