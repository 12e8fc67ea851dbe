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


# How a check becomes a word of the scale. A check judges the claim under its main reading and under every other
# reasonable reading; each reading gives one outcome. The rules below turn those outcomes into a verdict, in order:
# the first rule that applies decides. The methodology page prints RULES as they stand here.
HOLDS, FAILS, OPEN = "holds", "fails", "no data"
"""Outcomes of one reading: the data bear the claim out (within its tolerance), contradict it, or decide nothing."""

RULES = (
    (NOT_YET_DECIDABLE, "the claim is a forecast whose test lies after the data we hold"),
    (UNCHECKABLE, "no sourced figure decides the claim on its main reading (the reason says what is missing)"),
    (WRONG, "the data show that what the claim describes does not exist (a quota abolished years before, say)"),
    (MISLEADING, "the figure holds on the main reading, but what the sentence implies does not"),
    (ACCURATE, "the main reading holds and every other reading that decides anything holds too"),
    (ROUGHLY_RIGHT, "the main reading holds, but another reading fails, or it holds only at the source's rounding"),
    (MISLEADING, "the main reading fails, but another reasonable reading holds: the figure describes something else"),
    (WRONG, "the main reading fails and every other reading that decides anything fails too"),
)
"""(verdict, condition) in the order they are tried."""


def decide(
    main: str,
    others: tuple[str, ...] | list[str] = (),
    *,
    forecast: bool = False,
    absent: bool = False,
    implied: bool | None = None,
    rounding: bool = False,
) -> str:
    """The verdict RULES give a check: its main reading's outcome, the other readings' outcomes and its flags."""
    deciding = [o for o in others if o != OPEN]
    if forecast:
        return NOT_YET_DECIDABLE
    if absent:
        return WRONG
    if main == OPEN:
        return UNCHECKABLE
    if main == HOLDS:
        if implied is False:
            return MISLEADING
        return ACCURATE if all(o == HOLDS for o in deciding) and not rounding else ROUGHLY_RIGHT
    return MISLEADING if HOLDS in deciding else WRONG


STATEMENT_RULES = (
    (UNCHECKABLE, "no part can be checked"),
    (WRONG, "every part of fact that can be checked is wrong (whatever its forecasts)"),
    (MISLEADING, "the statement forecasts, and a part of fact it rests on is wrong or misleading"),
    (DID_NOT_COME_TRUE, "the statement forecasts, its facts hold, and at least one forecast did not come true"),
    (CAME_TRUE, "the statement forecasts, its facts hold, and every forecast came true"),
    (NOT_YET_DECIDABLE, "the statement forecasts, its facts hold, and at least one forecast is still open"),
    (ACCURATE, "every part can be checked and is accurate"),
    (ROUGHLY_RIGHT, "every part that can be checked is accurate or roughly right (or some part can't be checked)"),
    (MISLEADING, "otherwise: some parts hold and others fail, or a part is misleading"),
)
"""(verdict, condition) for a statement of the article, from the verdicts of its parts, in the order tried."""


def combine(parts: list[str] | tuple[str, ...]) -> str:
    """A statement's verdict from its parts' verdicts (STATEMENT_RULES)."""
    unknown = [p for p in parts if p not in ALL]
    if unknown:
        raise ValueError(f"{unknown} are not verdicts of the scale {ALL}")
    facts = [p for p in parts if p in SCALE and p != UNCHECKABLE]
    forecasts = [p for p in parts if p in FORECAST_OUTCOMES]
    if not facts and not forecasts:
        return UNCHECKABLE
    if facts and all(p == WRONG for p in facts):
        return WRONG
    if forecasts:
        if any(p in (WRONG, MISLEADING) for p in facts):
            return MISLEADING
        if DID_NOT_COME_TRUE in forecasts:
            return DID_NOT_COME_TRUE
        return CAME_TRUE if all(p == CAME_TRUE for p in forecasts) else NOT_YET_DECIDABLE
    if all(p == ACCURATE for p in facts):
        return ROUGHLY_RIGHT if UNCHECKABLE in parts else ACCURATE
    if all(p in (ACCURATE, ROUGHLY_RIGHT) for p in facts):
        return ROUGHLY_RIGHT
    return MISLEADING
