"""Section 05: rare earths in weapon systems, scaled to fleets and set against world production."""

from __future__ import annotations

import pandas as pd

from .. import units
from ..robustness import Reading

PLATFORMS = {
    "f35": "F-35 Lightning II",
    "ddg51": "Arleigh Burke-class destroyer (DDG-51)",
    "ssn774": "Virginia-class submarine (SSN-774)",
}


def content_statements(defense: pd.DataFrame) -> pd.DataFrame:
    """Every sourced per-platform content figure, with its value in pounds and in kilograms."""
    rows = defense[(defense["measure"] == "rare_earth_content") & defense["value"].notna()].copy()
    rows["lb"] = [units.mass(v, u, "lb") for v, u in zip(rows["value"], rows["unit"])]
    rows["kg"] = [units.mass(v, u, "kg") for v, u in zip(rows["value"], rows["unit"])]
    return rows[
        ["platform", "value_as_printed", "unit_as_printed", "qualifier", "lb", "kg", "verification", "source_id"]
    ].reset_index(drop=True)


def fleet_statements(defense: pd.DataFrame) -> pd.DataFrame:
    """Every sourced fleet count (delivered, in service, planned: see unit_as_printed)."""
    rows = defense[(defense["measure"] == "fleet_size") & defense["value"].notna()]
    return rows[["platform", "value_as_printed", "unit_as_printed", "as_of", "verification", "source_id"]].reset_index(
        drop=True
    )


def provenance(defense: pd.DataFrame, contents_lb: dict[str, float], fleets: dict[str, float]) -> pd.DataFrame:
    """For each assumption in use, the sourced rows that state that very figure (none = not sourced)."""
    content = content_statements(defense)
    counts = defense[defense["measure"] == "fleet_size"]
    rows = []
    for key, platform in PLATFORMS.items():
        lb = contents_lb[key]
        hit = content[(content["platform"] == platform) & ((content["lb"] - lb).abs() < 0.005 * lb)]
        rows.append(
            {
                "platform": platform,
                "assumption": "rare earths per unit, lb",
                "value": lb,
                "sources": ", ".join(hit["source_id"].unique()) or "NOT SOURCED (user value)",
            }
        )
        n = fleets[key]
        hit = counts[
            (counts["platform"] == platform) & (counts["value"] == n) & (counts["qualifier"].fillna("") != "nth")
        ]
        rows.append(
            {
                "platform": platform,
                "assumption": "fleet, units",
                "value": n,
                "sources": ", ".join(hit["source_id"].unique()) or "NOT SOURCED (user value)",
            }
        )
    return pd.DataFrame(rows)


def fleet_totals(contents_lb: dict[str, float], fleets: dict[str, float]) -> pd.DataFrame:
    """Rare earths embodied in each fleet: units x content, in pounds and metric tonnes."""
    rows = []
    for key, platform in PLATFORMS.items():
        total_lb = contents_lb[key] * fleets[key]
        rows.append(
            {
                "platform": platform,
                "units": fleets[key],
                "lb_per_unit": contents_lb[key],
                "t_per_unit": units.mass(contents_lb[key], "lb", "t"),
                "fleet_lb": total_lb,
                "fleet_t": units.mass(total_lb, "lb", "t"),
            }
        )
    table = pd.DataFrame(rows).set_index("platform")
    table.loc["All three fleets"] = [
        table["units"].sum(),
        float("nan"),
        float("nan"),
        table["fleet_lb"].sum(),
        table["fleet_t"].sum(),
    ]
    return table


def against_production(totals: pd.DataFrame, production_t: dict[str, float]) -> pd.DataFrame:
    """Each fleet total as a % of annual production figures, and how many times production exceeds it."""
    out = totals[["fleet_t"]].copy()
    for label, tonnes in production_t.items():
        out[f"% of {label}"] = out["fleet_t"] / tonnes * 100
        out[f"{label} / fleet"] = tonnes / out["fleet_t"]
    return out


def _stated(defense: pd.DataFrame, platform: str) -> pd.DataFrame:
    """A platform's content statements in pounds (a range at its high end: the most favourable to an 'over' claim)."""
    rows = defense[(defense["measure"] == "rare_earth_content") & (defense["platform"] == PLATFORMS[platform])].copy()
    top = rows["value_high"].fillna(rows["value"])
    rows["lb"] = [units.mass(v, u, "lb") for v, u in zip(top, rows["unit"])]
    rows["label"] = rows["source_id"] + ": " + rows["value_as_printed"] + " " + rows["unit_as_printed"]
    return rows.reset_index(drop=True)


def check_claims(defense: pd.DataFrame, notebook: str) -> list:
    """Every section-05 claim checked: the CSIS list, the F-35 figure and its conversion, the submarine multiple."""
    from .. import claims

    f35, sub = _stated(defense, "f35"), _stated(defense, "ssn774")
    dod = lambda rows: rows[rows["as_of"].str.contains("DoD", na=False)].iloc[0]  # noqa: E731  the March 2024 DoD story
    f35_dod, sub_dod = dod(f35), dod(sub)
    pounds = claims.claimed("C05-02")
    return [
        claims.attribution(
            "C05-01",
            None,
            "no CSIS publication was read; the list is not in any stored page we found",
            notebook,
            finding="we could not read the CSIS publication the sentence cites",
        ),
        claims.check(
            "C05-02",
            f35_dod["lb"],
            f"the March 2024 DoD story as reported ({f35_dod['label']})",
            notebook,
            readings=[
                Reading(r["label"], r["lb"])
                for _, r in f35.iterrows()
                if r["source_id"] != f35_dod["source_id"] and r["lb"] != f35_dod["lb"]
            ],
            data_date=str(f35_dod["as_of"])[:7],
            sources=[str(f35_dod["source_id"])],
            note="The Defense Department's figure is 'more than 900 pounds' per aircraft.",
        ),
        claims.check(
            "C05-03",
            units.mass(pounds, "lb", "t"),
            f"{pounds:,.0f} lb in metric tonnes (1 lb = 0.45359237 kg)",
            notebook,
            readings=[Reading("in US short tons", units.mass(pounds, "lb", "short_ton"))],
            data_date=str(f35_dod["as_of"])[:7],
            sources=[str(f35_dod["source_id"])],
            note="That is the metric conversion of the 900 pounds; in US short tons it would be 0.45.",
        ),
        claims.check(
            "C05-04",
            sub_dod["lb"] / f35_dod["lb"],
            f"per submarine over per F-35, both from the DoD story ({sub_dod['label']}; {f35_dod['label']})",
            notebook,
            readings=[
                Reading(f"{s['label']} over {f['label']}", s["lb"] / f["lb"])
                for _, s in sub.iterrows()
                for _, f in f35.iterrows()
                if (s["source_id"], f["source_id"]) != (sub_dod["source_id"], f35_dod["source_id"])
                and s["source_id"] == f["source_id"]
            ],
            data_date=str(sub_dod["as_of"])[:7],
            sources=[str(sub_dod["source_id"])],
        ),
    ]
