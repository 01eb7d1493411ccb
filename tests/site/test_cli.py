"""`cogs site`: re-render a built folder's site, optionally checking its links."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cogs.cli import main


def test_cogs_site_renders_a_built_folder_and_checks_its_links(fixture_out: Path) -> None:
    result = CliRunner().invoke(main, ["site", str(fixture_out), "--check-links"])
    assert result.exit_code == 0, result.output
    assert (fixture_out / "trade" / "regional-trade" / "index.html").is_file()
    assert "rendered" in result.output


def test_cogs_site_reports_a_broken_link_and_exits_1(fixture_out: Path, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<a href="{{ to.page(\'missing/\') }}">gone</a>{% endblock %}')
    result = CliRunner().invoke(main, ["site", str(fixture_out), "--theme", str(theme), "--check-links", "--json"])
    assert result.exit_code == 1, result.output
    problems = json.loads(result.output)["problems"]
    assert [(p["code"], p["path"]) for p in problems] == [("site.broken-link", "index.html")]


def test_cogs_site_on_a_folder_that_was_not_built(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["site", str(tmp_path)])
    assert result.exit_code == 1
    assert "site.no-manifest" in result.output
