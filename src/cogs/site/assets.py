"""Where the theme and the GOV.UK Frontend files come from, and what of them goes into `out/assets/`.

GOV.UK Frontend is the npm package `govuk-frontend` (pinned in `package.json`, installed by
`make build` into `node_modules/`). In a source checkout it is read from there; in a wheel it is
packaged under `cogs/site/govuk/` (see docs/site.md). A site build never fetches anything.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from cogs.problems import Location, Problem, Severity

HERE = Path(__file__).resolve().parent
# In a checkout, src/cogs/site/ -> the repository root is three levels up.
CHECKOUT = HERE.parents[2]
GOVUK_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
GOVUK_FOLDERS = ("assets/fonts", "assets/images")


def default_theme() -> Path:
    """The packaged default theme: `cogs/site/theme/` in a wheel, `site/` in a checkout."""
    packaged = Path(str(resources.files("cogs.site").joinpath("theme")))
    if (packaged / "templates").is_dir():
        return packaged
    return CHECKOUT / "site"


def govuk_frontend() -> Path | None:
    """The `dist/govuk/` folder of the govuk-frontend package, or None when it is not installed."""
    candidates = []
    if os.environ.get("COGS_GOVUK_FRONTEND"):
        candidates.append(Path(os.environ["COGS_GOVUK_FRONTEND"]))
    candidates.append(Path(str(resources.files("cogs.site").joinpath("govuk"))))
    candidates.append(CHECKOUT / "node_modules" / "govuk-frontend" / "dist" / "govuk")
    candidates.append(Path.cwd() / "node_modules" / "govuk-frontend" / "dist" / "govuk")
    for candidate in candidates:
        if (candidate / GOVUK_FILES[0]).is_file():
            return candidate
    return None


def govuk_assets() -> tuple[dict[str, bytes], list[Problem]]:
    """GOV.UK Frontend's CSS, JS, fonts and images, keyed by path under `out/assets/`."""
    source = govuk_frontend()
    if source is None:
        return {}, [Problem("site.no-govuk-frontend", "GOV.UK Frontend is not installed: pages will be unstyled",
                            Location("package.json"), Severity.WARNING,
                            hint="run `npm ci` in the cogs source folder (`make build` does it), or set "
                                 "COGS_GOVUK_FRONTEND to the package's dist/govuk folder")]
    files: dict[str, bytes] = {}
    for name in GOVUK_FILES:
        data = (source / name).read_bytes()
        if name.endswith(".css"):
            # The stylesheet points at /assets/...: make it relative so any base path works.
            data = data.replace(b"url(/assets/", b"url(")
        files[name] = data
    for folder in GOVUK_FOLDERS:
        for path in sorted((source / folder).rglob("*")):
            if path.is_file():
                files[path.relative_to(source / "assets").as_posix()] = path.read_bytes()
    manifest = source / "assets" / "manifest.json"
    if manifest.is_file():
        files["manifest.json"] = manifest.read_bytes()
    return files, []


def theme_static(themes: list[Path]) -> dict[str, bytes]:
    """The theme's own static files (later themes override earlier ones), keyed under `assets/cogs/`."""
    files: dict[str, bytes] = {}
    for theme in themes:
        static = theme / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file():
                    files[path.relative_to(static).as_posix()] = path.read_bytes()
    return files
