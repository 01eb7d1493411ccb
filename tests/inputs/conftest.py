"""Helpers for input tests: a project (site.toml, one family) around dataset folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SITE = 'base_uri = "https://stats.example.org/"\ntitle = "Input tests"\n'
FAMILY = '''title = "Inputs"
description = "Datasets read from real-world inputs."
themes = ["Testing"]
publisher = "Office for Testing"
contact_point = "mailto:stats@example.org"
license = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
'''


def make_project(root: Path) -> Path:
    """`root/site.toml` and a family `root/inputs/`; returns the family folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(SITE)
    family = root / "inputs"
    family.mkdir(exist_ok=True)
    (family / "family.toml").write_text(FAMILY)
    return family


@pytest.fixture
def family(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def copy_case(source: Path, family: Path, name: str | None = None) -> Path:
    target = family / (name or source.name)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("expected.txt"))
    return target
