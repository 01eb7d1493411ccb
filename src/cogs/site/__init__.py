"""The static discovery site, rendered from a built `out/` folder (see docs/site.md)."""

from __future__ import annotations

from cogs.site.links import check_links
from cogs.site.render import render_site

__all__ = ["check_links", "render_site"]
