"""Section 04's claims: China's stated shares of refining and separation, the technology ban, Mountain Pass, Lynas and Vietnam.

Shares of refining are statements, not measurements: a claim is set against the median of the latest statements,
with the lowest and highest (and a whole-percent figure read as any value that rounds to it) as other readings.
"""

from __future__ import annotations

import pandas as pd

from ..robustness import Reading, nearest_in_interval, rounded_interval
from . import responses, shares


def check_claims(
    usgs: pd.DataFrame,
    stages: pd.DataFrame,
    events: pd.DataFrame,
    moves: pd.DataFrame,
    article_date: str,
    notebook: str,
) -> list:
    """Every section-04 claim checked: stated stage shares, the technology ban, Mountain Pass, Lynas, Vietnam and the unverifiable ones."""
    from .. import claims

    current = shares.global_statements(stages)
    refining = current[current["stage"] == "separation_refining"]["value"]
    target = claims.claimed("C04-02")
    nearest = current.loc[(current["stage"] == "separation_refining"), "value"].sub(target).abs().idxmin()
    near = current.loc[nearest]
    decimals = 0 if float(near["value"]).is_integer() else 1
    ban = events[events["category"] == "technology_export_ban"].sort_values("date")
    mp = responses.item(moves, "MP Materials REO in concentrate, 2024")
    at_article, latest = shares.edition_current_at(usgs, article_date), shares.latest_edition(usgs)
    mp_share = lambda ed: mp["value"] / shares.country_figure(usgs, "United States", 2024, ed) * 100  # noqa: E731
    stop = responses.item(moves, "MP Materials ends sales to China")
    vietnam = responses.item(moves, "Revised Law on Geology and Minerals")
    none = "no source we could read reports it"
    stop_date = pd.Period(str(stop["as_of"])[:7], "M").to_timestamp()
    # "must be sent to China" when the article appeared: contradicted if MP's sales to China ended before then
    still_sent = False if stop_date <= pd.Timestamp(article_date) else None
    # Vietnam's ore: contradicted if the source says ore exports are banned (reaffirmed: the ban predates the law)
    ore_banned = claims.states(str(vietnam["quote"]), ("ban on ore exports", "ore export ban"))
    refining_rows = current[current["stage"] == "separation_refining"]
    stated_dates = (
        refining_rows["as_of"] if "as_of" in refining_rows else refining_rows.get("year", pd.Series(dtype=str))
    )
    return [
        claims.check(
            "C04-01",
            float(refining.median()),
            f"median of {len(refining)} publishers' statements of China's share of separation/refining (latest, projections left out; see the table)",
            notebook,
            readings=[
                Reading("lowest statement", float(refining.min())),
                Reading("highest statement", float(refining.max())),
            ],
            data_date=_period(stated_dates),
            sources=refining_rows["source_id"].tolist(),
            note=f"The {len(refining)} statements range from {refining.min():.0f}% to {refining.max():.0f}%.",
        ),
        claims.check(
            "C04-02",
            nearest_in_interval(target, rounded_interval(float(near["value"]), decimals)),
            f"the stated share nearest the claim, {near['value']:g}% ({near['scope']}; {near['source_id']}), at its own precision (any value that rounds to it); no source measures a share of separation 'technology'",
            notebook,
            readings=[Reading(f"the {near['value']:g}% as printed, at the article's precision", float(near["value"]))],
            data_date=_period(pd.Series([near.get("as_of", near.get("year", ""))])),
            sources=[str(near["source_id"])],
            rounding=True,
            note=f"The source says {near['value']:g}%, of refined output; no source gives a share of separation technology.",
        ),
        claims.attribution(
            "C04-03",
            True if len(ban) else None,
            f"{ban['instrument'].iloc[0]}, {ban['date'].iloc[0].date()}: {ban['measure'].iloc[0]} ({ban['source_id'].iloc[0]})"
            if len(ban)
            else "no technology export ban in the record",
            notebook,
            data_date=str(ban["date"].iloc[0].date()) if len(ban) else "",
            finding=f"China's catalogue of technologies barred from export has listed rare-earth extraction and separation technology since {ban['date'].iloc[0]:%B %Y}"
            if len(ban)
            else "",
        ),
        claims.check(
            "C04-04",
            mp_share(at_article),
            f"MP Materials' 2024 output ({mp['value']:,.0f} t REO, {mp['source_id']}) as % of the US figure in {at_article}, the edition current at the article's date",
            notebook,
            readings=[Reading(f"US figure in {latest}", mp_share(latest))],
            data_date="2024",
            sources=[str(mp["source_id"]), *_usgs_ids(usgs, at_article)],
            note="Mountain Pass is the only US rare-earth mine in production.",
        ),
        claims.attribution(
            "C04-05",
            still_sent,
            f'sales ended {stop_date:%B %Y}, before the article ({article_date}): {stop["item"]} ({stop["as_of"]}; {stop["source_id"]}): "{stop["quote"]}"',
            notebook,
            readings=[Reading(f"before {stop_date:%B %Y}, when MP still sold concentrate to China", 1.0)],
            data_date=str(stop["as_of"])[:7],
            sources=[str(stop["source_id"])],
            finding=f"MP Materials stopped selling to China in {stop_date:%B %Y}, before the article appeared; until then its concentrate did go to China",
        ),
        claims.attribution("C04-06", None, none, notebook, finding=none + " on Lynas's patents"),
        claims.attribution(
            "C04-07",
            False if ore_banned else None,
            f'Vietnam bans exports of rare-earth ore: {vietnam["item"]} ({vietnam["as_of"]}; {vietnam["source_id"]}): "{vietnam["quote"]}" (the law that reaffirms the ban is dated after the article)',
            notebook,
            data_date=str(vietnam["as_of"])[:10],
            sources=[str(vietnam["source_id"])],
            finding="Vietnam bans exports of rare-earth ore; a law passed after the article reaffirms the ban",
        ),
        claims.attribution(
            "C04-08", None, none, notebook, finding=none + " on China Rare Earth Group's ultra-high-purity production"
        ),
        claims.attribution("C04-09", None, none, notebook, finding=none + " on the disc-motor demonstration line"),
        claims.check("C04-10", None, none, notebook, finding=none + " on the motor's thickness"),
    ]


def _period(values: pd.Series) -> str:
    """The span of the dates or years a set of statements carries, as an ISO period."""
    years = sorted({str(v)[:4] for v in values if str(v)[:4].isdigit()})
    return "" if not years else years[0] if len(years) == 1 else f"{years[0]}/{years[-1]}"


def _usgs_ids(usgs: pd.DataFrame, edition: str) -> list[str]:
    """The source ids of one USGS edition's rows."""
    return sorted(set(usgs.loc[usgs["edition"] == edition, "source_id"]))
