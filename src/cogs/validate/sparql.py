"""Run compiled checks as SPARQL SELECT queries over a pyoxigraph store (all graphs as one).

The checks read the RDF merge of the store's graphs. Oxigraph's union default graph is not that
merge: a triple stated in k graphs (a shared code list, a dimension every dataset uses) is matched
k times, so a query of n such patterns enumerates k**n rows before DISTINCT removes them. The
checks therefore run over a copy of the store whose default graph holds each triple once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from cogs.problems import Severity
from cogs.validate.shapes import Check, Shapes, Target

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True, order=True)
class Violation:
    """One focus node failing one check, with the query's other bindings for the message."""

    code: str
    focus: str
    shape: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    path: str | None = field(default=None, compare=False)
    bindings: tuple[tuple[str, str], ...] = field(default=(), compare=False)


def term_text(term: Term | ox.Triple | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def display_term(term: Term | ox.Triple) -> str:
    """A term as it reads in a message: IRIs in angle brackets, literals quoted."""
    if isinstance(term, ox.Literal):
        return '"' + term.value + '"'
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    return term_text(term)


def _subclasses(store: ox.Store, cls: str) -> list[str]:
    query = f"SELECT DISTINCT ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> }}"
    found = {term_text(row["c"]) for row in store.query(query, use_default_graph_as_union=True)}  # type: ignore[union-attr]
    found.add(cls)
    return sorted(found)


def target_pattern(store: ox.Store, target: Target) -> str:
    parts: list[str] = []
    for cls in target.classes:
        parts.extend(f"{{ ?this a <{c}> }}" for c in _subclasses(store, cls))
    if target.nodes:
        parts.append("{ VALUES ?this { " + " ".join(f"<{n}>" for n in target.nodes) + " } }")
    parts.extend(f"{{ ?this <{p}> ?target_ }}" for p in target.subjects_of)
    parts.extend(f"{{ ?target_ <{p}> ?this }}" for p in target.objects_of)
    return " UNION ".join(parts) if parts else "FILTER (false)"


def check_query(store: ox.Store, shapes: Shapes, check: Check) -> str:
    targets = target_pattern(store, check.target)
    if check.kind == "sparql":
        body = f"SELECT * WHERE {{ {{ SELECT DISTINCT ?this WHERE {{ {targets} }} }} {{ {check.query} }} }}"
    else:
        body = check.query.replace("%TARGET%", "{ SELECT DISTINCT ?this WHERE { " + targets + " } }")
    return shapes.prefixes + body


def run_check(store: ox.Store, shapes: Shapes, check: Check) -> list[Violation]:
    rows = store.query(check_query(store, shapes, check), use_default_graph_as_union=True)
    variables = [v.value for v in rows.variables]  # type: ignore[union-attr]
    out = set()
    for row in rows:  # type: ignore[union-attr]
        focus = term_text(row["this"])
        bindings = tuple((v, display_term(row[v])) for v in variables if v != "this" and row[v] is not None)
        out.add(Violation(check.code, focus, check.shape, check.severity, check.message, check.path, bindings))
    return sorted(out)


def merged(store: ox.Store) -> ox.Store:
    """The store's graphs merged into the default graph of a new store, each triple once; the
    store itself when it has no named graph. Blank nodes keep their identity across graphs."""
    if next(iter(store.named_graphs()), None) is None:
        return store
    out = ox.Store()
    out.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None))
    return out


def run_checks(store: ox.Store, shapes: Shapes, checks: Iterable[Check] | None = None) -> list[Violation]:
    """Every violation of the checks (all the shapes' by default) in the merge of the store's graphs."""
    store = merged(store)
    out: list[Violation] = []
    for check in checks if checks is not None else shapes.checks:
        out.extend(run_check(store, shapes, check))
    return sorted(set(out))
