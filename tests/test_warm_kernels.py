"""Warm kernels (build/zygote.py): a kernel forked from a worker's zygote runs a notebook as a fresh kernel does."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from rare_earths import build, params
from rare_earths.build import zygote
from test_build import make_notebook

pytestmark = pytest.mark.skipif(not zygote.available(), reason="warm kernels need fork and pidfd (Linux)")

# What a notebook can see of the process it runs in, printed as its output: the same with warm kernels and without.
FACTS = """import json, os, signal, sys
import matplotlib
from ipykernel.kernelapp import IPKernelApp
facts = {
    "folder": os.path.basename(os.getcwd()),
    "argv": [os.path.basename(sys.argv[0]), *sys.argv[1:2]],
    "build variables": sorted(k for k in os.environ if k.startswith("RARE_EARTHS_")),
    "backend": matplotlib.get_backend(),
    "rare_earths imported": sorted(m for m in sys.modules if m.split(".")[0] == "rare_earths"),
    "session leader": os.getsid(0) == os.getpid(),
    "watches its parent": IPKernelApp.instance().parent_handle == os.getppid(),
    "sigint": str(signal.getsignal(signal.SIGINT)),
    "name": __name__,
    "first on sys.path": sys.path[0],
}
print(json.dumps(facts, sort_keys=True, indent=1))"""


def _outputs(out: Path, name: str) -> list:
    """The outputs of each code cell of a notebook the build executed."""
    nb = nbformat.read(out / "executed" / f"{name}.ipynb", as_version=4)
    return [c.outputs for c in nb.cells if c.cell_type == "code"]


def test_a_warm_kernel_runs_a_notebook_as_a_fresh_kernel_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    marker = tmp_path / "parent.txt"
    record = (
        f"from pathlib import Path\nparent = open(f'/proc/{{os.getppid()}}/cmdline', 'rb').read().replace(b'\\0', b' ')\n"
        f"_ = Path(r'{marker}').write_text(parent.decode() + '|' + str('pandas' in sys.modules))"
    )
    make_notebook(folder / "91_facts.ipynb", FACTS + "\n\n" + record, 'output_dir = ""')
    seen = {}
    for mode, switch in (("warm", "1"), ("plain", "0")):
        monkeypatch.setenv(zygote.SWITCH, switch)
        out = tmp_path / mode / "out"
        results = build.build(output_root=out, notebooks_dir=folder)
        assert [r.status for r in results] == ["ran"], [r.message for r in results]
        seen[mode] = (_outputs(out, "91_facts"), *marker.read_text().split("|"))
    (warm, warm_parent, warm_preloaded), (plain, plain_parent, plain_preloaded) = seen["warm"], seen["plain"]
    assert "rare_earths.build.zygote" in warm_parent and warm_preloaded == "True"  # forked, libraries imported
    assert "rare_earths.build.zygote" not in plain_parent and plain_preloaded == "False"
    assert warm == plain
    facts = warm[2][0]["text"]  # after the parameters cell and the one papermill injects
    assert '"rare_earths imported": []' in facts and '"watches its parent": true' in facts
    assert '"session leader": true' in facts and "inline" in facts


def test_the_zygote_refuses_an_environment_its_imports_did_not_see_and_ends_with_its_worker(tmp_path: Path) -> None:
    own = dict(os.environ)
    assert (
        zygote.refusal({**own, params.BUILD_ENV: "1", "RARE_EARTHS_OUTPUTS": "x", "JPY_SESSION_NAME": "s"}, own) == ""
    )
    assert zygote.refusal({**own, "MPLBACKEND": "svg"}, own) == "environment differs in MPLBACKEND"
    process = zygote.Zygote(str(tmp_path))
    try:
        assert process.fork(["-f", str(tmp_path / "c.json")], str(tmp_path), {**own, "MPLBACKEND": "svg"}) is None
        process.close()  # what the worker's end comes to when it ends
        assert process.process.wait(30) == 0
    finally:
        if process.process.poll() is None:
            process.process.kill()


def test_every_variable_the_build_sets_for_its_kernels_is_one_the_zygote_lets_differ() -> None:
    import re

    execute = (Path(build.__file__).parent / "execute.py").read_text(encoding="utf-8")
    assert set(re.findall(r"os\.environ\[([^\]]+)\] =", execute)) == {'"RARE_EARTHS_OUTPUTS"', "params.BUILD_ENV"}
    assert params.BUILD_ENV in zygote.PER_KERNEL and "RARE_EARTHS_OUTPUTS" in zygote.PER_KERNEL
