"""The command line: a thin layer over the library. The only module that imports click."""

from __future__ import annotations

import click

from cogs import __version__


@click.group()
@click.version_option(__version__, prog_name="cogs")
def main() -> None:
    """Publish dataset families of official statistics as linked open data."""
