"""Chart helpers: bar labels of share_bars, and how figures are saved (lossless PNG, compact SVG) and shown."""

import matplotlib

matplotlib.use("Agg")

import re

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


def _chart():
    import matplotlib.pyplot as plt

    plots.apply_theme()
    fig, ax = plt.subplots()
    ax.plot([2024, 2025, 2026], [3.0, 1.5, 2.5], marker="o", label="a")
    ax.set_title("a chart")
    return fig


def test_saved_png_has_the_pixels_matplotlib_draws_in_fewer_bytes(tmp_path):
    import io

    import numpy as np
    from PIL import Image

    fig = _chart()
    drawn = io.BytesIO()
    fig.savefig(drawn, format="png", bbox_inches="tight", metadata={"Software": None})
    png = plots.save_figure(fig, "t_chart", tmp_path)[0]
    with Image.open(drawn) as a, Image.open(png) as b:
        assert np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA")))
        assert b.mode in ("P", "RGB") and b.info.get("dpi") == a.info.get("dpi")
    assert png.stat().st_size < len(drawn.getvalue())


def test_saved_svg_has_no_metadata_block_and_compact_tags(tmp_path):
    svg = plots.save_figure(_chart(), "t_chart", tmp_path)[1].read_text(encoding="utf-8")
    assert "<metadata>" not in svg and "<title>" in svg  # the points keep their hover values
    assert not re.search(r'\sd="[^"]*\n', svg) and "fill: " not in svg and "fill:" in svg


def test_a_build_kernel_links_the_saved_png_a_hand_run_embeds_it(tmp_path, monkeypatch):
    import IPython
    import IPython.display
    from rare_earths import params

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    monkeypatch.delenv(params.BUILD_ENV, raising=False)
    png = plots.save_figure(_chart(), "t_chart", tmp_path)[0]
    monkeypatch.setenv(params.BUILD_ENV, "1")
    plots.save_figure(_chart(), "t_chart", tmp_path)
    (by_hand, hand_kw), (in_build, build_kw) = shown
    assert by_hand.data == png.read_bytes()  # a notebook saved anywhere still shows its figure
    assert in_build["text/html"].startswith('<img src="../figures/t_chart.png" alt="Chart: a chart')
    assert "image/png" not in in_build and build_kw["raw"] is True
    assert (
        hand_kw["metadata"]
        == build_kw["metadata"]
        == {"rare_earths": {"figure": "figures/t_chart.png", "alt": in_build["text/plain"]}}
    )


def _effective_styles(svg: str) -> list[tuple[str, str]]:
    """(tag, style) of every element: its inline style, or the rules of the classes it names in the SVG's <style>."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    css = "".join(e.text or "" for e in root.iter(f"{ns}style"))
    rules = dict(re.findall(r"\.([\w-]+)\{([^}]*)\}", css))
    found = []
    for element in root.iter():
        if element.tag == f"{ns}style":
            continue
        classes = (element.get("class") or "").split()
        style = element.get("style") or ";".join(rules[c] for c in classes if c in rules)
        found.append((element.tag, style))
    return found


def test_a_style_used_more_than_once_becomes_a_class_and_every_element_keeps_its_style():
    import io

    from rare_earths import plots_points

    drawn = io.StringIO()
    _chart().savefig(drawn, format="svg", metadata={"Date": None})
    raw = drawn.getvalue()
    shared = plots_points.shared_styles(raw)
    assert len(shared) < len(raw) and re.search(r'class="s[0-9a-f]{8}"', shared)
    assert _effective_styles(shared) == _effective_styles(raw)
    again = plots_points.shared_styles(raw.replace("a chart", "another chart"))  # same style, same name: no clash
    assert set(re.findall(r"\.(s[0-9a-f]{8})\{", again)) == set(re.findall(r"\.(s[0-9a-f]{8})\{", shared))


def test_a_dated_marks_label_does_not_overlap_the_article_label():
    """01's charts: "April 2025 controls (…)" ran into "article published" five months to its right."""
    plots.apply_theme()  # as every notebook does (the chart size and fonts)
    months = pd.period_range("2024-04", "2026-02", freq="M").to_timestamp()
    tidy = pd.DataFrame({"month": months, "series": "rare earths", "value": [5000.0] * len(months)})
    fig = plots.monthly_lines(
        tidy, "t", "tonnes", "Source: test", marks={"2025-04": "April 2025 controls (date as given by the article)"}
    )
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    mark, article = boxes["April 2025 controls (date as given by the article)"], boxes[plots.ARTICLE_LABEL]
    assert not mark.overlaps(article), (mark, article)
    assert ax.get_window_extent(renderer).contains(mark.x0, mark.y0)  # inside the axes
    matplotlib.pyplot.close(fig)
