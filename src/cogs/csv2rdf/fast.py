"""Vectorised conversion with polars (placeholder until written)."""

from __future__ import annotations

from cogs.csv2rdf.process import Loaded
from cogs.csv2rdf.rdf import Options


def try_convert(loaded: Loaded, options: Options) -> str | None:
    return None
