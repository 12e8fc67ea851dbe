"""Every section checks exactly its own inventoried claims, from sourced data; key findings type no numbers."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from rare_earths import claims, data, paths, scale
from rare_earths.sections import (
    defense,
    export_claims,
    outlook,
    outlook_claims,
    policy_claims,
    price_claims,
    prices,
    refining_claims,
    responses,
    since,
    since_claims,
)

ARTICLE_DATE = "2025-09-10"
NOTEBOOKS = sorted((paths.PROJECT_ROOT / "notebooks").glob("0*.ipynb"))


def _parameters(name: str) -> dict:
    """A notebook's default parameters, read from its cell tagged `parameters`."""
    nb = json.loads((paths.PROJECT_ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), values)  # noqa: S102 - the project's own parameter cell
    return values


@pytest.fixture(scope="module")
def records_by_section() -> dict[str, list]:
    load = data.load
    quotes, rates = load("prices"), load("exchange_rates")
    usd = prices.in_usd_per_kg(quotes, rates)
    p7 = _parameters("07_outlook.ipynb")
    scenario = outlook.Scenario(**{k: p7[k] for k in outlook.Scenario.__dataclass_fields__})
    return {
        "01": export_claims.check_claims(load("china_exports_monthly"), "2025-08", "01")[0],
        "02": policy_claims.check_claims(
            load("policy_events"),
            load("china_quotas"),
            load("china_exports_monthly"),
            quotes,
            2025,
            "2025-04",
            "2025-08",
            "02",
        ),
        "03": price_claims.check_claims(quotes, rates, usd, *prices.EUROPE_WINDOW, "03"),
        "04": refining_claims.check_claims(
            load("usgs_world_production"),
            load("stage_shares"),
            load("policy_events"),
            load("country_responses"),
            ARTICLE_DATE,
            "04",
        ),
        "05": defense.check_claims(load("defense_content"), "05"),
        "06": responses.check_claims(
            load("usgs_world_production"), load("country_responses"), usd, rates, ARTICLE_DATE, "06"
        ),
        "07": outlook_claims.check_claims(scenario, load("country_responses"), usd, ARTICLE_DATE, "07"),
        "08": _section_08(quotes),
    }


def _section_08(quotes) -> list:
    """Section 08's records: the forecasts scored on today's data, their conditions, the thesis after the article."""
    responses = data.load("country_responses")
    outcomes, readings = since.score_all(data.load("forecasts"), quotes, data.sources(), responses, "2026-03-31")
    return since_claims.check_claims(
        data.load("china_exports_monthly"), outcomes, readings, since.conditions(responses), "08"
    )


@pytest.mark.parametrize("section", ["01", "02", "03", "04", "05", "06", "07", "08"])
def test_each_section_checks_exactly_its_own_claims_and_at_least_three(records_by_section, section) -> None:
    ids = [r.claim_id for r in records_by_section[section]]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(claims.for_section(section)["claim_id"])
    assert len(ids) >= 3


def _all(records_by_section) -> list:
    return [r for rs in records_by_section.values() for r in rs]


def test_every_record_has_a_verdict_a_robustness_and_a_reason(records_by_section) -> None:
    for record in _all(records_by_section):
        assert record.verdict in claims.VERDICTS and record.robustness and record.reason.strip()
        assert record.main_reading and record.statement_id


def test_every_decided_verdict_names_the_date_of_its_data(records_by_section) -> None:
    undated = [
        r.claim_id
        for r in _all(records_by_section)
        if r.verdict not in ("can't be checked", "not yet decidable") and not (r.data_date and r.sources)
    ]
    assert undated == []


def _starts(period: str) -> list[pd.Timestamp]:
    """The first day of each date, month or year a data_date names ('2025-07' -> 1 July 2025)."""
    found = re.findall(r"\d{4}(?:-\d{2}){0,2}", period)
    return [pd.Timestamp(t if len(t) == 10 else f"{t}-01" if len(t) == 7 else f"{t}-01-01") for t in found]


def test_no_data_date_is_later_than_the_sources_it_cites(records_by_section) -> None:
    """A verdict's data cannot postdate every source it cites: a date announced in advance is not an observation."""
    published = pd.to_datetime(data.sources().set_index("source_id")["date_published"], errors="coerce")
    late = {}
    for r in _all(records_by_section):
        days = [published.get(s.strip()) for s in r.sources.split(";") if s.strip()]
        days = [d for d in days if d is not None and not pd.isna(d)]
        if days and _starts(r.data_date) and max(_starts(r.data_date)) > max(days):
            late[r.claim_id] = (r.data_date, r.sources)
    assert late == {}


INTERNAL = re.compile(
    r"attribution|direction|\bratio\b|_|\(rare_earths|rare_earths\.|\.csv|\bdata/|-undated|-\d{4}-\d{2}-\d{2}\b|\bMCS \d|"
    r"\bGACC\b|claimed_value|computed_value|tolerance|\bnan\b|yyyymm|\b\d{6}\b"
)


def _too_precise(text: str) -> list[str]:
    """Numbers in a sentence with more than four significant digits (thousands separators and dates aside)."""
    out = []
    for token in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        digits = token.replace(",", "")
        whole, _, frac = digits.partition(".")
        significant = (whole.lstrip("0") + frac) if whole.strip("0") else frac.lstrip("0")
        significant = significant if frac else significant.rstrip("0")
        if len(significant) > 4:
            out.append(token)
    return out


def test_reasons_are_plain_sentences_a_journalist_can_quote(records_by_section) -> None:
    bad = {}
    for r in _all(records_by_section):
        problems = INTERNAL.findall(r.reason) + _too_precise(r.reason)
        if problems or not r.reason.startswith(r.verdict[0].upper() + r.verdict[1:] + ":") or r.reason.count(". ") > 4:
            bad[r.claim_id] = (problems, r.reason)
    assert bad == {}


def test_the_reason_check_catches_machine_wording() -> None:
    assert INTERNAL.search("claimed 1 attribution; the data give 0 attribution")
    assert INTERNAL.search("claimed 3 ratio") and INTERNAL.search("900 lb in tonnes (rare_earths.units)")
    assert _too_precise("0.076923%") == ["0.076923"] and _too_precise("45,455 t") == ["45,455"]
    assert _too_precise("6.12 million yuan, 45,500 t, 2025, 1,650,000") == []


def test_robustness_labels_agree_with_the_readings(records_by_section) -> None:
    from rare_earths.robustness import parse, robustness

    for r in _all(records_by_section):
        outcomes = [o for _, o in parse(r.readings)]
        assert outcomes, f"{r.claim_id}: no readings recorded"
        assert robustness(outcomes) == r.robustness, f"{r.claim_id}: label {r.robustness!r}, readings {r.readings!r}"
        if r.verdict == "accurate":
            assert "fails" not in outcomes, r.claim_id
        if r.verdict == "wrong":
            assert "holds" not in outcomes or r.basis.startswith("The data show no such thing"), r.claim_id


def test_a_label_that_disagrees_with_its_readings_is_caught() -> None:
    from rare_earths.robustness import parse, robustness

    text = "main reading: yes (holds); a restart at some earlier time: none (no data)"
    assert robustness([o for _, o in parse(text)]) != "holds under every reading"


def test_known_verdicts(records_by_section) -> None:
    """A few verdicts that follow directly from the data, so a regression in the checks shows."""
    by_id = {r.claim_id: r for r in _all(records_by_section)}
    assert by_id["C01-01"].verdict == "accurate"  # 5,994.3 -> 5,792 t is -3.4%
    assert by_id["C01-03"].verdict == "can't be checked"  # no sourced August value
    assert (
        by_id["C00-02"].verdict == "misleading" and by_id["C00-02"].robustness == "depends on reading"
    )  # up y/y, down m/m
    assert by_id["C00-07"].verdict == "wrong" and "quadrupling" in by_id["C00-07"].reason  # +204%, not +300%
    assert by_id["C02-10"].article_arithmetic.startswith("does not hold")  # 850 / 300 < 3
    assert by_id["C04-02"].verdict == "roughly right"  # 92.3% against a source's 92%: false precision
    assert by_id["C06-03"].robustness == "depends on reading"  # MCS 2025 vs MCS 2026
    assert by_id["C06-04"].verdict == "wrong"  # China's quota went to two groups, each far above MP's output
    assert by_id["C06-10"].verdict == "wrong" and "Burma" in by_id["C06-10"].reason
    assert "metal" in by_id["C03-07"].reason
    assert by_id["C07-12"].verdict in ("accurate", "roughly right")  # 2-4 kg of magnet per robot
    assert all(by_id[c].notebook == "08" for c in ("C07-01", "C07-04", "C07-06", "C07-11"))  # scored after the article
    assert by_id["C07-01"].verdict in scale.FORECAST_OUTCOMES
    assert by_id["C01-12"].verdict == "did not come true"  # 2025 export volume 62,585 t, up on 55,431 t in 2024
    assert by_id["C07-05"].verdict == "accurate" and by_id["C07-05"].data_date == "2025-09-04"  # SMM, 4 Sep 2025


def test_a_check_at_a_date_uses_no_data_far_from_it(records_by_section) -> None:
    """The Dy oxide premise rests on the quote nearest the article's date; without one near it, nothing is decided."""
    quotes = data.load("prices")
    late = (quotes["element"] == "Dy") & (quotes["product"] == "oxide") & (quotes["date"] > pd.Timestamp("2025-08-01"))
    usd = prices.in_usd_per_kg(quotes[~late], data.load("exchange_rates"))
    p7 = _parameters("07_outlook.ipynb")
    scenario = outlook.Scenario(**{k: p7[k] for k in outlook.Scenario.__dataclass_fields__})
    by_id = {
        r.claim_id: r
        for r in outlook_claims.check_claims(scenario, data.load("country_responses"), usd, ARTICLE_DATE, "07")
    }
    assert by_id["C07-05"].verdict == "can't be checked" and "no data near the date" in by_id["C07-05"].reason


def test_statements_cover_every_claim_once(records_by_section) -> None:
    table = claims.statements(claims.to_frame(_all(records_by_section)))
    ids = [i for cell in table["claim_ids"] for i in cell.split(";")]
    assert sorted(ids) == sorted(claims.inventory()["claim_id"])
    assert set(table["verdict"]) <= set(claims.VERDICTS) and table["reason"].str.len().gt(0).all()


def test_the_value_series_derives_only_what_two_totals_determine() -> None:
    frame = data.load("china_exports_monthly")
    values = export_claims.value_series(frame).set_index("period")
    assert values.loc["2025-10..2025-11", "value_usd"] == pytest.approx(448.3e6 - 342.3e6)
    assert values.loc["2025-01..2025-08", "value_usd"] == pytest.approx(342.3e6 - 59.6e6)
    assert values.loc["2025-10..2025-11", "kind"].startswith("derived")
    assert not {"2025-07", "2025-08"} & set(values.index)  # never filled from the article
    assert "article" not in " ".join(values["source_id"])


def test_the_implied_august_unit_value_is_evidence_labelled_as_the_article() -> None:
    frame = data.load("china_exports_monthly")
    implied = export_claims.implied_unit_values(frame, {"2025-08": claims.claimed("C01-03")})
    assert implied["unit_value_usd_per_t"].iloc[0] == pytest.approx(55e6 / 5792)
    assert implied["source_id"].iloc[0].startswith("article-")


def _literal_text(source: str) -> list[str]:
    """The literal text of the strings a key-finding cell displays (f-string parts outside {}, plain strings), not format specs or keys."""
    tree = ast.parse(source)
    specs = {
        id(c)
        for n in ast.walk(tree)
        if isinstance(n, ast.FormattedValue) and n.format_spec is not None
        for c in ast.walk(n.format_spec)
    }
    inside = specs | {id(c) for n in ast.walk(tree) if isinstance(n, ast.FormattedValue) for c in ast.walk(n.value)}
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in specs and id(node) not in inside:
            texts += [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside | parts:
            texts.append(node.value)
    return texts


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_key_findings_type_no_numbers(notebook: Path) -> None:
    """Every number in a key-finding cell comes from a computed variable, never from typed text."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "key-finding" in c.get("metadata", {}).get("tags", [])]
    assert cells, f"{notebook.name} has no key-finding cell"
    for cell in cells:
        typed = [t for t in _literal_text("".join(cell["source"])) if re.search(r"\d", t)]
        assert typed == [], f"{notebook.name}: numbers typed into the key finding: {typed}"


def test_the_key_finding_check_catches_a_typed_number() -> None:
    assert _literal_text('display(Markdown(f"rose {x:+.0f}% (the article says +300%)"))') == [
        "rose ",
        "% (the article says +300%)",
    ]
    assert not any(
        re.search(r"\d", t) for t in _literal_text("display(Markdown(f\"on {d:%d %B %Y}: {t.loc['a', 'b']:.1f}\"))")
    )


def test_attribution_verdicts_follow_from_the_source_rows(records_by_section) -> None:
    """Attributions are decided by what the sourced rows say and when, never by a typed True or False."""
    by_id = {r.claim_id: r for rs in records_by_section.values() for r in rs}
    # MP stopped selling to China in July 2025: true until then, outdated when the article appeared
    assert by_id["C04-05"].verdict == "misleading" and "July 2025, before the article" in by_id["C04-05"].reason
    assert by_id["C06-01"].verdict == "misleading"  # producing in 2024: a restart, but no urgent one in 2025
    assert by_id["C06-15"].verdict == "accurate"
    # the Lynas source reports its first heavy rare-earth oxides, not that it was first outside China
    assert (
        by_id["C06-08"].verdict == "can't be checked" and "not that no company outside China" in by_id["C06-08"].reason
    )


def test_attributions_change_with_the_rows(records_by_section) -> None:
    moves = data.load("country_responses")
    lynas = moves["item"].str.startswith("Lynas first Dy")
    moves.loc[lynas, "quote"] = "Lynas became the first company outside China to produce separated heavy rare earths."
    stop = moves["item"].str.startswith("MP Materials ends sales to China")
    moves.loc[stop, "as_of"] = "2025-11"
    usd = prices.in_usd_per_kg(data.load("prices"), data.load("exchange_rates"))
    by_id = {
        r.claim_id: r
        for r in responses.check_claims(
            data.load("usgs_world_production"), moves, usd, data.load("exchange_rates"), ARTICLE_DATE, "06"
        )
    }
    assert by_id["C06-08"].verdict == "accurate"
    s04 = {
        r.claim_id: r
        for r in refining_claims.check_claims(
            data.load("usgs_world_production"),
            data.load("stage_shares"),
            data.load("policy_events"),
            moves,
            ARTICLE_DATE,
            "04",
        )
    }
    assert (
        s04["C04-05"].verdict == "can't be checked"
    )  # sales ending after the article do not show where ore went before it


@pytest.mark.parametrize(
    ("text", "phrases", "expected"),
    [
        (
            "The DoD has committed to a 10-year agreement with MP Materials",
            (("DoD", "Department of Defense"), "mp materials", "agreement"),
            True,
        ),
        (
            "The Department of Defense bought shares in MP Materials",
            (("DoD", "Department of Defense"), "MP Materials", "agreement"),
            False,
        ),
    ],
)
def test_states_needs_every_phrase(text: str, phrases: tuple, expected: bool) -> None:
    assert claims.states(text, *phrases) is expected


def _section_03(quotes) -> dict:
    """Section 03's records by claim id, on the given quotes."""
    rates = data.load("exchange_rates")
    usd = prices.in_usd_per_kg(quotes, rates)
    return {r.claim_id: r for r in price_claims.check_claims(quotes, rates, usd, *prices.EUROPE_WINDOW, "03")}


def _reading(record, name: str) -> str:
    """The outcome a ledger's readings column gives one named reading."""
    return record.readings.split(name, 1)[1].split(";")[0]


def test_chinas_dysprosium_and_terbium_figures_are_read_as_oxide_and_as_metal(records_by_section) -> None:
    """The article's undated 'price in China' is set against the range of China's quotes within two weeks of the
    comparison (6 May 2025), as oxide (main reading) and as metal (another reading); the reason says which reading
    was checked, with the range, its dates and publishers."""
    by_id = {r.claim_id: r for r in records_by_section["03"]}
    tb, dy = by_id["C03-07"], by_id["C03-04"]
    assert tb.verdict == "misleading"  # 8.79 million lies within China's terbium METAL quotes of those weeks
    assert "(holds)" in _reading(tb, "terbium metal") and "(fails)" in _reading(tb, "main reading")
    for word in ("oxide", "metal", "SMM", "22 April 2025", "8.35", "8.98"):
        assert word in tb.reason, (word, tb.reason)
    assert dy.verdict == "wrong"
    assert "(fails)" in _reading(dy, "dysprosium metal")  # decided now: CCMN's metal quotes of 13 and 16 May
    for word in ("oxide", "metal", "SMM", "CCMN", "2.08 million", "13 May 2025"):
        assert word in dy.reason, (word, dy.reason)


def test_the_ratios_are_judged_over_the_same_two_weeks(records_by_section) -> None:
    """'2.4 times' and 'threefold' hold only against China's metal price; the reason gives both ranges of the ratio."""
    by_id = {r.claim_id: r for r in records_by_section["03"]}
    for cid, metal in (("C03-05", "dysprosium metal"), ("C03-08", "terbium metal")):
        r = by_id[cid]
        assert r.verdict == "misleading", (cid, r.reason)
        assert "(holds)" in _reading(r, metal) and "(fails)" in _reading(r, "main reading")
        assert "oxide" in r.reason and "metal" in r.reason and "times" in r.reason


def test_the_china_figures_keep_the_articles_precision() -> None:
    """2.03 and 8.79 million are judged at their own rounding (±5,000 yuan), not widened to a share of the quote."""
    inv = claims.inventory()
    for cid in ("C03-04", "C03-07"):
        assert (inv.loc[cid, "tolerance"], inv.loc[cid, "tolerance_kind"]) == (5000, "absolute")


def test_a_metal_quote_far_from_the_comparison_decides_no_reading() -> None:
    """Without a terbium metal quote within two weeks of early May 2025, the metal reading has no data."""
    quotes = data.load("prices")
    far = (
        (quotes["element"] == "Tb")
        & (quotes["product"] == "metal")
        & quotes["date"].between("2025-04-20", "2025-05-22")
    )
    by_id = _section_03(quotes[~far])
    assert "terbium metal" in by_id["C03-07"].readings and "no data" in by_id["C03-07"].readings
    assert by_id["C03-07"].verdict == "wrong"
