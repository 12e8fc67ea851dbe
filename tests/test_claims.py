"""The claims mechanism: readings are judged against the tolerance; the scale's rules turn their outcomes into a verdict."""

from pathlib import Path

import pytest
from rare_earths import claims, scale
from rare_earths.robustness import Reading


def _ok(claim_id: str, value: float | None, **kw):
    """A check with a data date and a source, as every decided check must have."""
    return claims.check(claim_id, value, "b", "0x_test", data_date="2025-08", sources=["kitco-2025-09-08"], **kw)


@pytest.mark.parametrize(
    ("claimed", "computed", "kind", "tol", "tol_kind", "expected"),
    [
        (-3.4, -3.375, "pct_change", 0.05, "absolute", "holds"),
        (-3.4, -3.2, "pct_change", 0.05, "absolute", "fails"),
        (55e6, 55.4e6, "level", 0.01, "relative", "holds"),
        (55e6, 56e6, "level", 0.01, "relative", "fails"),
        (1, 1, "direction", 0, "absolute", "holds"),
        (1, -1, "direction", 0, "absolute", "fails"),
        (-1, 0.0, "direction", 0, "absolute", "fails"),
        (0, 0.0, "direction", 0, "absolute", "holds"),
        (0, 1.0, "direction", 0, "absolute", "fails"),
        (51, None, "pct_change", 0.5, "absolute", "no data"),
        (51, float("nan"), "pct_change", 0.5, "absolute", "no data"),
        (10, 10.0, "ratio", 0, "lower_bound", "holds"),
        (3, 2.83, "ratio", 0, "lower_bound", "fails"),
    ],
)
def test_outcome(claimed, computed, kind, tol, tol_kind, expected) -> None:
    assert claims.outcome(claimed, computed, kind, tol, tol_kind) == expected


def test_check_uses_the_inventory_and_gives_a_plain_reason() -> None:
    record = _ok("C01-01", -3.375)
    assert record.verdict == "accurate" and record.claimed_value == -3.4
    assert (
        record.reason.startswith("Accurate: Reuters") and "-3.38%" in record.reason and "August 2025" in record.reason
    )
    assert record.basis == "b" and record.main_reading and record.statement_id == "S01-01"
    assert record.data_date == "2025-08" and record.sources == "kitco-2025-09-08"
    assert _ok("C01-01", -10.0).verdict == "wrong"


def test_a_decided_verdict_names_its_data_date_and_sources() -> None:
    with pytest.raises(ValueError, match="date of the data"):
        claims.check("C01-01", -3.375, "volume", "01_exports", sources=["kitco-2025-09-08"])
    with pytest.raises(ValueError, match="name the sources"):
        claims.check("C01-01", -3.375, "volume", "01_exports", data_date="2025-08")
    named = claims.check("C01-01", -3.375, "volume (kitco-2025-09-08)", "01_exports", data_date="2025-08")
    assert named.sources == "kitco-2025-09-08"  # ids named in the basis count


def test_cant_be_checked_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="say what"):
        claims.check("C01-02", None, " ", "01_exports")
    record = claims.check("C01-02", None, "no sourced monthly value", "01_exports")
    assert record.verdict == "can't be checked" and record.reason == "Can't be checked: no sourced monthly value."


def test_absent_things_are_wrong() -> None:
    record = claims.check(
        "C02-06", None, "quotas ended in 2015", "02_policy", absent=True, data_date="2015", sources=["kitco-2025-09-08"]
    )
    assert record.verdict == "wrong" and record.basis.startswith("The data show no such thing")


def test_unknown_claim_id_is_an_error() -> None:
    with pytest.raises(KeyError, match="C99-99"):
        claims.check("C99-99", 1.0, "x", "01_exports")


def test_save_and_collect_round_trip(tmp_path: Path) -> None:
    records = [_ok("C01-01", -3.375), claims.check("C00-05", None, "none", "01_exports")]
    claims.save(records, "01_exports", tmp_path)
    ledger = claims.collect(tmp_path)
    assert ledger["claim_id"].tolist() == ["C00-05", "C01-01"]  # inventory order
    counts = claims.summary(ledger).to_dict()
    assert counts["accurate"] == 1 and counts["can't be checked"] == 1 and sum(counts.values()) == 2
    assert "C01-02" in claims.unchecked(ledger, ["01"])


def test_a_claim_checked_twice_is_refused(tmp_path: Path) -> None:
    record = _ok("C01-01", -3.375)
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


def test_every_claim_has_a_main_reading_with_its_justification_and_a_statement() -> None:
    inv = claims.inventory()
    assert inv["main_reading"].str.strip().astype(bool).all() and inv["main_reading_why"].str.strip().astype(bool).all()
    by_statement = inv.groupby("statement_id")["section"].nunique()
    assert (by_statement >= 1).all() and inv["statement_id"].str.fullmatch(r"S\d{2}-\d{2}").all()


def test_internal_consistency_compares_the_article_with_itself() -> None:
    table = claims.internal_consistency("C01-02", "C01-03", "C01-04")
    assert table["implied_pct"].iloc[0] == pytest.approx(51.0989, abs=1e-4)
    assert bool(table["consistent"].iloc[0]) is True


def test_summary_markdown_is_written_from_the_records() -> None:
    records = [_ok("C01-01", -3.375), claims.check("C01-02", None, "none", "01_exports")]
    text = claims.summary_markdown(records)
    assert text == "Of 2 claims checked here: **1 accurate** (C01-01); **1 can't be checked** (C01-02)."


def test_readings_that_flip_the_verdict_are_marked() -> None:
    # C06-03: 11.5% of world production; MCS 2025 gives 11.54%, MCS 2026 11.97%
    record = _ok("C06-03", 45000 / 390000 * 100, readings=[Reading("MCS 2026", 45500 / 380000 * 100)])
    assert record.verdict == "roughly right" and record.robustness == "depends on reading"
    assert "MCS 2026: 11.97 percent (fails)" in record.readings
    steady = _ok("C06-03", 11.54, readings=[Reading("rounded", 11.5)])
    assert steady.verdict == "accurate" and steady.robustness == "holds under every reading"
    alone = _ok("C06-03", 11.54)
    assert alone.robustness == "one reading" and alone.readings == "main reading: 11.54 percent (holds)"
    assert claims.check("C01-02", None, "none", "01_x").robustness == "no reading decides it"
    open_reading = _ok("C06-03", 11.54, readings=[Reading("not sourced", None)])
    assert open_reading.robustness == "holds under every reading the data decide"  # never 'holds under every reading'


def test_the_rules_of_the_scale() -> None:
    H, F, N = scale.HOLDS, scale.FAILS, scale.OPEN
    assert scale.decide(H, [H, N]) == "accurate"
    assert scale.decide(H, [F]) == "roughly right" and scale.decide(H, [], rounding=True) == "roughly right"
    assert scale.decide(H, [H], implied=False) == "misleading"
    assert scale.decide(F, [H]) == "misleading"  # a figure that matches another reading
    assert scale.decide(F, [F, N]) == "wrong" and scale.decide(F, []) == "wrong"
    assert scale.decide(N, [H]) == "can't be checked"
    assert scale.decide(N, forecast=True) == "not yet decidable" and scale.decide(N, absent=True) == "wrong"
    assert {w for w, _ in scale.RULES} == set(scale.SCALE) | {scale.NOT_YET_DECIDABLE}


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["accurate", "accurate"], "accurate"),
        (["accurate", "can't be checked"], "roughly right"),
        (["accurate", "roughly right"], "roughly right"),
        (["accurate", "wrong"], "misleading"),
        (["misleading"], "misleading"),
        (["wrong", "wrong", "can't be checked"], "wrong"),
        (["can't be checked", "can't be checked"], "can't be checked"),
        (["not yet decidable", "not yet decidable"], "not yet decidable"),
        (["came true", "not yet decidable"], "not yet decidable"),
        (["came true", "came true"], "came true"),
        (["did not come true", "not yet decidable"], "did not come true"),
        (["accurate", "not yet decidable"], "not yet decidable"),  # a forecast whose premise holds
        (["misleading", "not yet decidable"], "misleading"),  # a forecast whose premise fails
        (["wrong", "did not come true"], "wrong"),
    ],
)
def test_a_statement_verdict_comes_from_its_parts(parts: list[str], expected: str) -> None:
    assert scale.combine(parts) == expected


def test_an_unknown_word_is_refused_by_the_statement_rule() -> None:
    with pytest.raises(ValueError, match="confirmed"):
        scale.combine(["confirmed"])


def test_statements_group_the_parts_of_one_sentence() -> None:
    records = [_ok("C01-01", -3.375), claims.check("C01-02", None, "none", "01_exports"), _ok("C01-05", 1.0)]
    table = claims.statements(claims.to_frame(records))
    assert list(table.columns) == claims.STATEMENT_COLUMNS
    row = table.set_index("statement_id").loc["S01-01"]
    assert row["claim_ids"] == "C01-01;C01-02;C01-05" and row["verdict"] == "roughly right"
    assert row["reason"].startswith("Roughly right:") and row["data_date"] == "2025-08"


def test_a_garbled_figure_is_read_as_the_inventory_says() -> None:
    # C03-09 prints $680/kg; the inventory reads it as $68.0 (read_value) and keeps the printed figure as a reading
    record = _ok("C03-09", 66.54)
    assert record.verdict == "roughly right" and "as printed (680 USD/kg): 66.54 USD/kg (fails)" in record.readings


def test_spread_readings_never_move_the_verdict() -> None:
    record = _ok("C00-09", 965.0, readings=[Reading("range low end", 930.0, True)])
    assert record.verdict == "accurate" and record.robustness == "one reading"
    assert "range low end: 930 USD/kg (spread of the data, not counted)" in record.readings


def test_the_article_arithmetic_is_judged_apart_from_the_data() -> None:
    # C02-10 'more than tripled': the data say yes, the article's own 850/300 says no
    record = _ok("C02-10", 3.04, arithmetic=(850 / 300, "850 / 300"))
    assert record.verdict == "roughly right" and "own figures do not give it" in record.reason
    assert record.article_arithmetic.startswith("does not hold: 850 / 300 = 2.833")


def test_attributions_and_forecasts() -> None:
    assert (
        claims.attribution("C06-15", True, "DoD-MP", "06_x", data_date="2025-07", sources=["kitco-2025-09-08"]).verdict
        == "accurate"
    )
    assert (
        claims.attribution("C04-05", False, "MP", "04_x", data_date="2025-07", sources=["kitco-2025-09-08"]).verdict
        == "wrong"
    )
    assert claims.attribution("C04-06", None, "no source", "04_x").verdict == "can't be checked"
    record = claims.forecast("C07-01", "prices after the article are its test", "07_x")
    assert record.verdict == "not yet decidable" and record.reason.startswith("Not yet decidable: this is a forecast")


def test_the_ledger_has_the_contract_columns() -> None:
    frame = claims.to_frame([_ok("C01-01", -3.375)])
    assert list(frame.columns) == claims.LEDGER_COLUMNS
    contract = "claim_id section notebook quote main_reading claimed_value computed_value unit verdict reason data_date robustness readings article_arithmetic"
    assert set(contract.split()) <= set(frame.columns)


def test_rounding_readings() -> None:
    from rare_earths.robustness import nearest_in_interval, rounded_interval

    assert rounded_interval(92, 0) == (91.5, 92.5)
    assert nearest_in_interval(92.3, rounded_interval(92, 0)) == 92.3
    assert nearest_in_interval(93.0, rounded_interval(92, 0)) == 92.5


def test_reasons_write_the_plural_possessive_as_readers_expect() -> None:
    from rare_earths import reasons

    by = reasons.publishers(["Reuters", "TASS", "cnyes.com", "Prime"])
    text = reasons.sentence("direction", "wrong", by=by, what="export volume", found="up", said="down", when="2025")
    assert "2 other publishers' figures" in text and "publishers's" not in text
