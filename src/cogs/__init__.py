"""cogs: publish official statistics as linked open data."""

__version__ = "0.1.0"
