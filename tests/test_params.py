"""Parameters are checked by one set of rules (rare_earths.params) in the build's command line and in the kernel."""

from __future__ import annotations

import math

import pytest
from rare_earths import build, cli, params, paths

CELL = """window_start = "2025-04-01"  # first quote (ISO date) [allowed: YYYY-MM-DD]
window_end = "2025-05-06"  # last quote [allowed: YYYY-MM-DD, not before window_start]
rate: float = 0.0  # CNY per USD; 0 = sourced [allowed: at least 0]
days = 14  # largest gap in days
output_dir = ""  # where outputs go
"""


def test_a_parameters_cell_declares_type_default_description_and_range() -> None:
    declared = params.parse_cell(CELL)
    assert list(declared) == ["window_start", "window_end", "rate", "days", "output_dir"]
    assert declared["window_end"] == params.Parameter(
        "window_end", "str", '"2025-05-06"', "last quote", ("YYYY-MM-DD", "not before window_start")
    )
    assert (
        declared["rate"].type_name == "float" and declared["days"].type_name == "int" and declared["days"].allowed == ()
    )


def test_params_command_shows_default_description_and_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["params", "03"]) == 0
    out = capsys.readouterr().out
    assert (
        'window_end (str) = "2025-05-06"; allowed: YYYY-MM-DD, not before window_start  # last European quote of the move'
        in out
    )
    assert "max_days_apart (int) = 14; allowed: at least 0  # largest gap in days" in out


@pytest.mark.parametrize("word", ["5", "05", "05_defense", "05_defense_demand", "05_defense_demand.ipynb"])
def test_a_notebook_is_chosen_by_number_or_unique_prefix(word: str) -> None:
    assert build.select(build.discover(), [word]) == [paths.NOTEBOOKS_DIR / "05_defense_demand.ipynb"]


def test_a_misspelled_or_ambiguous_notebook_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(
        build.BuildError, match="unknown notebook '05_defence_demand'; did you mean '05_defense_demand'"
    ):
        build.select(build.discover(), ["05_defence_demand"])
    with pytest.raises(build.BuildError, match="ambiguous notebook '0'"):
        build.select(build.discover(), ["0"])


@pytest.mark.parametrize(
    "given, message",
    [
        (
            ["03", "-p", "max_day_apart", "7"],
            "unknown parameter 'max_day_apart' for 03_prices; did you mean 'max_days_apart'?",
        ),
        (["05", "-p", "f35_lb", "nan"], "05_defense_demand: parameter 'f35_lb' must be a finite number, got nan"),
        (["03", "-p", "usd_cny_rate", "-7"], "03_prices: parameter 'usd_cny_rate' = -7.0 must be at least 0"),
        (
            ["03", "-p", "window_end", "2025-03-01"],
            "03_prices: parameter 'window_end' = '2025-03-01' must be not before window_start ('2025-04-01')",
        ),
        (["03", "-p", "window_end", "2025-02-30"], "parameter 'window_end' = '2025-02-30' is not a real date"),
        (["04", "-p", "denominator", "total"], "parameter 'denominator' = 'total' is not one of ['printed', 'sum']"),
    ],
)
def test_the_cli_refuses_unknown_names_and_meaningless_values(
    given: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:
    assert cli.main(["build", *given, "--output-dir", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_kernel_check_refuses_a_misspelled_injected_name() -> None:
    """What papermill leaves in the kernel for `-p max_day_apart 7`: the injected cell in the input history."""
    namespace = {
        "In": ["", "usd_cny_rate = 0.0", "# Parameters\nmax_day_apart = 7\n"],
        "max_day_apart": 7,
        "max_days_apart": 14,
    }
    with pytest.raises(params.ParameterError, match="unknown parameter 'max_day_apart'; did you mean 'max_days_apart'"):
        params.check("03_prices", namespace)


def test_the_kernel_check_applies_the_cli_types_and_ranges(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(params.BUILD_ENV, raising=False)
    with pytest.raises(params.ParameterError, match="03_prices: parameter 'max_days_apart' expects int, got 'seven'"):
        params.check("03_prices", {"In": ["# Parameters\nmax_days_apart = 'seven'\n"], "max_days_apart": "seven"})
    with pytest.raises(params.ParameterError, match="parameter 'usd_cny_rate' must be a finite number"):
        params.check("03_prices", {"usd_cny_rate": math.nan})
    namespace = {
        "In": ["# Parameters\nusd_cny_rate = 7\noutput_dir = 'x'\n"],
        "usd_cny_rate": 7,
        "output_dir": str(tmp_path),
    }
    assert params.check("03_prices", namespace) == tmp_path
    assert namespace["usd_cny_rate"] == 7.0 and isinstance(
        namespace["usd_cny_rate"], float
    )  # converted as the CLI converts


def test_a_run_outside_the_build_writes_to_its_scratch_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(params.BUILD_ENV, raising=False)
    out = params.check("03_prices", {"output_dir": ""})
    assert out == paths.OUTPUTS_DIR / "scratch" / "03_prices"
    assert "run outside the build; figures and tables go to" in capsys.readouterr().out


def test_every_parameter_of_every_notebook_has_its_help_text() -> None:
    """A parameters line whose comment left it (a formatter wrapping a long line) loses its help and its checks."""
    from rare_earths import build

    missing = [
        f"{nb.stem}: {name}" for nb in build.discover() for name, p in params.declared(nb).items() if not p.description
    ]
    assert missing == []


def test_a_wrapped_assignment_keeps_its_comment_and_allowed_values() -> None:
    source = "swing_pct = (\n    20.0  # how far each input is moved, % [allowed: at least 0, below 100]\n)\n"
    (p,) = params.parse_cell(source).values()
    assert p.description == "how far each input is moved, %" and p.allowed == ("at least 0", "below 100")
