"""The serve and publish docs cannot drift: every option and every problem code is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cogs.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command, page", [("serve", "serve.md"), ("publish", "publish.md")])
def test_every_option_is_documented(command: str, page: str) -> None:
    text = (ROOT / "docs" / page).read_text()
    options = [opt for param in main.commands[command].params for opt in param.opts if opt.startswith("--")]
    assert options
    missing = [opt for opt in options if f"`{opt}`" not in text]
    assert not missing, f"options of cogs {command} missing from docs/{page}: {missing}"


@pytest.mark.parametrize("module, page", [("store.py", "serve.md"), ("publish.py", "publish.md")])
def test_every_problem_code_is_documented(module: str, page: str) -> None:
    source = (ROOT / "src" / "cogs" / module).read_text()
    codes = set(re.findall(r'Problem\(\s*"([a-z0-9.-]+)"', source))
    assert codes
    text = (ROOT / "docs" / page).read_text()
    assert not {c for c in codes if f"`{c}`" not in text}
