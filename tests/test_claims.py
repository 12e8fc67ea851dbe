"""The claims mechanism: verdicts are computed from claimed value, computed value and tolerance."""

from pathlib import Path

import pytest
from rare_earths import claims


@pytest.mark.parametrize(
    ("claimed", "computed", "kind", "tol", "tol_kind", "expected"),
    [
        (-3.4, -3.375, "pct_change", 0.05, "absolute", "confirmed"),
        (-3.4, -3.2, "pct_change", 0.05, "absolute", "contradicted"),
        (55e6, 55.4e6, "level", 0.01, "relative", "confirmed"),
        (55e6, 56e6, "level", 0.01, "relative", "contradicted"),
        (1, 1, "direction", 0, "absolute", "confirmed"),
        (1, -1, "direction", 0, "absolute", "contradicted"),
        (-1, 0.0, "direction", 0, "absolute", "contradicted"),
        (51, None, "pct_change", 0.5, "absolute", "unverifiable"),
        (51, float("nan"), "pct_change", 0.5, "absolute", "unverifiable"),
    ],
)
def test_verdict(claimed, computed, kind, tol, tol_kind, expected) -> None:
    assert claims.verdict(claimed, computed, kind, tol, tol_kind) == expected


def test_check_uses_the_inventory_and_explains() -> None:
    record = claims.check("C01-01", -3.375, "volume Aug vs Jul", "01_exports")
    assert record.verdict == "confirmed" and record.claimed_value == -3.4
    assert "volume Aug vs Jul" in record.explanation and "tolerance" in record.explanation
    wrong = claims.check("C01-01", -10.0, "volume Aug vs Jul", "01_exports")
    assert wrong.verdict == "contradicted"


def test_unverifiable_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="say what"):
        claims.check("C01-02", None, " ", "01_exports")
    record = claims.check("C01-02", None, "no sourced monthly value", "01_exports")
    assert record.verdict == "unverifiable" and "no sourced monthly value" in record.explanation


def test_unknown_claim_id_is_an_error() -> None:
    with pytest.raises(KeyError, match="C99-99"):
        claims.check("C99-99", 1.0, "x", "01_exports")


def test_save_and_collect_round_trip(tmp_path: Path) -> None:
    records = [claims.check("C01-01", -3.375, "b", "01_exports"), claims.check("C00-05", None, "none", "01_exports")]
    claims.save(records, "01_exports", tmp_path)
    ledger = claims.collect(tmp_path)
    assert ledger["claim_id"].tolist() == ["C00-05", "C01-01"]  # inventory order
    assert claims.summary(ledger).to_dict() == {"confirmed": 1, "contradicted": 0, "unverifiable": 1}
    assert "C01-02" in claims.unchecked(ledger, ["01"])


def test_a_claim_checked_twice_is_refused(tmp_path: Path) -> None:
    record = claims.check("C01-01", -3.375, "b", "01_exports")
    with pytest.raises(ValueError, match="more than once"):
        claims.save([record, record], "01_exports", tmp_path)
    claims.save([record], "01_exports", tmp_path)
    claims.save([record], "02_other", tmp_path)
    with pytest.raises(ValueError, match="more than one notebook"):
        claims.collect(tmp_path)


def test_every_claim_is_assigned_to_an_existing_notebook() -> None:
    from rare_earths import build

    numbers = {p.stem[:2] for p in build.discover()}
    assert set(claims.inventory()["section"]) <= numbers


def test_every_quote_is_verbatim_in_the_recovered_article_text() -> None:
    from rare_earths import paths

    text = (paths.PROJECT_ROOT / "research" / "leads" / "article_text.md").read_text(encoding="utf-8")
    missing = [r.claim_id for r in claims.inventory().itertuples() if r.quote not in text]
    assert missing == []


def test_internal_consistency_compares_the_article_with_itself() -> None:
    table = claims.internal_consistency("C01-02", "C01-03", "C01-04")
    assert table["implied_pct"].iloc[0] == pytest.approx(51.0989, abs=1e-4)
    assert bool(table["consistent"].iloc[0]) is True


def test_summary_markdown_is_written_from_the_records() -> None:
    records = [claims.check("C01-01", -3.375, "b", "01_exports"), claims.check("C01-02", None, "none", "01_exports")]
    text = claims.summary_markdown(records)
    assert text == "Of 2 claims checked here: **1 confirmed** (C01-01); **1 unverifiable** (C01-02)."


def test_lower_bound_claims_hold_at_or_above_the_claimed_figure() -> None:
    assert claims.verdict(10, 10.22, "ratio", 0, "lower_bound") == "confirmed"
    assert claims.verdict(10, 10.0, "ratio", 0, "lower_bound") == "confirmed"
    assert claims.verdict(3, 2.83, "ratio", 0, "lower_bound") == "contradicted"


def test_readings_that_flip_the_verdict_are_marked() -> None:
    from rare_earths.robustness import Reading

    # C06-03: 11.5% of world production; MCS 2025 gives 11.54%, MCS 2026 11.97%
    record = claims.check(
        "C06-03",
        45000 / 390000 * 100,
        "US share, MCS 2025",
        "06_x",
        readings=[Reading("MCS 2026", 45500 / 380000 * 100)],
    )
    assert record.verdict == "confirmed" and record.robustness == "depends on reading"
    assert "MCS 2026: 11.97 percent (contradicted)" in record.readings
    steady = claims.check("C06-03", 11.54, "b", "06_x", readings=[Reading("rounded", 11.5)])
    assert steady.robustness == "holds under every reading"
    alone = claims.check("C06-03", 11.54, "b", "06_x")
    assert alone.robustness == "one reading" and alone.readings == ""
    assert claims.check("C01-02", None, "none", "01_x").robustness == "no reading decides it"


def test_the_article_arithmetic_is_judged_apart_from_the_data() -> None:
    # C02-10 'more than tripled': the data may say yes, the article's own 850/300 says no
    record = claims.check("C02-10", 3.04, "Argus midpoints", "02_x", arithmetic=(850 / 300, "850 / 300"))
    assert record.verdict == "confirmed"
    assert record.article_arithmetic.startswith("does not hold: 850 / 300 = 2.833")


def test_attributions_and_forecasts() -> None:
    assert claims.attribution("C06-15", True, "DoD-MP agreement in the data", "06_x").verdict == "confirmed"
    assert claims.attribution("C04-05", False, "MP stopped shipping to China", "04_x").verdict == "contradicted"
    assert claims.attribution("C04-06", None, "no source", "04_x").verdict == "unverifiable"
    record = claims.forecast("C07-01", "prices after the article are not its test", "07_x")
    assert record.verdict == "unverifiable" and "a forecast" in record.explanation


def test_the_ledger_has_the_robustness_columns() -> None:
    frame = claims.to_frame([claims.check("C01-01", -3.375, "b", "01_exports")])
    assert list(frame.columns) == claims.LEDGER_COLUMNS
    assert {"robustness", "readings", "article_arithmetic"} <= set(frame.columns)


def test_rounding_readings() -> None:
    from rare_earths.robustness import nearest_in_interval, rounded_interval

    assert rounded_interval(92, 0) == (91.5, 92.5)
    assert nearest_in_interval(92.3, rounded_interval(92, 0)) == 92.3
    assert nearest_in_interval(93.0, rounded_interval(92, 0)) == 92.5
