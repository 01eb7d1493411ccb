"""csvcubed compatibility (in progress)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def dataset_config(folder: Path) -> Any:
    return None


def bare_csv(folder: Path) -> Path | None:
    return None
