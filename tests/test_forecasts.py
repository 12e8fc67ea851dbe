"""Forecast outcomes: came true, did not come true, not yet decidable, on synthetic series and on the real data."""

from __future__ import annotations

import pandas as pd
import pytest
from rare_earths import data, forecasts, scale
from rare_earths.forecasts import Check, Forecast
from rare_earths.sections import since, since_claims


def _obs(rows: list[tuple[str, float]]) -> pd.DataFrame:
    """Observations (date, value) with a source and a publisher."""
    frame = pd.DataFrame(rows, columns=["date", "value"])
    return frame.assign(
        date=pd.to_datetime(frame["date"]), low=frame["value"], high=frame["value"], source_id="s1", publisher="SMM"
    )


def _forecast(**kw) -> Forecast:
    base = dict(
        claim_id="C07-04",
        series="Dy oxide, China domestic",
        target=1_650_000.0,
        unit="CNY/t",
        comparison="above",
        window_end=pd.Timestamp("2026-03-10"),
        premise="the price below the mark",
    )
    return Forecast(**{**base, **kw})


def test_came_true_gives_the_first_date_and_value_that_meet_the_target() -> None:
    obs = _obs(
        [("2025-08-01", 1_600_000), ("2025-10-01", 1_640_000), ("2025-11-05", 1_700_000), ("2025-12-01", 1_800_000)]
    )
    o = forecasts.score(_forecast(), obs)
    assert o.outcome == scale.CAME_TRUE
    assert (o.date_reached, o.value_reached, o.data_date) == ("2025-11-05", 1_700_000, "2025-11-05")
    assert "1,700,000 CNY/t on 2025-11-05 (SMM)" in o.reason


def test_a_mark_met_only_before_the_article_or_after_the_window_does_not_count() -> None:
    obs = _obs([("2025-09-01", 1_700_000), ("2025-10-01", 1_600_000), ("2026-04-01", 1_900_000)])
    o = forecasts.score(_forecast(), obs)
    assert o.outcome == scale.DID_NOT_COME_TRUE  # the April 2026 quote closes the window but is outside it
    assert (o.value_reached, o.date_reached) == (1_600_000, "2025-10-01")
    assert "3.0% below the target" in o.reason and o.data_date == "2026-04-01"


def test_above_is_strict_and_at_least_is_not() -> None:
    obs = _obs([("2025-10-01", 1_650_000), ("2026-06-01", 1_600_000)])
    assert forecasts.score(_forecast(), obs).outcome == scale.DID_NOT_COME_TRUE
    assert forecasts.score(_forecast(comparison="at least"), obs).outcome == scale.CAME_TRUE


def test_an_open_window_or_no_data_is_not_yet_decidable_and_says_which() -> None:
    open_window = forecasts.score(_forecast(), _obs([("2025-10-01", 1_600_000)]))
    assert open_window.outcome == scale.NOT_YET_DECIDABLE
    assert "window runs to 2026-03-10 but the data stop on 2025-10-01" in open_window.reason
    no_data = forecasts.score(_forecast(), _obs([("2025-07-01", 1_600_000)]), as_of="2026-02-28")
    assert no_data.outcome == scale.NOT_YET_DECIDABLE and "No observation of Dy oxide" in no_data.reason
    assert no_data.data_date == "2025-07-01"  # the latest observation the verdict rests on
    unmeasured = forecasts.score(_forecast(target=None, comparison="none"), _obs([]), as_of="2026-02-28")
    assert unmeasured.outcome == scale.NOT_YET_DECIDABLE and unmeasured.data_date == "2026-02-28"
    assert unmeasured.reason.startswith("No series in the data measures Dy oxide")
    no_window = forecasts.score(_forecast(window_end=None), _obs([("2027-01-01", 1_600_000)]))
    assert no_window.outcome == scale.NOT_YET_DECIDABLE and "gives no window" in no_window.reason


def test_a_condition_that_failed_is_reported_beside_the_outcome() -> None:
    obs = _obs([("2025-11-01", 1_700_000)])
    failed = Check(False, "shipments resumed in October 2025 (customs)")
    o = forecasts.score(_forecast(condition="Myanmar shipments do not resume"), obs, condition=failed)
    assert o.outcome == scale.CAME_TRUE and o.condition_held is False
    assert "its condition, “Myanmar shipments do not resume”, did not hold: shipments resumed" in o.reason


def test_a_false_premise_says_so() -> None:
    obs = _obs([("2025-08-28", 1_680_000), ("2025-10-01", 1_700_000)])
    f = _forecast()
    premise = forecasts.premise_at_issue(obs, f)
    assert premise.held is False and "already above the target" in premise.basis
    o = forecasts.score(f, obs, premise=premise)
    assert o.premise_held is False and "was false: Dy oxide, China domestic stood at 1,680,000 CNY/t" in o.reason
    assert forecasts.premise_at_issue(_obs([("2025-08-28", 1_600_000)]), f).held is True
    assert forecasts.premise_at_issue(_obs([]), f).held is None


def test_a_premise_is_not_decided_by_an_observation_months_before_the_article() -> None:
    """'Still below the target on the article's date' needs a price near that date, not one of June."""
    premise = forecasts.premise_at_issue(_obs([("2025-06-05", 1_600_000)]), _forecast())
    assert premise.held is None and "2025-06-05" in premise.basis


def test_window_readings_are_scored_too() -> None:
    obs = _obs([("2025-11-01", 1_600_000), ("2026-01-01", 1_700_000), ("2026-12-01", 1_700_000)])
    text = forecasts.readings(_forecast(), obs, {"three months": pd.Timestamp("2025-12-10")})
    assert text == "three months: did not come true"


def test_every_forecast_of_the_real_data_has_an_outcome_a_reason_and_a_data_date() -> None:
    table = data.load("forecasts")
    quotes, sources, responses = data.load("prices"), data.sources(), data.load("country_responses")
    as_of = data.as_of(["data/china_exports_monthly.csv", "data/prices.csv", "data/policy_events.csv"])
    outcomes, readings = since.score_all(table, quotes, sources, responses, as_of)
    assert [o.claim_id for o in outcomes] == list(table["claim_id"])
    for o in outcomes:
        assert o.outcome in scale.FORECAST_OUTCOMES and o.reason.strip() and o.data_date, o
    claims_table = data.load("claims").set_index("claim_id")
    assert set(claims_table.loc[list(table["claim_id"]), "section"]) == {"08"}  # 08 owns every forecast
    conditions = table["condition_claim_id"].dropna()
    assert set(claims_table.loc[list(conditions), "section"]) == {"08"}  # each condition is a claim of its own
    by_id = {o.claim_id: o for o in outcomes}
    dy = quotes[(quotes["element"] == "Dy") & (quotes["product"] == "oxide") & (quotes["market"] == "china_domestic")]
    before = dy[dy["date"] <= pd.Timestamp("2025-09-10")].sort_values("date")
    if len(before):  # the premise rests on the last quote up to the article's date (SMM, 4 September 2025 today)
        last = before.iloc[-1]
        assert by_id["C07-04"].premise_held is bool((last["low"] + last["high"]) / 2 < 1_650_000)


def test_the_ledger_record_takes_the_outcome_word_as_its_verdict() -> None:
    o = forecasts.score(_forecast(), _obs([("2025-11-05", 1_700_000)]))
    record = since_claims.ledger_record(o, "08_x", "three months: came true")
    assert record.verdict == "came true" and record.reason.startswith("Came true: ")
    assert record.data_date == "2025-11-05"
    assert record.computed_value == 1_700_000 and record.robustness == "holds under every reading"


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [(["data/prices.csv", "data/claims.csv"], None), (["data/claims.csv", "data/sources.csv"], "")],
)
def test_data_as_of_is_the_latest_date_of_the_data_read(inputs, expected) -> None:
    got = data.as_of(inputs)
    if expected is None:
        assert got == str(data.load("prices")["date"].max().date())
    else:
        assert got == expected  # catalogues and claims carry no data date


def test_data_as_of_skips_projected_years() -> None:
    assert data.as_of(["data/stage_shares.csv"]) != "2035"  # 'by 2035' is a projection, not data
    assert data.as_of(["data/stage_shares.csv"]) == str(
        data.load("stage_shares").query("projection == False")["year"].max()
    )


def _policy_dir(tmp_path, rows: str, published: dict[str, str]):
    """A data folder holding the real descriptor, a policy record of `rows` and the sources they cite."""
    import shutil

    from rare_earths import paths

    shutil.copy(paths.DATA_DIR / "datapackage.json", tmp_path / "datapackage.json")
    (tmp_path / "policy_events.csv").write_text("event_id,date,date_kind,source_id\n" + rows, encoding="utf-8")
    lines = "".join(f"{sid},{day}\n" for sid, day in published.items())
    (tmp_path / "sources.csv").write_text("source_id,date_published\n" + lines, encoding="utf-8")
    return tmp_path


def test_data_as_of_counts_a_scheduled_date_only_as_of_its_source(tmp_path) -> None:
    """A date announced in advance is no observation: the row counts as of its source's publication, if dated."""
    rows = "E1,2025-11-07,happened,a\nE2,2026-11-10,scheduled,b\n"
    assert data.as_of(["data/policy_events.csv"], _policy_dir(tmp_path, rows, {"a": "", "b": ""})) == "2025-11-07"
    dated = _policy_dir(tmp_path, rows, {"a": "", "b": "2025-11-20"})
    assert data.as_of(["data/policy_events.csv"], dated) == "2025-11-20"  # the source observed the announcement


def test_data_as_of_of_the_real_policy_record_is_no_later_than_its_sources() -> None:
    """No page may say its policy data end after the latest publication of a source the record cites."""
    events, sources = data.load("policy_events"), data.sources().set_index("source_id")
    published = pd.to_datetime(sources.loc[events["source_id"].unique(), "date_published"]).max()
    assert pd.Timestamp(data.as_of(["data/policy_events.csv"])) <= published
    assert set(events["date_kind"]) <= {"happened", "scheduled"}


def test_the_index_card_counts_the_scorecard_notebook_08_wrote(tmp_path) -> None:
    from rare_earths.site import index

    assert index.since_entry(tmp_path) is None  # before 08 has run: no card
    card = tmp_path / "tables" / "08_forecast_scorecard.csv"
    card.parent.mkdir(parents=True)
    card.write_text(
        "claim_id,target,condition,condition_held,outcome,date_reached,data_date\n"
        "C07-01,Nd oxide at least 700000,,,came true,2026-01-26,2026-01-26\n"
        "C07-04,Dy oxide above 1650000,,,not yet decidable,,2026-02-05\n",
        encoding="utf-8",
    )
    entry = index.since_entry(tmp_path)
    assert entry["counts"] == {scale.CAME_TRUE: 1, scale.DID_NOT_COME_TRUE: 0, scale.NOT_YET_DECIDABLE: 1}
    assert entry["as_of"] == "2026-02-05" and len(entry["rows"]) == 2


def test_a_figure_in_a_forecast_reason_keeps_at_most_four_significant_digits() -> None:
    """A range midpoint such as 1,627,500 yuan is written as 1.63 million; round figures stay as they are."""
    assert forecasts.number(1_627_500) == "1.63 million"
    assert forecasts.number(1_700_000) == "1,700,000"
    assert forecasts.number(2.45) == "2.45"
