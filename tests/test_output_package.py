"""outputs/datapackage.json describes every output table (fields, types, units, notebook, data sources) and validates;
outputs/tables/statements.json is the statements table with its parts, stable to diff."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rare_earths import build, outputs, package, paths
from rare_earths.notebook import read_notebook

FRICTIONLESS = Path(sys.executable).with_name("frictionless")


@pytest.fixture(scope="module")
def built_05(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Notebook 05 built for real into a temporary outputs folder."""
    root = tmp_path_factory.mktemp("package") / "outputs"
    results = build.build(["05"], output_root=root)
    assert [r.status for r in results] == ["ran"]
    return root


def test_the_built_package_validates_with_frictionless(built_05: Path) -> None:
    done = subprocess.run(
        [str(FRICTIONLESS), "validate", "datapackage.json"], cwd=built_05, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VALID" in done.stdout and "INVALID" not in done.stdout


def test_every_csv_under_tables_is_a_resource(built_05: Path) -> None:
    described = {r["path"] for r in json.loads((built_05 / "datapackage.json").read_text())["resources"]}
    on_disk = {p.relative_to(built_05).as_posix() for p in (built_05 / "tables").rglob("*.csv")}
    assert described == on_disk
    assert {"tables/claims.csv", "tables/05_fleet_totals.csv", "tables/claims/05_defense_demand.csv"} <= on_disk


def test_each_table_names_its_notebook_and_the_data_it_declared(built_05: Path) -> None:
    declared = read_notebook(paths.NOTEBOOKS_DIR / "05_defense_demand.ipynb")["metadata"]["rare_earths"]["inputs"]
    data = {f"data/{r['path']}": r["name"] for r in json.loads(paths.DATAPACKAGE.read_text())["resources"]}
    for res in json.loads((built_05 / "datapackage.json").read_text())["resources"]:
        assert res["description"]
        if res["path"].startswith("tables/05_"):
            assert res["notebook"] == "05_defense_demand"
            assert [s["path"] for s in res["sources"]] == sorted(declared)
            assert all(s["title"] == data[s["path"]] for s in res["sources"])
        for field in res["schema"]["fields"]:
            assert field["type"] and field["unit"] and field["description"], (res["path"], field)


def test_units_and_types_come_from_the_labels_and_the_frame(built_05: Path) -> None:
    resources = {r["path"]: r for r in json.loads((built_05 / "datapackage.json").read_text())["resources"]}
    fields = {f["name"]: f for f in resources["tables/05_fleet_totals.csv"]["schema"]["fields"]}
    assert (fields["fleet_t"]["unit"], fields["fleet_t"]["type"]) == ("t", "number")
    assert fields["fleet_t"]["description"] == "fleet total (t)"
    assert fields["platform"]["unit"] == outputs.NO_UNIT


def test_the_index_links_the_package(built_05: Path) -> None:
    assert '<a href="datapackage.json">Download all tables</a>' in (built_05 / "index.html").read_text()


@pytest.mark.parametrize(
    ("column", "unit"),
    [("volume_t", "t"), ("mom_pct", "%"), ("europe_usd_kg", "USD/kg"), ("lb", "lb"), ("month", outputs.NO_UNIT)],
)
def test_field_units(column: str, unit: str) -> None:
    assert outputs.field_unit(column, [column]) == unit


def test_a_value_beside_a_unit_column_has_its_rows_unit() -> None:
    assert outputs.field_unit("value", ["month", "value", "unit"]) == outputs.ROW_UNIT
    assert outputs.field_unit("value", ["month", "value"]) == outputs.NO_UNIT


def test_save_table_writes_a_schema_with_the_given_descriptions(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"month": ["2025-07", "2025-08"], "volume_t": [5994.3, 5791.6], "n": [1, 2], "note": ["a", None]}
    ).set_index("month")
    table = outputs.save_table(frame, "01_example", tmp_path, "Monthly volumes.", {"n": "reports that give it"})
    body = json.loads(outputs.schema_path(table).read_text())
    assert body["description"] == "Monthly volumes."
    fields = {f["name"]: f for f in body["schema"]["fields"]}
    assert [f["name"] for f in body["schema"]["fields"]] == ["month", "volume_t", "n", "note"]
    assert [fields[c]["type"] for c in fields] == ["yearmonth", "number", "integer", "string"]
    assert fields["n"]["description"] == "reports that give it"
    assert fields["volume_t"]["description"] == "volume (t)"


def test_a_description_of_a_missing_column_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"columns the table does not have: \['volume'\]"):
        outputs.save_table(pd.DataFrame({"volume_t": [1.0]}), "01_x", tmp_path, fields={"volume": "typo"})
    assert not (tmp_path / "tables").exists()


def test_the_package_is_the_same_bytes_when_rewritten(built_05: Path) -> None:
    before = (built_05 / "datapackage.json").read_bytes()
    package.write_package(built_05)
    assert (built_05 / "datapackage.json").read_bytes() == before
    assert str(paths.PROJECT_ROOT) not in before.decode()


LEDGER = [
    {
        "claim_id": "C03-03",
        "statement_id": "S03-02",
        "quote": "more than tripled",
        "main_reading": "European Dy oxide, 6 May against 4 April",
        "claimed_value": "3",
        "computed_value": "2.8333333333",
        "unit": "ratio",
        "verdict": "wrong",
        "reason": "2.8 times.",
        "data_date": "2025-05-06",
        "readings": "metal: wrong",
    },
    {
        "claim_id": "C03-02",
        "statement_id": "S03-02",
        "quote": "$850",
        "main_reading": "European Dy oxide price on 6 May",
        "claimed_value": "850",
        "computed_value": "",
        "unit": "USD/kg",
        "verdict": "accurate",
        "reason": "Fastmarkets gives $850.",
        "data_date": "2025-05-06",
        "readings": "",
    },
]
STATEMENTS = [
    {
        "statement_id": "S03-02",
        "section": "03",
        "notebook": "03_prices",
        "quote": "$850 … more than tripled",
        "claim_ids": "C03-02;C03-03",
        "verdict": "misleading",
        "reason": "One part holds, the other does not.",
        "data_date": "2025-05-06",
    },
    {
        "statement_id": "S01-01",
        "section": "01",
        "notebook": "01_exports",
        "quote": "fell 3.4%",
        "claim_ids": "C03-03",
        "verdict": "wrong",
        "reason": "x",
        "data_date": "",
    },
]


def write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_statements_json_holds_each_statement_with_its_parts(tmp_path: Path) -> None:
    write(paths.tables_dir(tmp_path) / "claims.csv", LEDGER)
    write(paths.tables_dir(tmp_path) / "statements.csv", STATEMENTS)
    target = package.write_statements_json(tmp_path)
    body = json.loads(target.read_text())
    assert [s["statement_id"] for s in body["statements"]] == ["S01-01", "S03-02"]  # sorted
    s = body["statements"][1]
    assert {k: s[k] for k in ("quote", "verdict", "reason")} == {
        k: STATEMENTS[0][k] for k in ("quote", "verdict", "reason")
    }
    assert s["claim_ids"] == ["C03-02", "C03-03"]
    assert [p["claim_id"] for p in s["parts"]] == ["C03-02", "C03-03"]  # in the statement's order
    assert s["parts"][0]["computed_value"] is None and s["parts"][0]["claimed_value"] == 850
    assert s["parts"][1]["computed_value"] == pytest.approx(2.8333333333)
    assert s["parts"][1]["readings"] == "metal: wrong" and s["parts"][1]["data_date"] == "2025-05-06"
    first = target.read_bytes()
    package.write_statements_json(tmp_path)
    assert target.read_bytes() == first


def test_statements_json_refuses_a_part_the_ledger_does_not_have(tmp_path: Path) -> None:
    write(paths.tables_dir(tmp_path) / "claims.csv", LEDGER[:1])
    write(paths.tables_dir(tmp_path) / "statements.csv", STATEMENTS[:1])
    with pytest.raises(ValueError, match=r"S03-02 names parts not in claims.csv: \['C03-02'\]"):
        package.write_statements_json(tmp_path)


def test_no_statements_table_no_statements_json(built_05: Path) -> None:
    if (built_05 / "tables" / "statements.csv").exists():
        assert (built_05 / "tables" / "statements.json").exists()
    else:
        assert package.write_statements_json(built_05) is None
        assert not (built_05 / "tables" / "statements.json").exists()
