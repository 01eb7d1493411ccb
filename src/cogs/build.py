"""`cogs build`: gather every family, check and model every dataset, then write `out/` in one go.

Nothing is written until every dataset has been read and checked; the output is assembled in a
staging folder beside `out/` and swapped in at the end, so a failed build leaves the previous
output as it was.
"""

from __future__ import annotations

import importlib
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cogs.config import FamilyConfig, ProjectConfig, load_project
from cogs.cube import Prepared, Scope, prepare, resolve_definitions
from cogs.model import CodeList, Family
from cogs.cells import CellLocator
from cogs.problems import CogsError, Problem, Severity, errors
from cogs.uris import Minter

if TYPE_CHECKING:
    from cogs.write import Made

# The stages after the check, imported on a thread while the tables are read (see _import_later).
LATER = ("cogs.write", "cogs.csvw_dataset", "cogs.validate", "cogs.site")
THEME = "theme"  # a folder beside site.toml whose templates/ and static/ override the default theme
Progress = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    out: Path
    families: list[Family]
    problems: list[Problem]
    seconds: float
    observations: int = 0
    graphs: list[dict[str, object]] = field(default_factory=list)


def _quiet(message: str, done: int, total: int) -> None:
    return None


def build(root: Path, out: Path, *, strict: bool = False, progress: Progress = _quiet) -> BuildResult:
    """Build every family under `root` into `out`. Raises CogsError, leaving `out` untouched, on errors."""
    started = time.perf_counter()
    project = load_project(root)
    minter = Minter(project.site.base_uri)
    later = _import_later()
    try:
        families, prepared, problems = _prepare_all(project, minter, progress)
    finally:
        later.join()  # a failed check too: no import is left running as the command exits
    from cogs import csvw_dataset, write
    from cogs.site import render_site

    given_as_csvw, found = csvw_dataset.check(project, minter)  # datasets given only as CSVW
    problems = problems + found
    if errors(problems) or (strict and any(p.severity is Severity.WARNING for p in problems)):
        raise CogsError(problems)
    staging = out.parent / f".{out.name}.building-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        made = write.Made()
        result = BuildResult(staging, families, [], 0.0)
        write.write_output(project, minter, families, prepared, staging, progress, made, result)
        csvw_dataset.write(given_as_csvw, project, minter, staging, result)
        progress("validating against the shapes", 0, 1)
        locator = CellLocator([item for items in prepared.values() for item in items])
        # Violations fail the build; the shapes' recommendations (warnings) are for `cogs validate`
        # and the quality page, so a build's report stays about the data it was given.
        # Datasets given as CSVW were converted straight into the dump: read it back to check them too.
        found = [p for p in _validate(staging / write.DUMP, None if given_as_csvw else made, locator)
                 if p.severity is Severity.ERROR]
        found = csvw_dataset.settle(found, given_as_csvw, result)
        problems = problems + found
        if found:
            raise CogsError(problems)
        # The site reads what was written, but for the published tables, handed over as they are
        # (the cells of the CSV files, not read back); the rest of what was held for the check goes.
        tables = {f"{item.dataset.key}/{item.dataset.csv_name}": frame for items in prepared.values()
                  for item in items if (frame := write.published(item)) is not None}
        del locator
        prepared.clear()
        progress("rendering the site", 0, 1)
        theme = project.root / THEME
        problems.extend(render_site(staging, theme_dir=theme if theme.is_dir() else None,
                                    previous=out if out.is_dir() else None, tables=tables))
        del tables
        result.problems = problems + result.problems
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.out = out
    result.seconds = time.perf_counter() - started
    return result


def _import_later() -> threading.Thread:
    """Import the stages after the check (and rdflib, pyoxigraph, jinja2 and the rest under them)
    on a thread while the tables are read and checked: that is polars work, which lets go of the
    GIL, and the imports are a quarter of a second a build would otherwise wait for first. Only
    the project's configuration is read before, so the two threads never import the same module
    at once: the reading of tables imports nothing these do. A module that fails to import here
    is imported again by the build itself, which raises its error with the traceback."""
    def run() -> None:
        for name in LATER:
            try:
                importlib.import_module(name)
            except Exception:
                return

    thread = threading.Thread(target=run, name="cogs-imports", daemon=True)
    thread.start()
    return thread


def _validate(dump: Path, made: Made | None, locator: CellLocator) -> list[Problem]:
    """The shapes' verdict on what was written: from memory on the columnar path, or by reading
    the dump back when nothing was kept or the data needs SPARQL over everything."""
    from cogs.validate import columnar, default_shapes, problems_from, validate_graph_files

    shapes = default_shapes()
    if made is None:
        return validate_graph_files([dump], locate=locator, shapes=shapes)
    try:
        violations = columnar.validate_gathered(made.observations, made.metadata, shapes, [dump])
    except columnar.Unsupported:
        return validate_graph_files([dump], locate=locator, shapes=shapes)
    finally:
        made.observations = columnar.Gathered()
    return problems_from(violations, shapes, locator)


def _prepare_all(project: ProjectConfig, minter: Minter,
                 progress: Progress) -> tuple[list[Family], dict[str, list[Prepared]], list[Problem]]:
    problems: list[Problem] = []
    families: list[Family] = []
    prepared: dict[str, list[Prepared]] = {}
    total = sum(len(f.datasets) for f in project.families)
    done = 0
    for family_config in project.families:
        family_lists, found = resolve_definitions(family_config.definitions, minter.family(family_config.id), minter)
        problems.extend(found)
        ready: list[Prepared] = []
        for dataset_config in family_config.datasets:
            progress(f"checking {family_config.id}/{dataset_config.id}", done, total)
            scope_uri = minter.dataset(family_config.id, dataset_config.id)
            dataset_lists, found = resolve_definitions(dataset_config.definitions, scope_uri, minter)
            problems.extend(found)
            scope = Scope(minter, family_config, dataset_config, family_lists, dataset_lists)
            try:
                item = prepare(scope)
            except CogsError as exc:
                problems.extend(exc.problems)
            else:
                problems.extend(item.problems)
                ready.append(item)
            done += 1
        prepared[family_config.id] = ready
        families.append(_family(family_config, minter, ready, family_lists))
    return families, prepared, problems


def _family(config: FamilyConfig, minter: Minter, ready: list[Prepared],
            declared: dict[str, CodeList]) -> Family:
    return Family(config.id, minter.family(config.id), config.title, config.description, config.themes,
                  config.publisher, config.publisher_uri, config.contact_point, config.license,
                  tuple(p.dataset for p in ready), tuple(declared.values()))


def _swap(staging: Path, out: Path) -> None:
    """Put the new build in place of the old one; the old one is removed only once the new is there."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        _remove(old)


def _remove(folder: Path) -> None:
    """Delete a folder tree, its files on threads: each unlink mostly waits on the file system
    (the old 1M-observation build went in 0.51 s so, against 0.73 s with shutil.rmtree)."""
    files: list[str] = []
    folders: list[str] = []
    for parent, subfolders, names in os.walk(folder):  # links to folders are not followed: unlinked
        folders.append(parent)
        files.extend(os.path.join(parent, name) for name in names)
        files.extend(os.path.join(parent, name) for name in subfolders if os.path.islink(os.path.join(parent, name)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(os.unlink, files))
    for parent in reversed(folders):
        os.rmdir(parent)


def summary(result: BuildResult) -> dict[str, object]:
    return {"out": str(result.out), "families": len(result.families),
            "datasets": sum(1 for g in result.graphs if g.get("dataset")),  # those given as CSVW too
            "observations": result.observations,
            "seconds": round(result.seconds, 3),
            "problems": [p.as_dict() for p in result.problems]}
