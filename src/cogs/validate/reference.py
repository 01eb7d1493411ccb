"""The reference path: pySHACL on the same shapes and data, to prove the fast path agrees with it."""

from __future__ import annotations

import pyshacl
import rdflib
from rdflib import SH

from cogs.validate.shapes import COGS, load_shapes_graph


def pyshacl_results(data: rdflib.Graph, shapes: rdflib.Graph | None = None) -> set[tuple[str, str]]:
    """(focus node, problem code) of every result pySHACL reports."""
    shapes_graph = shapes if shapes is not None else load_shapes_graph()
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=False, allow_warnings=True)
    assert isinstance(report, rdflib.Graph)
    out: set[tuple[str, str]] = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        code = shapes_graph.value(shape, COGS.code)
        if code is None:
            parent = shapes_graph.value(None, SH.property, shape)
            code = shapes_graph.value(parent, COGS.code)
        out.add((str(focus), str(code)))
    return out
