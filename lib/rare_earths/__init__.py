"""Shared library of the rare-earth notebook collection.

The core (data, units, claims, plots, paths, outputs, notebook, snapshot) is what every notebook uses; the wings
are `sections` (the analysis, one module per section), `build` (the build engine), `site` (the reader pages)
and `clients` (outside data services). See docs/layout.md for the map and the import rules.
"""

__version__ = "0.1.0"

# Section modules lived at the top of the package until the layout of the wings; importing them from the
# old place fails with the new one named, rather than with a bare "cannot import name".
MOVED = {
    **{
        name: f"rare_earths.sections.{name}"
        for name in ("exports", "policy", "prices", "shares", "defense", "responses", "outlook")
    },
    "comtrade": "rare_earths.clients.comtrade (the refresh client) or rare_earths.sections.comtrade (section 01's comparison)",
    "index": "rare_earths.site.index",
    "catalogue": "rare_earths.site.sources_page",
    "reports": "rare_earths.site.reports",
    "cache": "rare_earths.build.cache",
    "sweep": "rare_earths.build.sweep",
    "provenance": "rare_earths.build.provenance",
}


def __getattr__(name: str) -> object:
    """Say where a moved module went (`from rare_earths import prices` -> use `from rare_earths.sections import prices`)."""
    if name in MOVED:
        raise ImportError(f"rare_earths.{name} has moved: use {MOVED[name]}")
    raise AttributeError(f"module 'rare_earths' has no attribute {name!r}")
