"""Every command the README and docs/ show in a shell code block runs, in a temporary clone of the working tree.

The commands are read from the Markdown itself (``sh`` blocks of README.md and docs/*.md, docs/notes/ aside): each
must match a row of EXERCISES, which says how it is exercised, or the test fails naming it. So a command added to the
docs without an exercise fails CI, and so does an exercise whose command left the docs.

The clone: the working tree's files (tracked and untracked, git-ignored ones left out) committed in a fresh git
repository, with a `.venv/` that lends the project environment's interpreter and packages (symlinks; its `make`
stamp is fresh, so no command installs anything) and RARE_EARTHS_ROOT naming the clone, so every path the package
uses is the clone's. Nothing is written into the checkout. The commands run as written, with three substitutions
a reader would make: `/tmp/` becomes the test's temporary folder, `COMTRADE_API_KEY=...` gets a made-up key, and
a server that must stop (JupyterLab) gets a free port and a token. `make data` talks to a local server that answers
like the UN Comtrade API from the recorded fixture (COMTRADE_API_ROOT); nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import lend_environment
from rare_earths import paths

ROOT = paths.PROJECT_ROOT
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
COMMENT = re.compile(r"\s+#(\s.*)?$")
TIMEOUT = 1200  # seconds for one command: a cold build of every notebook on a busy 2-core machine fits well inside


def documents(root: Path = ROOT) -> list[Path]:
    """The README and the manual it links (docs/*.md; docs/notes/ are helpers' drafts, folded in at merge)."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Command:
    """One command line of a shell block, where it is written, and the folder it runs in (after a `cd` above it)."""

    text: str
    source: str
    cwd: str = "."

    def __str__(self) -> str:
        return self.text


def fenced_blocks(path: Path) -> Iterator[tuple[str, int, list[str]]]:
    """(language, line of the opening fence, lines) of each fenced code block of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, language, start, body = opened.group(1), opened.group(2).lower(), i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        yield language, start, body


def commands(root: Path = ROOT) -> list[Command]:
    """Every command of every shell block, comments stripped, continuation lines joined, in document order."""
    found = []
    for path in documents(root):
        rel = path.relative_to(root).as_posix()
        for language, start, body in fenced_blocks(path):
            if language not in SHELL_LANGUAGES:
                continue
            cwd, pending, first = ".", "", 0
            for n, raw in enumerate(body, start + 1):
                line = COMMENT.sub("", raw).strip()
                if not line and not pending:
                    continue
                first = first or n
                if line.endswith("\\"):
                    pending += line[:-1].rstrip() + " "
                    continue
                text, pending = pending + line, ""
                found.append(Command(text, f"{rel}:{first}", cwd))
                first = 0
                if text.startswith("cd "):
                    cwd = text[3:].strip()
    return found


# ---------------------------------------------------------------- the clone


@dataclass
class Clone:
    """The temporary clone the commands run in, and what they need around it."""

    root: Path
    tmp: Path
    env: dict[str, str]
    api: ComtradeReplay
    outputs: Path = field(init=False)
    servers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    dask_port: int = field(default_factory=lambda: _free_port())

    def __post_init__(self) -> None:
        self.outputs = self.root / "outputs"

    def run(self, command: Command, extra: str = "", activated: bool = False, timeout: float = TIMEOUT) -> Done:
        """Run a command (with the readers' substitutions, and `extra` appended) in bash, from its folder."""
        text = substituted(command.text, self.tmp) + (f" {extra}" if extra else "")
        env = dict(self.env)
        if activated:  # as `conda activate` would: the environment's bin/ first on PATH
            env["PATH"] = f"{self.root / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
        done = subprocess.run(
            ["bash", "-c", text],
            cwd=self.root / command.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Done(text, done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Done:
    """What a command did."""

    text: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def ok(self) -> Done:
        """Self, after asserting exit status 0 (the message shows the command and its output)."""
        assert self.returncode == 0, f"`{self.text}` exited with {self.returncode}:\n{self.output[-4000:]}"
        return self


def substituted(text: str, tmp: Path) -> str:
    """The command as the test runs it: its temporary folder for /tmp/, a made-up key for `...`."""
    text = re.sub(r"(?<![\w/.])/tmp(?=/|\s|$)", str(tmp), text)
    return text.replace("COMTRADE_API_KEY=...", "COMTRADE_API_KEY=readme-test-key")


def copy_working_tree(dest: Path) -> None:
    """The working tree's tracked and untracked files (not git-ignored ones) into dest, committed in a new repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel, follow_symlinks=False)
    git = ["git", "-c", "user.name=readme test", "-c", "user.email=readme@test.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "clone of the working tree"], cwd=dest, check=True)


def two_scenarios(grid: Path, rows: slice) -> str:
    """A grid of two scenarios of the shipped one (header kept)."""
    lines = grid.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join([lines[0], *lines[1:][rows]])


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clone]:
    """The clone, its environment, and the local Comtrade server; the clone's make stamp proven fresh."""
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("git and make are needed to clone the working tree and run its commands")
    base = tmp_path_factory.mktemp("readme")
    root = base / "clone"
    copy_working_tree(root)
    lend_environment(root)
    grid = root / "notebooks" / "07_outlook.scenarios.csv"
    (root / "my_scenarios.csv").write_text(two_scenarios(grid, slice(2, 4)), encoding="utf-8")
    grid.write_text(two_scenarios(grid, slice(0, 2)), encoding="utf-8")  # `make sweep` on a 2-scenario grid
    tmp = base / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "RARE_EARTHS_", "COMTRADE_"))}
    with ComtradeReplay() as api:
        env.update(
            RARE_EARTHS_ROOT=str(root),
            COMTRADE_API_ROOT=api.root,
            JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
        )
        question = subprocess.run(["make", "-q", ".venv/.installed"], cwd=root, env=env)
        assert question.returncode == 0, (
            "the clone's .venv stamp is stale: a command would install into the project venv"
        )
        made = Clone(root, tmp, env, api)
        try:
            yield made
        finally:
            for name in list(made.servers):
                _stop(made, name)


# ---------------------------------------------------------------- a local UN Comtrade


class ComtradeReplay:
    """A local server answering like the UN Comtrade API: the fixture's records that the query asks for."""

    RECORDS = json.loads((Path(__file__).parent / "fixtures" / "comtrade" / "ok_2025-01_2025-03.json").read_bytes())[
        "data"
    ]

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                url = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
                replay.requests.append({"path": url.path, "query": query, "headers": dict(self.headers.items())})
                periods = set(query.get("period", "").split(","))
                partners = {int(p) for p in query.get("partnerCode", "").split(",") if p}
                codes = set(query.get("cmdCode", "").split(","))
                data = [
                    r
                    for r in replay.RECORDS
                    if str(r["period"]) in periods and r["partnerCode"] in partners and r["cmdCode"] in codes
                ]
                body = json.dumps({"count": len(data), "data": data, "error": ""}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> ComtradeReplay:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- the exercises


def _tree(folder: Path, skip: str = "scratch") -> dict[str, int]:
    """Files under a folder with their modification times (nanoseconds), a first-level folder left out."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] != skip
    }


def _notebooks_named(arguments: list[str]) -> list[str]:
    """The notebook numbers or names among a build's arguments (not the values of -p NAME VALUE)."""
    named, skip = [], 0
    for a in arguments:
        if skip:
            skip -= 1
        elif a in ("-p", "--parameter"):
            skip = 2
        elif re.fullmatch(r"\d\d?|\d\d_\w+", a):
            named.append(a)
    return named


def _build_arguments(text: str) -> list[str]:
    """The build's arguments in a `make report ARGS=...` or `python -m rare_earths build ...` line."""
    words = shlex.split(text)
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):  # VAR=value before the command
        words = words[1:]
    if words[0] == "make":
        given = next((w.split("=", 1)[1] for w in words if w.startswith("ARGS=")), "")
        return shlex.split(given)
    return words[words.index("build") + 1 :]


def _assert_parameters_recorded(clone: Clone, arguments: list[str]) -> None:
    """Each `-p NAME VALUE` of a build is in the record of every notebook it built."""
    pairs = [(arguments[i + 1], arguments[i + 2]) for i, a in enumerate(arguments) if a in ("-p", "--parameter")]
    for name in _notebooks_named(arguments):
        (manifest,) = (clone.outputs / ".manifests").glob(f"{int(name[:2]):02d}_*.json")
        recorded = json.loads(manifest.read_text(encoding="utf-8"))["parameters"]
        for key, value in pairs:
            assert str(recorded.get(key)).lower() == value.lower(), f"{manifest.name}: {key} = {recorded.get(key)!r}"


def exercise_build(clone: Clone, command: Command, activated: bool = False) -> None:
    """The build runs: a summary with no failure, every selected notebook's report, the index; -p values recorded."""
    done = clone.run(command, activated=activated).ok()
    assert re.search(r"build: re-rendered \d+, ran \d+, cached \d+, failed 0", done.output), done.output[-2000:]
    arguments = _build_arguments(command.text)
    selected = _notebooks_named(arguments)
    stems = [p.stem for p in sorted((clone.root / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    for stem in (
        stems if not selected else [s for s in stems if any(s.startswith(f"{int(n[:2]):02d}_") for n in selected)]
    ):
        assert (clone.outputs / "html" / f"{stem}.html").is_file(), stem
    assert (clone.outputs / "index.html").is_file()
    _assert_parameters_recorded(clone, arguments)


def exercise_activated_build(clone: Clone, command: Command) -> None:
    """As in an activated conda environment: `python` is the environment's (its bin/ first on PATH)."""
    exercise_build(clone, command, activated=True)


def exercise_make_test(clone: Clone, command: Command) -> None:
    """`make test` with a small selection (ARGS), not the whole suite: pytest runs, then ruff check and ruff format."""
    done = clone.run(command, extra='ARGS="-q tests/test_units.py"').ok()
    assert re.search(r"\d+ passed", done.output), done.output[-2000:]
    assert "ruff check ." in done.stdout and "All checks passed!" in done.output
    assert "ruff format --check ." in done.stdout and "already formatted" in done.output


def exercise_pytest(clone: Clone, command: Command) -> None:
    """Bare `pytest` in an activated environment, on a small selection (not the whole suite from inside it)."""
    done = clone.run(command, extra="-q tests/test_units.py", activated=True).ok()
    assert re.search(r"\d+ passed", done.output), done.output[-2000:]


def exercise_ruff(clone: Clone, command: Command) -> None:
    """The lint and format checks of an activated environment pass on the clone."""
    done = clone.run(command, activated=True).ok()
    assert "All checks passed!" in done.output and "already formatted" in done.output


def exercise_validate(clone: Clone, command: Command) -> None:
    """Validation passes on the shipped data and says so."""
    done = clone.run(command, activated=not command.text.startswith(("make", ".venv"))).ok()
    assert "data: 0 problem(s)" in done.stdout


def exercise_params(clone: Clone, command: Command) -> None:
    """Every notebook and its parameters are listed."""
    done = clone.run(command).ok()
    for nb in sorted((clone.root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"{nb.stem}:" in done.stdout
    assert "start_month" in done.stdout and "claim_month" in done.stdout


def exercise_sweep(clone: Clone, command: Command) -> None:
    """The sweep runs every scenario of its (2-scenario) grid and writes the comparison table and chart."""
    arguments = _build_arguments(command.text)
    grid = (
        clone.root / arguments[arguments.index("--grid") + 1]
        if "--grid" in arguments
        else clone.root / "notebooks" / "07_outlook.scenarios.csv"
    )
    expected = [line.split(",")[0] for line in grid.read_text(encoding="utf-8").splitlines()[1:]]
    assert len(expected) == 2
    done = clone.run(command).ok()
    assert "sweep: 2 scenarios of 07_outlook" in done.stdout
    comparison = (clone.outputs / "sweep" / "comparison.csv").read_text(encoding="utf-8")
    assert all(name in comparison for name in expected), comparison
    assert (clone.outputs / "sweep" / "figures" / "comparison.png").stat().st_size > 0
    assert all((clone.outputs / "sweep" / name / "report").is_dir() for name in expected)


def exercise_cd(clone: Clone, command: Command) -> None:
    """`cd` sets the folder of the block's later lines (the parser gives it to them); the folder exists in a clone."""
    assert (clone.root / command.cwd / command.text[3:].strip()).is_dir()


def _outside_run(clone: Clone, command: Command, made: Callable[[Path], list[Path]]) -> None:
    """A run outside the build writes where it was told, and never touches the build's outputs."""
    before = _tree(clone.outputs)
    clone.run(command).ok()
    for path in made(clone.tmp):
        assert path.exists(), path
    assert _tree(clone.outputs) == before, "a run outside the build changed the build's outputs"


def exercise_papermill(clone: Clone, command: Command) -> None:
    """papermill with parameters: the executed notebook and its figures and tables where the command says."""
    _outside_run(clone, command, lambda tmp: [tmp / "01_exports.out.ipynb"])
    assert list((clone.tmp / "01-outputs" / "figures").glob("01_*.png"))


def exercise_nbconvert(clone: Clone, command: Command) -> None:
    """nbconvert --execute: the executed notebook in the folder named, outputs in the scratch folder only."""
    _outside_run(clone, command, lambda tmp: [tmp / "01-nbconvert" / "01_exports.ipynb"])
    assert list((clone.outputs / "scratch" / "01_exports").rglob("*.csv"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exercise_lab(clone: Clone, command: Command) -> None:
    """JupyterLab starts, serves notebooks/ on the loopback interface only, and stops on SIGTERM (a free port and a
    token are added; and --allow-root for the bare `jupyter lab` line when the tests run as root, as `make lab` does)."""
    port, token = _free_port(), secrets.token_hex(16)
    options = f"--no-browser --ServerApp.port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    if os.geteuid() == 0 and not command.text.startswith("make"):  # `make lab` adds it itself for root
        options += " --allow-root"
    text = substituted(command.text, clone.tmp) + (
        f' ARGS="{options}"' if command.text.startswith("make") else f" {options}"
    )
    env = dict(clone.env)
    env["PATH"] = f"{clone.root / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    log = clone.tmp / f"lab-{port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["bash", "-c", text], cwd=clone.root / command.cwd, env=env, stdout=out, stderr=out, start_new_session=True
        )
        try:
            contents = _wait_for_lab(port, token, server, log)
            assert "01_exports.ipynb" in [item["name"] for item in contents["content"]]
            assert (
                f"http://127.0.0.1:{port}/lab" in log.read_text() or f"http://localhost:{port}/lab" in log.read_text()
            )
            assert "0.0.0.0" not in log.read_text()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def _wait_for_lab(port: int, token: str, server: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """The contents listing of the server's root, once it answers (or a failure showing its log)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=5) as answer:
                return json.loads(answer.read())
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on 127.0.0.1:{port} within 180 s:\n{log.read_text()[-3000:]}")


DASK_PORT = "8786"  # the port the docs show; the test gives the scheduler a free one instead


def _dask_text(clone: Clone, command: Command) -> str:
    """The command with the clone's free port for the documented one."""
    return (
        substituted(command.text, clone.tmp)
        .replace(f":{DASK_PORT}", f":{clone.dask_port}")
        .replace(f"--port {DASK_PORT}", f"--port {clone.dask_port}")
    )


def _start(clone: Clone, name: str, command: Command, ready: Callable[[str], bool]) -> None:
    """Start a documented server command in the background (its own session) and wait until its log says ready."""
    log = clone.tmp / f"{name}-{clone.dask_port}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["bash", "-c", _dask_text(clone, command)],
            cwd=clone.root / command.cwd,
            env=clone.env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    clone.servers[name] = server
    deadline = time.monotonic() + 120
    while not ready(log.read_text()):
        assert server.poll() is None, f"`{command.text}` exited with {server.returncode}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"`{command.text}` not ready within 120 s:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


def _stop(clone: Clone, name: str) -> None:
    """Stop a server started by _start (SIGTERM to its session, SIGKILL after 30 s)."""
    server = clone.servers.pop(name)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def exercise_dask_scheduler(clone: Clone, command: Command) -> None:
    """The scheduler starts on the loopback interface (a free port for the documented one) and listens."""
    _start(clone, "scheduler", command, lambda log: f"127.0.0.1:{clone.dask_port}" in log and "Scheduler at" in log)
    socket.create_connection(("127.0.0.1", clone.dask_port), timeout=5).close()


def exercise_dask_worker(clone: Clone, command: Command) -> None:
    """A worker of the clone's environment registers with that scheduler."""
    assert "scheduler" in clone.servers, "the scheduler's command must come before the worker's"
    _start(clone, "worker", command, lambda log: "Registered to:" in log)


def exercise_dask_sweep(clone: Clone, command: Command) -> None:
    """The sweep runs its 2 scenarios on that cluster (none cached before), then the worker and scheduler stop."""
    assert {"scheduler", "worker"} <= set(clone.servers), "start the scheduler and a worker first"
    assert not (clone.outputs / "sweep").exists(), "an earlier sweep would let the cluster run nothing"
    try:
        done = clone.run(Command(_dask_text(clone, command), command.source, command.cwd)).ok()
        address = f"tcp://127.0.0.1:{clone.dask_port}"
        assert f"sweep: 2 scenarios of 07_outlook on the Dask cluster at {address}" in done.stdout, done.output
        assert len(re.findall(r"^  \S+: ran in ", done.stdout, flags=re.M)) == 2, done.stdout
        assert (clone.outputs / "sweep" / "comparison.csv").is_file()
    finally:
        _stop(clone, "worker")
        _stop(clone, "scheduler")
    with pytest.raises(OSError):  # stopped: nothing listens any more
        socket.create_connection(("127.0.0.1", clone.dask_port), timeout=2).close()


def exercise_data(clone: Clone, command: Command) -> None:
    """`make data` against the local API: the snapshot is written and valid; a key goes in the header only."""
    asked = len(clone.api.requests)
    done = clone.run(command).ok()
    assert "wrote data/comtrade/china_exports_comtrade.csv" in done.stdout, done.output
    requests = clone.api.requests[asked:]
    assert requests
    arguments = _build_arguments(command.text)
    if "--partners" in arguments:
        assert {r["query"]["partnerCode"] for r in requests} == {arguments[arguments.index("--partners") + 1]}
    if "COMTRADE_API_KEY=" in command.text:
        key = "readme-test-key"
        assert {r["path"] for r in requests} == {"/data/v1/get/C/M/HS"}
        assert all(r["headers"].get("Ocp-Apim-Subscription-Key") == key for r in requests)
        written = (clone.root / "data" / "comtrade").glob("*")
        assert not any(key in p.read_text(encoding="utf-8") for p in written) and key not in done.output
    else:
        assert {r["path"] for r in requests} == {"/public/v1/preview/C/M/HS"}
    meta = json.loads((clone.root / "data" / "comtrade" / "china_exports_comtrade.json").read_text(encoding="utf-8"))
    assert meta["months_with_data"] == ["2025-01", "2025-02", "2025-03"]


def exercise_conda_create(clone: Clone, command: Command) -> None:
    """`conda env create` needs conda and the network: a dry run where conda exists, else skipped with the reason."""
    conda = shutil.which("conda")
    if conda is None:
        pytest.skip(
            "conda is not installed on this machine, so `conda env create` cannot run here; "
            "tests/test_environment.py checks that environment.yml installs exactly requirements.lock"
        )
    done = subprocess.run(
        [conda, "env", "create", "--dry-run", "-n", "rare-earths-readme-test", "-f", "environment.yml"],
        cwd=clone.root,
        env=clone.env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def exercise_help(clone: Clone, command: Command) -> None:
    """Every target the docs name is listed."""
    done = clone.run(command).ok()
    for target in ("report", "test", "validate", "lab", "sweep", "data", "clean", "distclean"):
        assert re.search(rf"make {target}\s", done.stdout), target


def exercise_clean(clone: Clone, command: Command) -> None:
    """The outputs and the build's records go; data/ and the notebooks stay."""
    assert clone.outputs.is_dir()
    clone.run(command).ok()
    assert not clone.outputs.exists() and not (clone.root / ".build").exists()
    assert (clone.root / "data" / "claims.csv").is_file() and list((clone.root / "notebooks").glob("*.ipynb"))


def exercise_distclean(clone: Clone, command: Command) -> None:
    """The clone's .venv/ goes too (a view of the project venv: the project venv itself is untouched)."""
    clone.run(command).ok()
    assert not (clone.root / ".venv").exists() and not clone.outputs.exists()
    assert (Path(sys.prefix) / "bin" / "python").exists()


# (pattern the whole command matches, order of the run, exercise). The first matching row applies.
Exercise = Callable[[Clone, Command], None]
EXERCISES: list[tuple[str, int, Exercise]] = [
    (r"make report", 10, exercise_build),
    (r'make report ARGS="01 -p comtrade true"', 70, exercise_build),  # after `make data` wrote a snapshot
    (r"make report ARGS=.*", 20, exercise_build),
    (r"\.venv/bin/python -m rare_earths build .*", 20, exercise_build),
    (r"python -m rare_earths build( .*)?", 25, exercise_activated_build),
    (r"make test", 30, exercise_make_test),
    (r"pytest", 30, exercise_pytest),
    (r"ruff check \. && ruff format --check \.", 30, exercise_ruff),
    (r"make validate|python -m rare_earths validate", 30, exercise_validate),
    (r"\.venv/bin/python -m rare_earths params", 30, exercise_params),
    (r"\.venv/bin/dask scheduler --host 127\.0\.0\.1 --port 8786 .*", 35, exercise_dask_scheduler),
    (r"\.venv/bin/dask worker tcp://127\.0\.0\.1:8786 .*", 36, exercise_dask_worker),
    (r'make sweep ARGS="--scheduler tcp://127\.0\.0\.1:8786"', 37, exercise_dask_sweep),  # before the local sweeps
    (r"make sweep( ARGS=.*)?", 40, exercise_sweep),
    (r"cd \S+", 45, exercise_cd),
    (r"\.\./\.venv/bin/papermill .*", 45, exercise_papermill),
    (r"\.\./\.venv/bin/jupyter nbconvert .*", 45, exercise_nbconvert),
    (r"make lab|jupyter lab --notebook-dir=notebooks", 50, exercise_lab),
    (r"(COMTRADE_API_KEY=\S+ )?make data( ARGS=.*)?", 60, exercise_data),
    (r"conda env create -f environment\.yml && conda activate rare-earths", 80, exercise_conda_create),
    (r"make help", 80, exercise_help),
    (r"make clean", 90, exercise_clean),
    (r"make distclean", 95, exercise_distclean),
]


def exercise_of(command: Command) -> tuple[int, Exercise] | None:
    """The order and exercise of a command (the first row whose pattern matches it whole), or None."""
    return next(((order, ex) for pattern, order, ex in EXERCISES if re.fullmatch(pattern, command.text)), None)


def _ordered() -> list[Command]:
    """The documented commands in the order they run (unmatched ones first, so that they fail at once)."""
    return sorted(commands(), key=lambda c: (exercise_of(c) or (0, None))[0])


# ---------------------------------------------------------------- the tests


def test_every_documented_command_has_an_exercise() -> None:
    missing = [f"{c.source}: `{c.text}`" for c in commands() if exercise_of(c) is None]
    assert missing == [], "commands in the docs that no test exercises (add a row to EXERCISES):\n" + "\n".join(missing)


def test_a_new_command_without_an_exercise_is_named(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("```sh\nmake report\nmake frobnicate ARGS=1\n```\n", encoding="utf-8")
    found = commands(tmp_path)
    assert [c.text for c in found if exercise_of(c) is None] == ["make frobnicate ARGS=1"]
    assert found[1].source == "README.md:3"


def test_every_exercise_still_has_its_command() -> None:
    documented = commands()
    stale = [p for p, _, _ in EXERCISES if not any(re.fullmatch(p, c.text) for c in documented)]
    assert stale == [], f"exercises whose command is no longer in the docs: {stale}"


def test_every_code_block_says_its_language() -> None:
    """A command block must be marked sh to be exercised: an unmarked block could hide one."""
    unmarked = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in documents()
        for language, line, _ in fenced_blocks(path)
        if not language
    ]
    assert unmarked == []


def test_the_parser_reads_commands_comments_continuations_and_cd(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        '```sh\nmake report   # builds\nmake report ARGS="01 \\\n  -p a b"\ncd notebooks\nls -l\n```\n'
        '```json\n{"a": 1}\n```\n',
        encoding="utf-8",
    )
    (tmp_path / "docs" / "x.md").write_text("text\n~~~bash\necho '#not a comment'\n~~~\n", encoding="utf-8")
    assert commands(tmp_path) == [
        Command("make report", "README.md:2"),
        Command('make report ARGS="01 -p a b"', "README.md:3"),
        Command("cd notebooks", "README.md:5"),
        Command("ls -l", "README.md:6", "notebooks"),
        Command("echo '#not a comment'", "docs/x.md:3"),
    ]


def test_readers_paths_are_moved_into_the_tests_folder(tmp_path: Path) -> None:
    line = "papermill a.ipynb /tmp/out.ipynb -p output_dir /tmp/x && ls /tmp && ls /tmpfoo /x/tmp"
    assert substituted(line, tmp_path) == (
        f"papermill a.ipynb {tmp_path}/out.ipynb -p output_dir {tmp_path}/x && ls {tmp_path} && ls /tmpfoo /x/tmp"
    )
    assert substituted("COMTRADE_API_KEY=... make data", tmp_path) == "COMTRADE_API_KEY=readme-test-key make data"


def test_every_link_of_the_docs_resolves() -> None:
    """Relative links of README.md and docs/ point at files that exist, and #anchors at headings of that file."""
    broken = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                broken.append(f"{path.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert broken == []


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("command", _ordered(), ids=lambda c: f"{c.source} {c.text}"[:90])
def test_documented_command_runs(clone: Clone, command: Command) -> None:
    found = exercise_of(command)
    assert found is not None, f"{command.source}: `{command.text}` has no exercise in EXERCISES"
    found[1](clone, command)
