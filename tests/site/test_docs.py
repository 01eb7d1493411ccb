"""docs/site.md cannot drift: every problem code of the site is documented there."""

from __future__ import annotations

import re

from tests.site.conftest import REPO


def test_every_site_problem_code_is_documented() -> None:
    source = "\n".join(p.read_text("utf-8") for p in sorted((REPO / "src" / "cogs" / "site").glob("*.py")))
    codes = set(re.findall(r'"(site\.[a-z-]+)"', source))
    assert len(codes) >= 8
    text = (REPO / "docs" / "site.md").read_text("utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in text) == []


def test_every_default_template_is_documented() -> None:
    text = (REPO / "docs" / "site.md").read_text("utf-8")
    for template in sorted((REPO / "site" / "templates").glob("*.html")):
        assert f"`{template.name}`" in text, template.name
