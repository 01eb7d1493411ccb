"""The linkage docs cannot drift: every term of the vocabulary, every problem code, every file member."""

from __future__ import annotations

import re
from pathlib import Path

from cogs import linkage, quality, revisions

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "src" / "cogs" / f"{name}.py" for name in ("linkage", "quality", "revisions", "reconcile")]


def test_every_term_of_the_vocabulary_is_documented() -> None:
    text = (ROOT / "docs" / "vocabulary.md").read_text()
    used = set()
    for source in SOURCES:
        used |= set(re.findall(r'COGS \+ "([A-Za-z]+)"', source.read_text()))
        used |= {m for m in re.findall(r'"([A-Za-z]+)"', source.read_text()) if m in {t for t, *_ in
                                                                                    linkage.VOCABULARY}}
    defined = {term for term, *_ in linkage.VOCABULARY}
    assert used <= defined, f"terms used but not defined in cogs.linkage.VOCABULARY: {sorted(used - defined)}"
    assert {m for m in defined if f"`cogs:{m}`" not in text} == set()


def test_every_problem_code_is_documented() -> None:
    text = (ROOT / "docs" / "linkage.md").read_text()
    codes = set()
    for source in SOURCES:
        codes |= set(re.findall(r'Problem\(\s*"([a-z0-9.-]+)"', source.read_text()))
    assert {"reconcile.no-match", "reconcile.ambiguous", "diff.not-a-build"} <= codes
    assert {c for c in codes if f"`{c}`" not in text} == set()


def test_the_files_the_site_reads_are_documented() -> None:
    text = (ROOT / "docs" / "linkage.md").read_text()
    for name in (linkage.LINKAGE_JSON, quality.QUALITY_JSON, revisions.CHANGES_JSON):
        assert f"## `out/{name}`" in text
    for member in ("linked_with", "joinable_with", "left_coverage", "right_coverage", "match_rate", "used", "spec",
                   "reference_match", "generated_by", "compared_with_previous", "revised_rows", "structure_changed"):
        assert f'"{member}"' in text, member
