"""The methodology page (outputs/methodology.html): how a claim is read, checked and given a word of the scale.

Everything the page states about the rules is read from the code that applies them: the scale's words and
meanings and the rules that choose them (`rare_earths.scale`), the robustness labels (`rare_earths.robustness`),
the window for 'nearest data' (`rare_earths.claims.NEAR_DAYS`), the tolerances of the inventory
(data/claims.csv) and the ratings of the ClaimReview markup (`site.claimreview.rating_table`). The page therefore cannot drift from what the ledger does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import claims, robustness, scale
from ..outputs import write_text
from . import claimreview

PACKAGE_DATA = ("templates/methodology.html.j2",)  # what it reads beside itself (build/deps.py)
TEMPLATE = "methodology.html.j2"


def context() -> dict[str, Any]:
    """What the page shows, taken from the rules the code applies."""
    inventory = claims.inventory()
    return {
        "scale": [{"word": w, "meaning": scale.MEANING[w], "slug": scale.slug(w)} for w in scale.SCALE],
        "forecasts": [{"word": w, "meaning": scale.MEANING[w], "slug": scale.slug(w)} for w in scale.FORECAST_OUTCOMES],
        "rules": [{"word": w, "when": t} for w, t in scale.RULES],
        "statement_rules": [{"word": w, "when": t} for w, t in scale.STATEMENT_RULES],
        "outcomes": (scale.HOLDS, scale.FAILS, scale.OPEN),
        "labels": [
            (robustness.HOLDS, "every reading tried gives the main reading's outcome"),
            (robustness.PARTIAL, "every reading that the data decide agrees; some readings have no data"),
            (robustness.DEPENDS, "at least one reading gives another outcome"),
            (robustness.MAIN_OPEN, "the main reading has no data; only other readings decide anything"),
            (robustness.SINGLE, "only the main reading applies"),
            (robustness.NONE, "no reading has data"),
        ],
        "near_days": claims.NEAR_DAYS,
        "tolerances": inventory["tolerance_kind"].value_counts().to_dict(),
        "n_claims": len(inventory),
        "n_statements": inventory["statement_id"].nunique(),
        "ratings": claimreview.rating_table(),
        "best": scale.BEST_RATING,
        "worst": scale.WORST_RATING,
    }


def render() -> str:
    """The page's HTML (escaped by the template engine)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, keep_trailing_newline=True
    )
    return env.get_template(TEMPLATE).render(**context())


def write(output_root: Path) -> Path:
    """Write outputs/methodology.html."""
    return write_text(render(), output_root / "methodology.html")
