"""The sweep's own folders on the local pool: dropped scenarios removed (only the sweep's), no staging left behind,
and the index linking a sweep only once it has completed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rare_earths import cli
from rare_earths.build import sweep
from rare_earths.build import sweep_folders as folders
from rare_earths.site import index

BAD_YEAR = "2000"  # no supply figures for it: notebook 07's 'inputs' cell raises (KeyError)


def scenario_folder(root: Path, name: str, staging_only: bool = False) -> Path:
    """A scenario folder as a sweep lays it out: report/ and its build records (.build/lock)."""
    folder = root / name
    (folder / ".build").mkdir(parents=True)
    (folder / ".build" / "lock").write_text("")
    made = folder / "report" / (".staging/07_outlook/html" if staging_only else "html")
    made.mkdir(parents=True)
    (made / "07_outlook.html").write_text("<p>old</p>")
    return folder


def test_only_the_sweeps_own_folders_of_dropped_scenarios_are_removed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "sweep"
    for name in ("baseline", "recorded", "legacy"):
        scenario_folder(root, name)
    half = scenario_folder(root, "half-built", staging_only=True)
    user = root / "my-notes"
    user.mkdir()
    (user / "notes.txt").write_text("mine")
    lookalike = scenario_folder(root, "lookalike")
    (lookalike / "draft.txt").write_text("mine too")
    (root / "figures").mkdir()
    record = {"scenarios": ["baseline"], "made": ["baseline", "recorded", "gone-already"], "complete": False}

    folders.remove_dropped(root, record)

    assert sorted(p.name for p in root.iterdir()) == ["baseline", "figures", "lookalike", "my-notes"]
    assert not half.exists() and (user / "notes.txt").read_text() == "mine"
    assert record["made"] == ["baseline"]
    out = capsys.readouterr().out
    assert "removed" in out and "recorded/ (scenario no longer in the grid)" in out
    assert "left" in out and "my-notes/ alone" in out


def test_the_index_links_a_sweep_only_once_it_completed(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    root.mkdir()
    (root / "comparison.csv").write_text("scenario,status,report\nbaseline,ran,baseline/report/html/07_outlook.html\n")
    assert index.sweep_entry(tmp_path) is None  # no record: a sweep from before, perhaps half built
    folders.write_record(root, {"scenarios": ["baseline"], "made": ["baseline"], "complete": False})
    assert index.sweep_entry(tmp_path) is None
    folders.write_record(root, {"scenarios": ["baseline"], "made": ["baseline"], "complete": True})
    assert index.sweep_entry(tmp_path)["rows"][0]["scenario"] == "baseline"
    (folders.record_path(root)).write_text("{trunc")
    assert index.sweep_entry(tmp_path) is None


def test_a_scenario_may_not_take_the_comparison_charts_folder(tmp_path: Path) -> None:
    grid = tmp_path / "grid.csv"
    grid.write_text("scenario,description\nfigures,x\n", encoding="utf-8")
    notebook = sweep.plan.select(sweep.plan.discover(), ["07"])[0]
    with pytest.raises(sweep.SweepError, match="taken by the comparison chart"):
        sweep.read_grid(grid, notebook)


def test_a_sweep_with_a_failing_scenario_finishes_tidy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RARE_EARTHS_SCHEDULER", raising=False)  # the local pool
    out_root = tmp_path / "outputs"
    root = out_root / "sweep"
    scenario_folder(root, "dropped")  # a scenario of an earlier grid
    scenario_folder(root, "half-built", staging_only=True)  # an interrupted sweep's leftover
    stale = scenario_folder(root, "baseline", staging_only=True)  # in the grid: its staging is stale
    (root / "mine").mkdir()
    (root / "mine" / "keep.txt").write_text("a user's file")
    grid = tmp_path / "grid.csv"
    grid.write_text(f"scenario,description,base_year\nbaseline,defaults,\nbad-year,x,{BAD_YEAR}\n", encoding="utf-8")

    status = cli.main(["sweep", "--grid", str(grid), "--output-dir", str(out_root), "-j", "2"])
    out, err = capsys.readouterr()

    assert status == 1, err
    assert "bad-year (07_outlook.ipynb: code cell 3 (id 'inputs') raised KeyError" in err
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [
        ".manifests",
        "bad-year",
        "baseline",
        "figures",
        "mine",
    ]
    assert (root / "mine" / "keep.txt").read_text() == "a user's file"
    assert sorted(out_root.rglob(".staging")) == [] and (stale / "report" / "html" / "07_outlook.html").is_file()
    record = json.loads(folders.record_path(root).read_text())
    assert record["complete"] is True and record["made"] == ["bad-year", "baseline"]
    assert index.sweep_entry(out_root) is not None


def test_ctrl_c_stops_a_local_sweep_and_keeps_what_was_promoted(tmp_path: Path) -> None:
    out_root = tmp_path / "outputs"
    grid = tmp_path / "grid.csv"
    grid.write_text("scenario,description,myanmar_feed\n" + "".join(f"s{i},x,{i % 2 == 0}\n" for i in range(4)))
    env = {k: v for k, v in os.environ.items() if k != "RARE_EARTHS_SCHEDULER"}
    command = [sys.executable, "-m", "rare_earths", "sweep", "--grid", str(grid), "--output-dir", str(out_root)]
    driver = subprocess.Popen([*command, "-j", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    manifests = [out_root / "sweep" / f"s{i}" / "report" / ".manifests" / "07_outlook.json" for i in range(4)]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not any(m.exists() for m in manifests) and driver.poll() is None:
        time.sleep(0.2)
    driver.send_signal(signal.SIGINT)
    started = time.monotonic()
    out, err = driver.communicate(timeout=120)

    assert driver.returncode == 130, out + err
    assert time.monotonic() - started < 30  # the running scenario is stopped, the others never start
    assert "sweep interrupted: scenarios with new outputs kept: s0" in err
    assert [m.exists() for m in manifests] == [True, False, False, False]
    assert sorted(out_root.rglob(".staging")) == []
    assert json.loads(folders.record_path(out_root / "sweep").read_text())["complete"] is False
