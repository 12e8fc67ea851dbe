"""Shared library of the rare-earth notebook collection: data, units, claims, plots, build."""

__version__ = "0.1.0"
