"""Chart helpers: the bar labels of share_bars take either a plain slot or a numeric format."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from rare_earths import plots
from rare_earths.build import sweep


def _labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_share_bars_plain_slot_keeps_small_shares_visible():
    fig = plots.share_bars(pd.Series({"China": 69.2, "Other": 0.04}), title="t", xlabel="x", source="s")
    assert sorted(_labels(fig)) == ["0.04%", "69.2%"]


def test_share_bars_numeric_format_is_applied_to_the_number():
    fig = plots.share_bars(
        pd.Series({"baseline": -1525.4, "up": 310.0}), title="t", xlabel="x", source="s", label="{:+,.0f} t"
    )
    assert sorted(_labels(fig)) == ["+310 t", "-1,525 t"]


def test_write_comparison_draws_the_sweep_chart(tmp_path):
    table = pd.DataFrame({"scenario": ["baseline", "no-myanmar"], "balance in 2030 (t)": [-1525.0, -4100.0]})
    written = sweep.write_comparison(table, tmp_path)
    names = sorted(p.name for p in written)
    assert "comparison.csv" in names and any(n.startswith("comparison.") and n.endswith(".png") for n in names)


def test_share_bars_rejects_a_label_without_a_slot():
    with pytest.raises(ValueError, match="label"):
        plots.share_bars(pd.Series({"a": 1.0}), title="t", xlabel="x", source="s", label="percent")
