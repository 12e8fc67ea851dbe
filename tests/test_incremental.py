"""The incremental build: content-hash cache keys, dependency order, --force, byte-identical outputs, provenance, recovery."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from rare_earths import build, cli, paths
from rare_earths.build import cache, store
from test_build import make_notebook

WRITE = "from pathlib import Path\nfrom rare_earths import paths\ntables = paths.tables_dir(paths.output_dir(output_dir))\ntables.mkdir(parents=True, exist_ok=True)"


def declare(notebook: Path, inputs: list[str] | None = None, after: list[str] | None = None) -> None:
    """Set a notebook's rare_earths metadata (the data files it reads, the notebooks it runs after)."""
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["rare_earths"] = {"inputs": inputs or [], "after": after or []}
    nbformat.write(nb, notebook)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: 91_a reads data/a.csv, 92_b reads data/b.csv, 93_c runs after 91_a and reads its table."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "notebooks").mkdir()
    (root / "data" / "a.csv").write_text("x\n1\n")
    (root / "data" / "b.csv").write_text("y\n2\n")
    for name, source in (("91_a", "a.csv"), ("92_b", "b.csv")):
        copy = f"text = Path(r'{root / 'data' / source}').read_text()\n(tables / '{name}.csv').write_text(text)"
        make_notebook(root / "notebooks" / f"{name}.ipynb", WRITE + "\n\n" + copy, 'output_dir = ""\nlabel = "a label"')
        declare(root / "notebooks" / f"{name}.ipynb", inputs=[f"data/{source}"])
    upper = "upstream = paths.tables_dir(paths.OUTPUTS_DIR) / '91_a.csv'\n(tables / '93_c.csv').write_text(upstream.read_text().upper())"
    make_notebook(root / "notebooks" / "93_c.ipynb", WRITE + "\n\n" + upper, 'output_dir = ""')
    declare(root / "notebooks" / "93_c.ipynb", after=["91_a"])
    return root


def statuses(results: list[build.Result]) -> dict[str, str]:
    """Notebook -> status of one build."""
    return {r.notebook: r.status for r in results}


def run(project: Path, out: Path, *wanted: str, **kwargs) -> dict[str, str]:
    """Build the project's notebooks into `out`; return each notebook's status."""
    return statuses(build.build(list(wanted), output_root=out, notebooks_dir=project / "notebooks", **kwargs))


def test_only_the_dependents_of_an_edited_data_file_rerun(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(project, out) == {"91_a": "ran", "92_b": "ran", "93_c": "ran"}
    assert (out / "tables" / "93_c.csv").read_text() == "X\n1\n"  # 93_c ran after 91_a and read its table
    capsys.readouterr()

    assert run(project, out) == {"91_a": "cached", "92_b": "cached", "93_c": "cached"}
    printed = capsys.readouterr().out
    assert "[91_a] cached" in printed and "build: re-rendered 0, ran 0, cached 3, failed 0" in printed

    # a fresh clone or checkout changes timestamps, not contents: nothing re-runs
    for path in [*project.rglob("*.csv"), *project.rglob("*.ipynb")]:
        os.utime(path, (1, 1))
    assert run(project, out) == {"91_a": "cached", "92_b": "cached", "93_c": "cached"}

    (project / "data" / "a.csv").write_text("x\n7\n")
    assert run(project, out) == {"91_a": "ran", "92_b": "cached", "93_c": "ran"}
    assert (out / "tables" / "91_a.csv").read_text() == "x\n7\n" and (
        out / "tables" / "93_c.csv"
    ).read_text() == "X\n7\n"

    (project / "data" / "b.csv").write_text("y\n8\n")
    assert run(project, out) == {"91_a": "cached", "92_b": "ran", "93_c": "cached"}


def test_cells_parameters_imported_modules_and_environment_changes_rerun(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    run(project, out, "92")
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "ran"}
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "cached"}

    nb = nbformat.read(project / "notebooks" / "92_b.ipynb", as_version=4)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", text="stale output")]  # outputs are not content
    nbformat.write(nb, project / "notebooks" / "92_b.ipynb")
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "cached"}
    nb.cells[-1].source += "\nprint('changed')"
    nbformat.write(nb, project / "notebooks" / "92_b.ipynb")
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "ran"}

    lib = tmp_path / "lib-copy"
    shutil.copytree(cache.PACKAGE_DIR, lib, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", lib)  # same bytes, other place: still cached
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "cached"}
    (lib / "units.py").write_text((lib / "units.py").read_text() + "\n# edited\n")  # a module 92_b does not import
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "cached"}
    (lib / "paths.py").write_text((lib / "paths.py").read_text() + "\n# edited\n")  # one it imports
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "ran"}

    lock = tmp_path / "requirements.lock"
    lock.write_bytes(paths.LOCK_FILE.read_bytes())
    monkeypatch.setattr(paths, "LOCK_FILE", lock)
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "cached"}
    lock.write_bytes(lock.read_bytes() + b"extra==1.0\n")
    assert run(project, out, "92", parameters={"label": "another"}) == {"92_b": "ran"}


def test_force_reruns_all_or_the_named_notebooks(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(
        paths, "NOTEBOOKS_DIR", project / "notebooks"
    )  # also the sections every report's navigation lists
    run(project, out)
    assert run(project, out, force=True) == {"91_a": "ran", "92_b": "ran", "93_c": "ran"}
    assert run(project, out, force=["92"]) == {"91_a": "cached", "92_b": "ran", "93_c": "cached"}
    timings = paths.state_dir(out) / "timings.json"
    assert cli.main(["build", "--force", "91", "--output-dir", str(out)]) == 0
    assert (
        json.loads(timings.read_text())["91_a"]["last"] == "ran"
        and json.loads(timings.read_text())["92_b"]["last"] == "cached"
    )
    assert cli.main(["build", "93", "--force", "--output-dir", str(out)]) == 0  # 93 and what it runs after, all forced
    assert {k: v["last"] for k, v in json.loads(timings.read_text()).items()} == {
        "91_a": "ran",
        "92_b": "cached",
        "93_c": "ran",
    }


def test_a_notebook_after_a_failed_one_does_not_run(project: Path, tmp_path: Path) -> None:
    bad = project / "notebooks" / "91_a.ipynb"
    nb = nbformat.read(bad, as_version=4)
    nb.cells[-1].source += "\nraise RuntimeError('broken')"
    nbformat.write(nb, bad)
    results = build.build(output_root=tmp_path / "out", notebooks_dir=project / "notebooks")
    assert statuses(results) == {"91_a": "failed", "92_b": "ran", "93_c": "failed"}
    assert results[2].message == "93_c.ipynb: not run: it runs after 91_a, which failed"
    assert "raised RuntimeError: broken" in results[0].message


def test_dependency_declarations_are_checked_before_any_kernel_starts(project: Path, tmp_path: Path) -> None:
    notebooks = project / "notebooks"
    declare(notebooks / "92_b.ipynb", inputs=["data/missing.csv"])
    with pytest.raises(build.BuildError, match="92_b.ipynb: declared input data/missing.csv does not exist"):
        run(project, tmp_path / "out")
    declare(notebooks / "92_b.ipynb", inputs=["../outside.csv"])
    with pytest.raises(build.BuildError, match="must be a path inside the project"):
        run(project, tmp_path / "out")
    declare(notebooks / "92_b.ipynb", after=["99"])
    with pytest.raises(build.BuildError, match="92_b.ipynb: metadata rare_earths.after: unknown notebook '99'"):
        run(project, tmp_path / "out")
    declare(notebooks / "92_b.ipynb", after=["93_c"])
    declare(notebooks / "91_a.ipynb", after=["92_b"])
    with pytest.raises(build.BuildError, match="cycle: .*91_a -> 92_b -> 93_c -> 91_a"):
        run(project, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_choosing_a_notebook_builds_what_it_runs_after(project: Path, tmp_path: Path) -> None:
    assert run(project, tmp_path / "out", "93") == {"91_a": "ran", "93_c": "ran"}


FIGURE = """import matplotlib.pyplot as plt
from rare_earths import paths, plots
plots.apply_theme()

fig, ax = plt.subplots()
ax.plot([2024, 2025, 2026], [3.0, 1.5, 2.5], marker="o")
ax.set_title("a figure")
plots.save_figure(fig, "94_figure", paths.output_dir(output_dir))"""


def test_two_clean_builds_give_identical_bytes(project: Path, tmp_path: Path) -> None:
    make_notebook(project / "notebooks" / "94_fig.ipynb", FIGURE, 'output_dir = ""')
    trees = []
    for run_dir in ("first", "second"):
        out = tmp_path / run_dir / "outputs"
        assert set(run(project, out).values()) == {"ran"}
        trees.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and ".build" not in p.relative_to(out).parts  # run facts: inside an outputs folder
            }  # outside the project (see paths.state_dir); beside outputs/ in the project
        )
        assert [
            name for name, data in trees[-1].items() if str(out).encode() in data or b"rare-earths-kernel-" in data
        ] == []
    first, second = trees
    assert {
        "figures/94_figure.png",
        "figures/94_figure.svg",
        "executed/94_fig.ipynb",
        "html/94_fig.full.html",
        "index.html",
    } <= set(first)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    executed = json.loads(first["executed/94_fig.ipynb"])
    assert all(
        k not in executed["metadata"]["papermill"]
        for k in ("start_time", "end_time", "duration", "input_path", "output_path")
    )
    assert all(
        k not in c["metadata"].get("papermill", {}) and "execution" not in c["metadata"]
        for c in executed["cells"]
        for k in ("start_time", "duration")
    )
    assert [c["id"] for c in executed["cells"] if c["id"] == "injected-parameters"] == ["injected-parameters"]
    shown = [o for c in executed["cells"] for o in c.get("outputs", []) if "rare_earths" in o.get("metadata", {})]
    assert [o["metadata"]["rare_earths"]["figure"] for o in shown] == ["figures/94_figure.png"]
    assert '<img src="../figures/94_figure.png"' in "".join(shown[0]["data"]["text/html"])  # linked, not embedded
    assert all("image/png" not in o["data"] for o in shown)


def test_provenance_sidecars_describe_every_figure_and_table(project: Path, tmp_path: Path) -> None:
    make_notebook(project / "notebooks" / "94_fig.ipynb", FIGURE, 'output_dir = ""')
    out = tmp_path / "out"
    run(project, out, "91", "94", parameters={"label": "x"})
    sidecar = json.loads((out / "tables" / "91_a.provenance.json").read_text())
    assert sidecar["notebook"] == "91_a" and sidecar["parameters"] == {"label": "x"}
    assert sidecar["inputs"] == {"data/a.csv": cache.sha256_file(project / "data" / "a.csv")}
    assert sidecar["files"] == {"tables/91_a.csv": cache.sha256_file(out / "tables" / "91_a.csv")}
    assert sidecar["commit"] == "unknown"  # the temporary project is not a git repository
    assert set(sidecar["versions"]) == {"python", "pandas", "matplotlib", "seaborn", "papermill", "nbconvert"}
    assert sidecar["cache_key"] == json.loads((out / ".manifests" / "91_a.json").read_text())["key"]
    figure = json.loads((out / "figures" / "94_figure.provenance.json").read_text())
    assert sorted(figure["files"]) == ["figures/94_figure.png", "figures/94_figure.svg"]
    index = (out / "index.html").read_text()
    assert 'href="tables/91_a.provenance.json"' in index and 'href="figures/94_figure.provenance.json"' in index


def test_durations_live_beside_outputs_not_in_them(project: Path, tmp_path: Path) -> None:
    out = project / "outputs"
    run(project, out, "92")
    assert paths.state_dir(out, project) == project / ".build"
    timings = json.loads((paths.state_dir(out, project) / "timings.json").read_text())
    assert timings["92_b"]["last"] == "ran" and timings["92_b"]["seconds"] > 0
    assert (paths.state_dir(out, project) / "timings.js").read_text().startswith("window.RARE_EARTHS_TIMINGS = {")
    index = (out / "index.html").read_text()
    assert "../.build/" not in index  # outputs/ is publishable alone: durations stay in .build/, never linked
    assert '<span class="status-built">built</span>' in index
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    run(project, out, "92")  # a no-op build rewrites nothing under outputs/
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert json.loads((paths.state_dir(out, project) / "timings.json").read_text())["92_b"] == {
        **timings["92_b"],
        "last": "cached",
    }


def test_the_notebook_fingerprint_ignores_outputs_and_timings() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="a")])
    plain = cache.notebook_fingerprint(json.loads(nbformat.writes(nb)))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="1")]
    nb.cells[0].execution_count = 3
    nb.cells[0].metadata["execution"] = {"iopub.status.idle": "2025-01-01T00:00:00Z"}
    nb.metadata["papermill"] = {"duration": 1.5}
    assert cache.notebook_fingerprint(json.loads(nbformat.writes(nb))) == plain
    nb.cells[0].metadata["tags"] = ["parameters"]
    assert cache.notebook_fingerprint(json.loads(nbformat.writes(nb))) != plain


def test_a_second_build_on_the_same_outputs_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with store.locked(paths.state_dir(out), out):
        with pytest.raises(build.BuildError, match="another build is writing"):
            with store.locked(paths.state_dir(out), out):
                pass


def test_outputs_changed_outside_the_build_are_rebuilt_and_the_build_says_so(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    run(project, out, "92")
    manifest = json.loads((out / ".manifests" / "92_b.json").read_text())
    assert manifest["sha256"]["tables/92_b.csv"] == cache.sha256_file(out / "tables" / "92_b.csv")
    assert sorted(manifest["sha256"]) == sorted(manifest["files"])
    good = (out / "tables" / "92_b.csv").read_bytes()
    (out / "tables" / "92_b.csv").write_text(
        "y\n999\n"
    )  # e.g. a papermill run of an older version, writing into outputs/
    capsys.readouterr()
    assert run(project, out, "92") == {"92_b": "ran"}
    assert (
        "[92_b] outputs changed or removed outside the build (tables/92_b.csv): re-running" in capsys.readouterr().out
    )
    assert (out / "tables" / "92_b.csv").read_bytes() == good


def test_the_cache_key_ignores_what_a_kernel_or_jupyterlab_writes() -> None:
    nb = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="a")])))
    nb["metadata"] = {
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
        "rare_earths": {"inputs": []},
    }
    plain = cache.notebook_fingerprint(nb)
    ran = json.loads(json.dumps(nb))
    ran["metadata"]["language_info"] = {
        "name": "python",
        "version": "3.11.7",
        "mimetype": "text/x-python",
    }  # written by a JupyterLab run
    ran["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    ran["metadata"]["widgets"] = {"state": {}}
    ran["cells"][0]["id"] = "f00d"
    ran["cells"][0]["metadata"]["scrolled"] = True
    assert cache.notebook_fingerprint(ran) == plain
    declared = json.loads(json.dumps(nb))
    declared["metadata"]["rare_earths"]["inputs"] = ["data/a.csv"]
    assert cache.notebook_fingerprint(declared) != plain


def test_the_index_says_out_of_date_when_a_notebooks_data_changed_since_it_was_built(
    project: Path, tmp_path: Path
) -> None:
    """A build of one notebook after a data edit that another reads: the other is not shown as "built"."""
    out = tmp_path / "out"
    assert run(project, out) == {"91_a": "ran", "92_b": "ran", "93_c": "ran"}
    (project / "data" / "b.csv").write_text("y\n3\n")
    assert run(project, out, "91_a") == {"91_a": "cached"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert (
        '<span class="status-out-of-date">out of date</span>' in index
        and "data/b.csv changed since it was built" in index
    )
    assert index.count('<span class="status-built">built</span>') == 2  # 91_a and 93_c
    assert run(project, out) == {"91_a": "cached", "92_b": "ran", "93_c": "cached"}
    assert "out of date" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_site_address_and_the_commit_reach_every_page(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Cite this' on every page shows the site's address and the commit: changing either re-renders the pages
    (no kernel) and rewrites the index; the executed notebooks stay as they are."""
    from rare_earths.build import provenance

    out = tmp_path / "out"
    monkeypatch.delenv(paths.SITE_URL_ENV, raising=False)
    assert run(project, out) == {"91_a": "ran", "92_b": "ran", "93_c": "ran"}
    executed = (out / "executed" / "91_a.ipynb").read_bytes()
    monkeypatch.setenv(paths.SITE_URL_ENV, "https://example.org/rare-earths")
    assert run(project, out) == {"91_a": "rendered", "92_b": "rendered", "93_c": "rendered"}
    assert "https://example.org/rare-earths" in (out / "html" / "92_b.html").read_text(encoding="utf-8")
    assert "https://example.org/rare-earths" in (out / "index.html").read_text(encoding="utf-8")
    assert run(project, out) == {"91_a": "cached", "92_b": "cached", "93_c": "cached"}

    monkeypatch.setattr(provenance, "git_commit", lambda root: "0123456789abcdef0123456789abcdef01234567")
    assert run(project, out) == {"91_a": "rendered", "92_b": "rendered", "93_c": "rendered"}
    assert (out / "executed" / "91_a.ipynb").read_bytes() == executed


def test_the_hash_cache_is_saved_while_other_threads_add_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep runs builds in threads of one process: one build saves the file-hash cache while the others hash."""
    import threading

    monkeypatch.setattr(cache, "_HASHES", {})
    folder = tmp_path / "files"
    folder.mkdir()
    for i in range(400):
        (folder / f"{i}.txt").write_text(str(i))
    old = 1_000_000_000
    for path in folder.iterdir():
        os.utime(path, (old, old))  # not racy: every hash may be kept
    stop, errors = threading.Event(), []

    def hash_all() -> None:
        while not stop.is_set():
            for path in folder.iterdir():
                cache.sha256_file(path)
            cache._HASHES.clear()

    def save_often() -> None:
        try:
            for _ in range(100):
                cache.save_hashes(tmp_path / "hashes.json")
        except Exception as exc:  # what a sweep met: "dictionary changed size during iteration"
            errors.append(exc)
        finally:
            stop.set()

    workers = [threading.Thread(target=hash_all) for _ in range(3)] + [threading.Thread(target=save_often)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    saved = json.loads((tmp_path / "hashes.json").read_text())["sha256"]
    assert all(stamp.split("\0")[0].startswith(str(folder)) for stamp in saved)


def test_the_notebooks_to_run_start_longest_first_by_their_last_run() -> None:
    """A rebuild of several notebooks starts the one whose last run took longest first (it would otherwise run
    alone at the end); notebooks never timed start first, in planned order, as every notebook does in a first build."""
    from rare_earths.build import engine

    plans = [build.Plan(Path(f"{name}.ipynb"), {}, {}, [], name) for name in ("01_a", "02_b", "03_c", "04_d")]
    timings = {"01_a": {"seconds": 2.0}, "02_b": {"seconds": 9.5}, "04_d": {"seconds": 4.1, "last": "ran"}}
    assert [p.name for p in engine.longest_first(plans, timings)] == ["03_c", "02_b", "04_d", "01_a"]
    assert [p.name for p in engine.longest_first(plans, {})] == ["01_a", "02_b", "03_c", "04_d"]
    assert [p.name for p in engine.longest_first(plans, {"02_b": {"seconds": "x"}})] == [p.name for p in plans]
    hint = {"01_a": 1.0, "02_b": 3.0, "03_c": 2.0}  # a first build: the notebooks folder's durations.json
    assert [p.name for p in engine.longest_first(plans, {}, hint)] == ["04_d", "02_b", "03_c", "01_a"]
    assert [p.name for p in engine.longest_first(plans, {"01_a": {"seconds": 5.0}}, hint)][1:3] == ["01_a", "02_b"]


def test_a_durations_hint_is_read_and_a_broken_one_is_named_and_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rare_earths.build import store

    assert store.read_durations_hint(tmp_path) == {}
    (tmp_path / "durations.json").write_text('{"about": "x", "seconds": {"01_a": 2, "02_b": 4.5}}', encoding="utf-8")
    assert store.read_durations_hint(tmp_path) == {"01_a": 2.0, "02_b": 4.5}
    (tmp_path / "durations.json").write_text('{"seconds": {"01_a": "slow"}}', encoding="utf-8")
    assert store.read_durations_hint(tmp_path) == {}
    assert "durations.json is not a durations hint (an object 'seconds' of numbers): ignored" in capsys.readouterr().err


def test_the_durations_hint_names_every_notebook_of_the_collection() -> None:
    import json

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    hint = json.loads((notebooks / "durations.json").read_text(encoding="utf-8"))["seconds"]
    assert sorted(hint) == sorted(p.stem for p in notebooks.glob("[0-9][0-9]_*.ipynb")), (
        "notebooks/durations.json orders a first build: give a new notebook its seconds (from .build/timings.json)"
    )
