"""The verdict scale readers see: its words, their order, their ratings and what each one means.

Every verdict in `outputs/tables/claims.csv` (one row per checked part of a statement) and in
`outputs/tables/statements.csv` (one row per statement of the article) is one of these words. The rules that
choose a word are applied in `rare_earths.claims`; the methodology page and the ClaimReview markup read their
wording and ratings from here, so the page, the markup and the code cannot drift apart.
"""

from __future__ import annotations

ACCURATE = "accurate"
ROUGHLY_RIGHT = "roughly right"
MISLEADING = "misleading"
WRONG = "wrong"
UNCHECKABLE = "can't be checked"

CAME_TRUE = "came true"
DID_NOT_COME_TRUE = "did not come true"
NOT_YET_DECIDABLE = "not yet decidable"

SCALE = (ACCURATE, ROUGHLY_RIGHT, MISLEADING, WRONG, UNCHECKABLE)
"""Verdicts on statements of fact, best first."""

FORECAST_OUTCOMES = (CAME_TRUE, DID_NOT_COME_TRUE, NOT_YET_DECIDABLE)
"""Outcomes of forecasts, judged against what later happened."""

ALL = SCALE + FORECAST_OUTCOMES

MEANING = {
    ACCURATE: "holds on the most plausible reading and on every other reasonable reading",
    ROUGHLY_RIGHT: "holds on the most plausible reading, but not on every reasonable reading, or only within rounding",
    MISLEADING: "a figure matches, but what the sentence implies does not: one part holds and another fails, "
    "an outdated figure is given as current, or the figure describes another quantity",
    WRONG: "contradicted on the most plausible reading and on every other reasonable reading",
    UNCHECKABLE: "no source we could read decides it; the reason is given",
    CAME_TRUE: "the forecast happened: the first date the data show it, and the value",
    DID_NOT_COME_TRUE: "the forecast's window has closed and the data never reached its target",
    NOT_YET_DECIDABLE: "the forecast's window is still open, or no data cover it",
}

RATING = {ACCURATE: 5, ROUGHLY_RIGHT: 4, MISLEADING: 2, WRONG: 1, CAME_TRUE: 5, DID_NOT_COME_TRUE: 1}
"""ClaimReview ratingValue (worstRating 1, bestRating 5); verdicts without a rating carry only their word."""
BEST_RATING, WORST_RATING = 5, 1


def slug(verdict: str) -> str:
    """The verdict as a CSS class or anchor word: 'roughly right' -> 'roughly-right', "can't be checked" -> 'cant-be-checked'."""
    if verdict not in ALL:
        raise ValueError(f"{verdict!r} is not a verdict of the scale {ALL}")
    return verdict.replace("'", "").replace(" ", "-")
