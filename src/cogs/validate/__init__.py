"""Validation: the SHACL shapes in `shapes/` run over RDF, fast, with problems that point to the cell.

The shapes are the truth. `shapes.py` compiles them into SPARQL checks that pyoxigraph runs over
the whole store at once (`sparql.py`); observations read from N-Triples or N-Quads go through a
columnar path instead (`columnar.py`), whose checks are proven equal to the shapes' by tests that
run pySHACL (`reference.py`) on the same data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from cogs.problems import Location, Problem
from cogs.validate.load import load_store, rdf_files
from cogs.validate.shapes import Check, Shapes, default_shapes
from cogs.validate.sparql import Violation, run_checks

Locate = Callable[[str], Location | None]

__all__ = [
    "Locate",
    "Shapes",
    "Violation",
    "default_shapes",
    "load_store",
    "problems_from",
    "validate_graph_files",
    "validate_store",
    "violations_in_files",
]


def validate_store(store: ox.Store, *, locate: Locate | None = None, shapes: Shapes | None = None) -> list[Problem]:
    """Every problem the shapes find in a store (all its graphs read as one), every check as SPARQL.

    Exact, and right for metadata-sized graphs; with many observations prefer
    `validate_graph_files`, whose columnar path avoids the pairwise comparisons of IC-12/IC-17."""
    shapes = shapes or default_shapes()
    return problems_from(run_checks(store, shapes), shapes, locate)


def violations_in_files(paths: list[Path], *, shapes: Shapes | None = None, engine: str = "auto") -> list[Violation]:
    """Violations of the shapes in RDF files, folders of them, or a built `out/`.

    `engine` is "auto" (observations from N-Triples/N-Quads take the columnar path when every
    observation check has a columnar form), "columnar" (insist on it) or "sparql" (load
    everything into one store and run every check as SPARQL).
    """
    from cogs.validate import columnar

    shapes = shapes or default_shapes()
    files = rdf_files(paths)
    if engine != "sparql":
        result = columnar.validate_files(files, shapes, required=engine == "columnar")
        if result is not None:
            return result
    return run_checks(load_store(files), shapes)


def validate_graph_files(
    paths: list[Path], *, locate: Locate | None = None, shapes: Shapes | None = None, engine: str = "auto"
) -> list[Problem]:
    """Every problem the shapes find in RDF files; `locate` maps a focus node to its CSV cell."""
    shapes = shapes or default_shapes()
    return problems_from(violations_in_files(paths, shapes=shapes, engine=engine), shapes, locate)


_PREFIX = re.compile(r"PREFIX (\w+): <([^>]*)>")
_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")
_IRI = re.compile(r"<([^<>\s]*)>")


def _compact(text: str, prefixes: list[tuple[str, str]]) -> str:
    def short(match: re.Match[str]) -> str:
        iri = match.group(1)
        for prefix, namespace in prefixes:
            rest = iri[len(namespace):]
            if iri.startswith(namespace) and re.fullmatch(r"[A-Za-z_][\w-]*", rest):
                return f"{prefix}:{rest}"
        return match.group(0)

    return _IRI.sub(short, text)


def message_of(violation: Violation, prefixes: list[tuple[str, str]]) -> str:
    bindings = dict(violation.bindings)
    bindings["this"] = f"<{violation.focus}>"

    def fill(match: re.Match[str]) -> str:
        return bindings.get(match.group(1), f"?{match.group(1)}")

    return _compact(_PLACEHOLDER.sub(fill, violation.message), prefixes)


def problems_from(violations: list[Violation], shapes: Shapes, locate: Locate | None = None) -> list[Problem]:
    """Problems (code, severity, message, focus, and where known the CSV cell) from violations."""
    prefixes = sorted(_PREFIX.findall(shapes.prefixes), key=lambda p: -len(p[1]))
    cell = getattr(locate, "cell", None)
    problems = []
    for v in violations:
        where: Location | None = None
        if cell is not None:
            prop = dict(v.bindings).get("dim") or dict(v.bindings).get("measure") or dict(v.bindings).get("attr") \
                or dict(v.bindings).get("component") or (f"<{v.path}>" if v.path else None)
            where = cell(v.focus, prop.strip("<>") if prop else None)
        elif locate is not None:
            where = locate(v.focus)
        problems.append(Problem(v.code, message_of(v, prefixes), where, v.severity, focus=v.focus))
    return sorted(problems, key=_order)


def _order(p: Problem) -> tuple[str, int, int, str, str, str]:
    loc = p.location
    return (loc.path if loc else "~", (loc.line or 0) if loc else 0, (loc.column or 0) if loc else 0,
            p.focus or "", p.code, p.message)


def checks_by_code(shapes: Shapes) -> dict[str, list[Check]]:
    out: dict[str, list[Check]] = {}
    for check in shapes.checks:
        out.setdefault(check.code, []).append(check)
    return out
