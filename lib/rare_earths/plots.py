"""The collection's one chart theme, and figure saving (PNG + SVG, reproducible bytes)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from . import outputs, paths

PALETTE = ["#b2182b", "#2166ac", "#4d4d4d", "#ef8a62", "#67a9cf", "#999999"]
FIGSIZE = (9.0, 4.2)
DPI = 110
SOURCE_NOTE_SIZE = 7.5


def apply_theme() -> None:
    """Set the shared seaborn/matplotlib theme for every chart of the collection."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": DPI,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "rare-earths",  # stable SVG ids between runs
            "svg.fonttype": "none",
        }
    )


def source_note(fig: plt.Figure, text: str) -> None:
    """Print a source line under a figure (every chart says where its numbers come from)."""
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=SOURCE_NOTE_SIZE, color="#555555", wrap=True)


def save_figure(fig: plt.Figure, name: str, output_root: Path) -> list[Path]:
    """Save a figure as outputs/figures/<name>.png and .svg, without run-dependent metadata."""
    targets = []
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        target = paths.figures_dir(output_root) / f"{name}.{ext}"
        with outputs.atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, bbox_inches="tight", metadata=meta)
        targets.append(target)
    return targets


def with_gap_segments(tidy: pd.DataFrame) -> pd.DataFrame:
    """Number each run of consecutive months per series, so lines break at unreported months."""
    tidy = tidy.sort_values(["series", "month"]).copy()
    step = tidy.groupby("series")["month"].diff() > pd.Timedelta(days=31)
    tidy["segment"] = step.astype(int).groupby(tidy["series"]).cumsum()
    return tidy


def monthly_lines(tidy: pd.DataFrame, title: str, ylabel: str, source: str, marks: dict[str, str] | None = None) -> plt.Figure:
    """Line chart of monthly series (columns month, series, value); gaps stay gaps, never joined."""
    fig, ax = plt.subplots()
    data = with_gap_segments(tidy)
    sns.lineplot(data=data, x="month", y="value", hue="series", units="segment", estimator=None, marker="o", ax=ax)
    for month, label in (marks or {}).items():
        x = pd.Period(month, "M").to_timestamp()
        ax.axvline(x, linestyle="--", color="#777777", linewidth=1)
        ax.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -12), textcoords="offset points", fontsize=8, color="#555555")
    ax.set(title=title, xlabel="", ylabel=ylabel)
    ax.legend(title=None, loc="upper left", fontsize=8)
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def matplotlib_thousands() -> "plt.FuncFormatter":
    """Axis formatter with thousands separators."""
    return plt.FuncFormatter(lambda v, _: f"{v:,.0f}")
