"""`table.repeated`, the duplicate-key test behind the table check and IC-12, equals polars' own
whole-row comparison on any table: it only takes a cheaper road to the same answer."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.table import repeated

CODES = st.sampled_from(["A", "B", "", "E09000001", "2020-Q1", "a,b", None])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CODES, CODES, st.integers(0, 3)), max_size=40))
def test_repeated_equals_whole_row_comparison(rows: list[tuple[str | None, str | None, int]]) -> None:
    frame = pl.DataFrame(rows, schema={"area": pl.String, "period": pl.String, "n": pl.Int64}, orient="row")
    expected = frame.select(pl.struct("area", "period", "n").is_duplicated()).to_series().to_list()
    assert repeated(frame, ["area", "period", "n"]).to_list() == expected


def test_rows_whose_hashes_collide_are_still_compared_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every row hashing alike makes every row a candidate: only whole rows may decide.
    monkeypatch.setattr(pl.Expr, "hash", lambda self, *args, **kwargs: pl.repeat(0, pl.len(), dtype=pl.UInt64))
    frame = pl.DataFrame({"k": ["x", "y", "x", "z"], "n": [1, 1, 1, 2]})
    assert repeated(frame, ["k", "n"]).to_list() == [True, False, True, False]
    assert repeated(frame, ["n"]).to_list() == [True, True, True, False]
    assert repeated(frame.head(0), ["k"]).to_list() == []
