"""What a notebook depends on (the rare_earths modules it imports, transitively) and render-only rebuilds (no kernel)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import lend_environment
from rare_earths import build, paths
from rare_earths.build import cache, deps, engine, plan, render
from test_build import make_notebook
from test_incremental import WRITE, declare, run

ROOT = paths.PROJECT_ROOT


def notebook_json(*cells: str) -> dict:
    """A notebook as plain JSON with one code cell per source."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c, id=f"c{i}") for i, c in enumerate(cells)])
    return json.loads(nbformat.writes(nb))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A small rare_earths package: a imports b inside a function, c stands alone, site/reports reads its templates."""
    pkg = tmp_path / "rare_earths"
    (pkg / "site" / "templates").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import math\n\n\ndef f():\n    from . import b\n    return b.g()\n")
    (pkg / "b.py").write_text("from .sub import leaf\n\n\ndef g():\n    return leaf.X\n")
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "leaf.py").write_text("X = 1\n")
    (pkg / "c.py").write_text("Y = 2\n")
    (pkg / "site" / "__init__.py").write_text("")
    (pkg / "site" / "reports.py").write_text(
        "from pathlib import Path\nfrom .. import c\nSTYLE = (Path(__file__).parent / 'templates' / 'x.css').read_text()\n"
    )
    (pkg / "site" / "templates" / "x.css").write_text("body {}\n")
    return pkg


def test_a_notebook_depends_on_what_it_imports_transitively_function_level_imports_included(package: Path) -> None:
    graph = deps.ModuleGraph(package)
    nb = notebook_json("%matplotlib inline\nimport pandas as pd", "from rare_earths import a\n!ls")
    reached = graph.closure(deps.notebook_imports(graph, nb))
    assert reached == ["rare_earths", "rare_earths.a", "rare_earths.b", "rare_earths.sub", "rare_earths.sub.leaf"]
    assert graph.files_of(reached) == ["__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/leaf.py"]
    before = graph.digest(reached)
    (package / "c.py").write_text("Y = 3\n")  # not reached
    assert deps.ModuleGraph(package).digest(reached) == before
    (package / "sub" / "leaf.py").write_text("X = 2\n")  # reached through a function-level import, then a top-level one
    assert deps.ModuleGraph(package).digest(reached) != before


def test_package_data_read_beside_a_module_counts_and_unparseable_code_depends_on_everything(package: Path) -> None:
    graph = deps.ModuleGraph(package)
    site = graph.closure(["rare_earths.site.reports"])
    assert graph.files_of(site) == [
        "__init__.py",
        "c.py",
        "site/__init__.py",
        "site/reports.py",
        "site/templates/x.css",
    ]
    before = graph.digest(site)
    (package / "site" / "templates" / "x.css").write_text("body { color: red }\n")
    assert deps.ModuleGraph(package).digest(site) != before
    broken = notebook_json("from rare_earths import a\nif :")
    assert deps.notebook_imports(graph, broken) == sorted(graph.modules)  # never a missed dependency


def test_the_import_scan_is_cached_by_content(package: Path, tmp_path: Path) -> None:
    cached = tmp_path / "imports.json"
    first = deps.ModuleGraph(package, cached)
    reached = first.closure(["rare_earths.a"])
    first.save()
    assert cached.exists()
    second = deps.ModuleGraph(package, cached)
    second_reached = second.closure(["rare_earths.a"])
    assert second_reached == reached and not second._dirty  # nothing parsed again
    (package / "b.py").write_text("from . import c\n")  # new content, new entry: the cache never answers for old text
    third = deps.ModuleGraph(package, cached)
    assert "rare_earths.c" in third.closure(["rare_earths.a"]) and third._dirty


def test_every_file_shipped_inside_the_package_is_code_or_data_some_module_reads() -> None:
    """A data file added under lib/ that no module reads beside itself would be missed by every key: refuse it."""
    graph = deps.ModuleGraph(cache.PACKAGE_DIR)
    covered = set(graph.files_of(sorted(graph.modules)))
    shipped = {
        p.relative_to(cache.PACKAGE_DIR).as_posix()
        for p in cache.PACKAGE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    assert shipped - covered == set()
    rendering = graph.files_of(render.render_modules(graph))
    assert "site/templates/nbconvert/offline/index.html.j2" in rendering  # the reports' template: a render input
    assert "site/templates/report.css" not in rendering  # the stylesheet every page links: written once, apart
    assert "site/templates/report.css" in graph.files_of(graph.closure(["rare_earths.site.assets"]))


def test_a_render_and_an_index_refresh_open_only_files_their_keys_cover(
    built: tuple[Path, list[build.Result]], tmp_path: Path
) -> None:
    """Watch (an audit hook, in a child process) which package and data files rendering two reports and refreshing
    the index open: each must be covered by the render key (the render modules' declared package data, the
    notebook's declared inputs, render.site_context) or by the pages' key (build/pages.py)."""
    from rare_earths.build import pages
    from rare_earths.site import cite

    out, _ = built
    names = ["03_prices", "08_since_the_article"]
    probe = Path(__file__).parent / "fixtures" / "audit" / "opened_files.py"
    done = subprocess.run(
        [sys.executable, str(probe), str(out), str(tmp_path / "copy"), *names], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    opened = {phase: [Path(p) for p in found] for phase, found in json.loads(done.stdout).items()}
    pkg, data_dir = cache.PACKAGE_DIR.resolve(), paths.DATA_DIR.resolve()

    def package_data(found: list[Path]) -> set[str]:
        return {
            p.relative_to(pkg).as_posix()
            for p in found
            if pkg in p.parents and "__pycache__" not in p.parts and p.suffix != ".py"
        }

    def data_files(found: list[Path]) -> set[str]:
        return {f"data/{p.name}" for p in found if p.parent == data_dir}

    graph = deps.ModuleGraph(cache.PACKAGE_DIR)
    rendering = set(graph.files_of(render.render_modules(graph)))
    site = {f"data/{name}" for name in (*render.SITE_DATA, *(file for _, file, _ in cite.SERIES_END))}
    for name in names:
        declared = set(plan.declared_dependencies(paths.NOTEBOOKS_DIR / f"{name}.ipynb", plan.discover())[0])
        if name == names[0]:  # the template is compiled once per process, at the first render: the watch works
            assert "site/templates/nbconvert/offline/index.html.j2" in package_data(opened[name])
        assert package_data(opened[name]) - rendering == set(), name
        assert data_files(opened[name]) - declared - site == set(), name
    closure = graph.closure([pages.MODULE], prune=(render.BUILD_PACKAGE,))
    covered = set(graph.files_of(closure)) - {f for f in graph.files_of([pages.ASSETS]) if not f.endswith(".py")}
    assert "site/templates/index.html.j2" in package_data(opened["pages"])
    assert package_data(opened["pages"]) - covered == set()  # every data/ file is in the pages' key


def plan_keys(notebooks_dir: Path = paths.NOTEBOOKS_DIR) -> dict[str, tuple[str, str]]:
    """Each real notebook's (execution key, render inputs), as the build plans them."""
    available = plan.discover(notebooks_dir)
    plans = plan.make_plans(available, available, {nb: {} for nb in available}, notebooks_dir.parent)
    return {p.name: (p.key, p.render) for p in plans}


def edited(path: Path) -> None:
    """Append a comment to a file (CSS, a Jinja template or Python): new bytes, same behaviour."""
    comment = {".css": "\n/* edited */\n", ".j2": "{# edited #}\n"}.get(path.suffix, "\n# edited\n")
    path.write_text(path.read_text(encoding="utf-8") + comment, encoding="utf-8")


@pytest.fixture
def lib_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the rare_earths package that the build's keys are computed from."""
    lib = tmp_path / "lib" / "rare_earths"
    shutil.copytree(cache.PACKAGE_DIR, lib, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", lib)
    return lib


def changed_keys(before: dict[str, tuple[str, str]], after: dict[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The notebooks whose execution key changed, and those whose render inputs changed."""
    return (
        sorted(n for n in before if before[n][0] != after[n][0]),
        sorted(n for n in before if before[n][1] != after[n][1]),
    )


def test_a_module_reached_only_through_a_function_level_import_is_a_dependency(lib_copy: Path) -> None:
    """04 imports refining_claims and shares; it reaches sections/prices.py only through the import inside a
    function of sections/responses.py. An edit to prices.py must change 04's key (and not 01's or 05's)."""
    responses = (lib_copy / "sections" / "responses.py").read_text(encoding="utf-8")
    assert re.search(r"^\s+from \. import prices", responses, flags=re.M)  # the import is inside a function
    assert not re.search(r"^from \. import .*prices|^from \.prices", responses, flags=re.M)
    before = plan_keys()
    edited(lib_copy / "sections" / "prices.py")
    ran, rendered = changed_keys(before, plan_keys())
    assert ran == [
        "02_policy",
        "03_prices",
        "04_refining_share",
        "06_country_responses",
        "07_outlook",
        "08_since_the_article",
    ]
    assert rendered == []


@pytest.mark.parametrize(
    ("module", "runs", "renders"),
    [
        ("site/templates/report.css", [], []),  # the shared stylesheet: no page embeds it (build/pages.py)
        ("site/templates/nbconvert/offline/index.html.j2", [], "all"),
        ("site/reports.py", [], "all"),
        ("site/index.py", [], []),  # the index page only: written after the notebooks, from their records
        ("sections/defense.py", ["05_defense_demand"], []),
        ("snapshot.py", ["01_exports"], []),
        ("labels.py", "all", "all"),  # plots and the reports both use it
        ("build/execute.py", "all", []),  # it runs every notebook (papermill, normalisation, provenance)
        ("build/engine.py", [], []),
        ("build/sweep.py", [], []),
    ],
)
def test_which_keys_an_edit_of_each_wing_changes(lib_copy: Path, module: str, runs: object, renders: object) -> None:
    before = plan_keys()
    edited(lib_copy / module)
    ran, rendered = changed_keys(before, plan_keys())
    assert ran == (sorted(before) if runs == "all" else runs)
    assert rendered == (sorted(before) if renders == "all" else renders)


def test_a_render_only_change_re_renders_from_the_executed_notebooks_without_a_kernel(
    tmp_path: Path, lib_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "notebooks").mkdir()
    (project / "data" / "a.csv").write_text("x\n1\n")
    copy = f"(tables / '91_a.csv').write_text(Path(r'{project / 'data' / 'a.csv'}').read_text())"
    make_notebook(project / "notebooks" / "91_a.ipynb", WRITE + "\n\n" + copy, 'output_dir = ""')
    declare(project / "notebooks" / "91_a.ipynb", inputs=["data/a.csv"])
    make_notebook(project / "notebooks" / "92_b.ipynb", "x = 1", 'output_dir = ""')
    out = tmp_path / "out"
    assert run(project, out) == {"91_a": "ran", "92_b": "ran"}
    cold = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    stamps = {rel: (out / rel).stat().st_mtime_ns for rel in cold if rel.startswith("executed/")}
    files = json.loads(cold[".manifests/91_a.json"])["files"]

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("a render-only change started a kernel")

    monkeypatch.setattr(engine, "run_all", no_kernel)
    edited(lib_copy / "site" / "templates" / "nbconvert" / "offline" / "index.html.j2")
    capsys.readouterr()
    assert run(project, out) == {"91_a": "rendered", "92_b": "rendered"}
    printed = capsys.readouterr().out
    assert "[91_a] re-rendered in" in printed and "build: re-rendered 2, ran 0, cached 0, failed 0" in printed
    again = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    records = (".manifests/", ".build/")  # the build's own records (durations, log, caches) change; the outputs do not
    assert [rel for rel in cold if cold[rel] != again.get(rel) and not rel.startswith(records)] == []
    assert {rel: (out / rel).stat().st_mtime_ns for rel in stamps} == stamps  # executed notebooks untouched
    manifest = json.loads((out / ".manifests" / "91_a.json").read_text())
    assert (
        manifest["files"] == files and manifest["render_key"] != json.loads(cold[".manifests/91_a.json"])["render_key"]
    )
    assert run(project, out) == {"91_a": "cached", "92_b": "cached"}

    (out / "html" / "92_b.full.html").unlink()  # HTML removed outside the build: rendered again, not run again
    capsys.readouterr()
    assert run(project, out) == {"91_a": "cached", "92_b": "rendered"}
    assert "[92_b] outputs changed or removed outside the build (html/92_b.full.html): re-rendering" in (
        capsys.readouterr().out
    )
    assert (out / "html" / "92_b.full.html").read_bytes() == cold["html/92_b.full.html"]
    timings = json.loads((paths.state_dir(out) / "timings.json").read_text())
    assert timings["92_b"]["last"] == "rendered" and timings["92_b"]["seconds"] > 0  # the run's duration is kept


def copy_project(target: Path) -> Path:
    """A copy of what a build reads (data, notebooks, lib), with no outputs."""
    for name in ("data", "notebooks", "lib", "requirements.lock", "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(src, target / name)
    return target


def build_copy(repo: Path) -> tuple[dict[str, str], str]:
    """`python -m rare_earths build` in a copy of the project (its own lib/ first); what each notebook did, the summary."""
    if not (repo / ".venv").exists():
        lend_environment(repo)  # the copy's own .venv/ (the project's by symlink): the package refuses a foreign one
    env = {**os.environ, "RARE_EARTHS_ROOT": str(repo), "PYTHONPATH": str(repo / "lib")}
    done = subprocess.run(
        [str(repo / ".venv" / "bin" / "python"), "-m", "rare_earths", "build"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    did = dict(re.findall(r"^\[(\S+)\] (ran|re-rendered|cached)\b", done.stdout, flags=re.M))
    summary = re.search(r"^build: .*$", done.stdout, flags=re.M)
    return did, summary.group(0) if summary else ""


def test_an_edit_in_each_wing_reruns_or_rerenders_exactly_its_notebooks(tmp_path: Path) -> None:
    """The real collection in a copy: what the build's own report says it did after one edit in each wing."""
    repo = copy_project(tmp_path / "repo")
    names = sorted(p.stem for p in (repo / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    did, _ = build_copy(repo)
    assert did == {n: "ran" for n in names}
    for module, expected in (
        ("site/templates/report.css", {n: "cached" for n in names}),  # only assets/site.css is rewritten (below)
        ("site/templates/nbconvert/offline/index.html.j2", {n: "re-rendered" for n in names}),
        ("sections/defense.py", {n: "ran" if n == "05_defense_demand" else "cached" for n in names}),
        ("snapshot.py", {n: "ran" if n == "01_exports" else "cached" for n in names}),
        ("build/engine.py", {n: "cached" for n in names}),
    ):
        before = outputs_bytes(repo / "outputs")
        edited(repo / "lib" / "rare_earths" / module)
        did, summary = build_copy(repo)
        assert did == expected, module
        counts = {w: list(expected.values()).count(w) for w in ("re-rendered", "ran", "cached")}
        assert summary.startswith(
            f"build: re-rendered {counts['re-rendered']}, ran {counts['ran']}, cached {counts['cached']}, failed 0"
        ), summary
        if module.endswith("report.css"):
            after = outputs_bytes(repo / "outputs")
            assert [rel for rel in after if after[rel] != before.get(rel)] == ["assets/site.css"]
            assert after["assets/site.css"].endswith(b"/* edited */\n")


def outputs_bytes(out: Path) -> dict[str, bytes]:
    """Every file of an output folder (its build records aside), by outputs-relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".manifests" not in p.parts
    }


def test_a_failed_render_keeps_the_previous_pages_and_is_tried_again(
    tmp_path: Path, lib_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    make_notebook(project / "notebooks" / "92_b.ipynb", "x = 1", 'output_dir = ""')
    out = tmp_path / "out"
    assert run(project, out) == {"92_b": "ran"}
    page = (out / "html" / "92_b.html").read_bytes()
    edited(lib_copy / "site" / "templates" / "nbconvert" / "offline" / "index.html.j2")

    def broken(executed: Path, html_dir: Path) -> list[Path]:
        raise RuntimeError("template bug")

    monkeypatch.setattr(render, "render_html", broken)
    results = build.build(output_root=out, notebooks_dir=project / "notebooks")
    assert [(r.status, r.message) for r in results] == [
        ("failed", "92_b.ipynb: HTML export failed: RuntimeError: template bug")
    ]
    assert (out / "html" / "92_b.html").read_bytes() == page
    monkeypatch.undo()
    monkeypatch.setattr(cache, "PACKAGE_DIR", lib_copy)
    assert run(project, out) == {"92_b": "rendered"}
