"""The collection's one chart theme, and figure saving (PNG + SVG, reproducible bytes, the data of every point).

Why one file: every chart of the collection is drawn here, so they share one theme, one set of text sizes (no text
below 11 CSS px at the size a report shows a chart), one set of conventions (the source line under the chart, legends
below the data, the "article published" marker on time axes) and one way of saving; `chart_points` (in `plots_points`)
turns what a figure draws into its data table and hover values.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from . import labels, outputs, params, paths
from .forecasts import ARTICLE_DATE
from .plots_points import tag

PALETTE = ["#b2182b", "#2166ac", "#4d4d4d", "#ef8a62", "#67a9cf", "#999999"]
SUPPLY_COLOURS = ["#1b7837", "#5aae61", "#a6dba0", "#762a83"]
FIGSIZE = (9.0, 4.2)
DPI = 110
SOURCE_NOTE_SIZE = 8.5
SMALL_TEXT = 9  # points: the smallest text of a chart (12 CSS px at the size reports show it)
ARTICLE_LABEL = "article published"
EXECUTED_FIGURE_LINK = "../{figure}"  # a figure (figures/NAME.png) seen from the build's executed/NAME.ipynb
DISTINCT = [
    "#b2182b",
    "#2166ac",
    "#1b7837",
    "#e08214",
    "#762a83",
    "#4d4d4d",
    "#35978f",
    "#8c510a",
]  # lines that must be told apart
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


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
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
            "legend.fontsize": SMALL_TEXT,
        }
    )


def source_note(fig: plt.Figure, text: str) -> None:
    """Print a source line under a figure (every chart says where its numbers come from)."""
    fig.text(0.01, 0.005, text, ha="left", va="bottom", fontsize=SOURCE_NOTE_SIZE, color="#555555", wrap=True)


def save_figure(fig: plt.Figure, name: str, output_root: Path) -> list[Path]:
    """Save a figure as outputs/figures/<name>.png and .svg, without run-dependent metadata.

    In a notebook the saved PNG is also what the notebook shows: the figure is displayed from those
    bytes and closed, so it is not drawn a third time by the inline backend (about 0.3 s per chart).
    """
    from . import plots_points

    points = plots_points.chart_points(fig)
    targets = []
    svg_meta = {"Date": None, "Creator": None, "Format": None, "Type": None}  # no <metadata> block at all
    for ext, meta in (("png", {"Software": None}), ("svg", svg_meta)):
        target = paths.figures_dir(output_root) / f"{name}.{ext}"
        with outputs.atomic_path(target) as tmp:
            fig.savefig(tmp, format=ext, bbox_inches="tight", metadata=meta)
            if ext == "png":
                outputs.lossless_png(tmp)  # smaller PNG, the same pixels
            if ext == "svg":  # every point carries its values as a <title>: hover or tap shows them, offline
                tmp.write_text(plots_points.titled_svg(tmp.read_text(encoding="utf-8"), points), encoding="utf-8")
        targets.append(target)
    data = paths.figures_dir(output_root) / f"{name}.csv"  # exactly the series the chart plots
    outputs.save_csv(plots_points.points_frame(points), data)
    targets.append(data)
    _show_instead_of_redrawing(fig, targets[0], {"figure": f"figures/{name}.png", "alt": alt_text(fig)})
    return targets


def alt_text(fig: plt.Figure) -> str:
    """A figure's description for screen readers: its title, panel titles, axis labels and source line."""
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""

    def heading(ax: plt.Axes) -> str:  # the theme puts titles on the left; any location counts
        return ax.get_title("left") or ax.get_title("center") or ax.get_title("right")

    axes = [ax for ax in fig.axes if heading(ax) or ax.get_ylabel() or ax.get_xlabel()]
    title = suptitle or (heading(axes[0]) if axes else "")
    panels = [heading(ax) for ax in axes if heading(ax) and heading(ax) != title]
    axis = next((f"{ax.get_xlabel() or ax.get_ylabel()}" for ax in axes if ax.get_xlabel() or ax.get_ylabel()), "")
    notes = [t.get_text() for t in fig.texts if t.get_text() != suptitle]
    parts = [f"Chart: {title}" if title else "Chart"]
    if panels:
        parts.append("panels: " + ", ".join(panels))
    if axis:
        parts.append(f"axis: {axis}")
    return ". ".join(parts + notes)


def _show_instead_of_redrawing(fig: plt.Figure, png: Path, about: dict[str, str]) -> None:
    """In an IPython kernel, display the saved PNG (with its file and alt text as output metadata) and close the figure.

    A run by the build links the PNG instead of embedding it: the build writes the executed notebook to executed/,
    beside figures/, so `../figures/NAME.png` is the same file, which JupyterLab resolves relative to the notebook
    (its HTML renderer resolves every local `src`) and the figures/ folder already holds; embedding it as base64
    added a third of a copy more to each executed notebook (1.4 MB over the collection). A run by hand (JupyterLab,
    papermill, nbconvert) embeds the PNG as before: its notebook may be saved anywhere.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from IPython.display import Image, display

    if os.environ.get(params.BUILD_ENV):
        link = html.escape(EXECUTED_FIGURE_LINK.format(figure=about["figure"]))
        bundle = {"text/html": f'<img src="{link}" alt="{html.escape(about["alt"])}">', "text/plain": about["alt"]}
        display(bundle, raw=True, metadata={"rare_earths": about})
    else:
        display(Image(data=png.read_bytes(), format="png"), metadata={"rare_earths": about})
    plt.close(fig)


def with_gap_segments(tidy: pd.DataFrame) -> pd.DataFrame:
    """Number each run of consecutive months per series, so lines break at unreported months."""
    tidy = tidy.sort_values(["series", "month"]).copy()
    step = tidy.groupby("series")["month"].diff() > pd.Timedelta(days=31)
    tidy["segment"] = step.astype(int).groupby(tidy["series"]).cumsum()
    return tidy


def monthly_lines(
    tidy: pd.DataFrame, title: str, ylabel: str, source: str, marks: dict[str, str] | None = None
) -> plt.Figure:
    """Line chart of monthly series (columns month, series, value); gaps stay gaps, never joined."""
    fig, ax = plt.subplots()
    data = with_gap_segments(tidy)
    sns.lineplot(data=data, x="month", y="value", hue="series", units="segment", estimator=None, marker="o", ax=ax)
    for month, label in (marks or {}).items():
        x = pd.Period(month, "M").to_timestamp()
        ax.axvline(x, linestyle="--", color="#777777", linewidth=1)
        ax.annotate(  # to the left of its line: the "article published" label is to the right of its own
            label,
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-3, -12),
            textcoords="offset points",
            ha="right",
            fontsize=SMALL_TEXT,
            color="#555555",
        )
    mark_article(ax)
    ax.set(title=title, xlabel="", ylabel=ylabel)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)  # volumes from zero (no axis break); headroom for the marks' labels
    legend_below(ax)
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def legend_below(ax: plt.Axes, ncol: int = 3) -> None:
    """The legend under the plot area, never over the data."""
    handles, names = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            names,
            title=None,
            loc="upper left",
            bbox_to_anchor=(0, -0.12),
            ncol=min(ncol, len(handles)),
            fontsize=SMALL_TEXT,
            frameon=False,
        )


def matplotlib_thousands() -> plt.FuncFormatter:
    """Axis formatter with thousands separators."""
    return plt.FuncFormatter(lambda v, _: f"{v:,.0f}")


def mark_article(ax: plt.Axes, yearly: bool = False, label: bool = True) -> None:
    """A dotted vertical line at the article's date (10 September 2025), labelled "article published".

    `yearly=True` for axes in (fractional) years rather than dates; `label=False` for the lower panels of a figure.
    """
    x = decimal_year(ARTICLE_DATE) if yearly else ARTICLE_DATE
    ax.axvline(x, linestyle=":", color="#333333", linewidth=1.2, zorder=1)
    if label:
        ax.annotate(
            ARTICLE_LABEL,
            (x, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -10),
            textcoords="offset points",
            fontsize=SMALL_TEXT,
            color="#333333",
        )


def decimal_year(date: pd.Timestamp) -> float:
    """A date as a fractional year (2025-04-04 -> 2025.26), for event marks on a yearly axis."""
    return date.year + (date.dayofyear - 1) / (366 if date.is_leap_year else 365)


def quota_timeline(
    table: pd.DataFrame, events: pd.DataFrame, labels: dict[str, str], title: str, source: str
) -> plt.Figure:
    """Annual quotas as grouped bars (top) over a strip of dated policy events, one lane per kind (bottom)."""
    fig, (ax, strip) = plt.subplots(2, 1, figsize=(10, 6.2), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
    columns = [c for c in table.columns if table[c].notna().any()]
    width = 0.8 / max(len(columns), 1)
    for i, col in enumerate(columns):
        bars = ax.bar(
            table.index + 0.5 + (i - (len(columns) - 1) / 2) * width,
            table[col],
            width=width,
            label=labels.get(col, col),
            color=PALETTE[i],
        )
        for patch, year, value in zip(bars.patches, table.index, table[col]):
            tag(patch, [] if pd.isna(value) else [{"series": labels.get(col, col), "x": str(year), "value": value}])
    ax.set(title=title, xlabel="", ylabel="tonnes (REO)")
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=SMALL_TEXT, frameon=False)
    lanes = list(dict.fromkeys(events.sort_values("date")["what"]))
    for _, ev in events.iterrows():  # one dot per dated measure; the lane says what it was (codes would need a key)
        x, y = decimal_year(ev["date"]), lanes.index(ev["what"])
        (dot,) = strip.plot([x], [y], marker="o", color=PALETTE[2], markersize=5, alpha=0.8)
        when = f"{ev['date'].day} {ev['date']:%b %Y}"
        tag(dot, [{"panel": "Dated measures", "series": ev["what"], "x": when, "value": float("nan"), "unit": ""}])
    strip.set_yticks(range(len(lanes)), lanes, fontsize=SMALL_TEXT)
    strip.set_title(
        "Dated measures (one dot each; hover or tap a dot for its date and measure)",
        fontsize=SMALL_TEXT,
        fontweight="normal",
    )
    strip.set_ylim(-0.7, len(lanes) - 0.3)
    strip.invert_yaxis()
    strip.grid(axis="y", visible=False)
    strip.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    mark_article(ax, yearly=True)
    mark_article(strip, yearly=True, label=False)
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def price_panels(
    usd: pd.DataFrame, elements: list[str], markets: dict[str, str], title: str, source: str
) -> plt.Figure:
    """One panel per element: quotes in USD/kg by date and market, ranges drawn as vertical bars.

    Filled markers are oxide quotes; hollow markers are quotes whose product the report does not state.
    """
    fig, axes = plt.subplots(1, len(elements), figsize=(10, 4.4), squeeze=False, sharex=True)  # one date range
    for ax, element in zip(axes[0], elements):
        for i, (market, label) in enumerate(markets.items()):
            rows = usd[
                (usd["element"] == element) & (usd["market"] == market) & usd["product"].isin(["oxide", "unspecified"])
            ]
            for product, fill in (("oxide", PALETTE[i]), ("unspecified", "white")):
                part = rows[rows["product"] == product].sort_values("date")
                if part.empty:
                    continue
                ax.vlines(part["date"], part["low_usd_kg"], part["high_usd_kg"], color=PALETTE[i], linewidth=1.2)
                ax.plot(
                    part["date"],
                    part["mid_usd_kg"],
                    "o",
                    color=PALETTE[i],
                    markerfacecolor=fill,
                    label=label + ("" if product == "oxide" else " (product not stated)"),
                )
        mark_article(ax, label=ax is axes[0][0])
        ax.set(title=element, xlabel="", ylabel="USD/kg")
        ax.yaxis.set_major_formatter(matplotlib_thousands())
        ax.tick_params(axis="x", labelrotation=30, labelsize=SMALL_TEXT)
    seen: dict[str, Any] = {}
    for ax in axes[0]:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(name, handle)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
    fig.legend(
        list(seen.values()),
        list(seen),
        loc="upper left",
        bbox_to_anchor=(0.01, 0.93),
        ncol=min(4, len(seen)),
        fontsize=SMALL_TEXT,
        frameon=False,
    )
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 0.89))  # the legend sits between the title and the panels, over no data
    return fig


def annual_lines(table: pd.DataFrame, title: str, ylabel: str, source: str, log: bool = False) -> plt.Figure:
    """Annual series, one line per column (index = year)."""
    fig, ax = plt.subplots()
    for i, col in enumerate(table.columns):
        ax.plot(table.index, table[col], marker=MARKERS[i % len(MARKERS)], color=DISTINCT[i % len(DISTINCT)], label=col)
    ax.set(title=title, xlabel="", ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    mark_article(ax, yearly=True)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    ax.legend(fontsize=SMALL_TEXT, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def share_bars(
    shares: pd.Series, title: str, xlabel: str, source: str, highlight: str = "China", label: str = "{}%"
) -> plt.Figure:
    """Horizontal bars (largest on top), one highlighted, each labelled with `label`.

    `label` is a format string with one slot: a plain ``{}`` gets the number as `small_number` writes it (enough
    decimals to show a small share: 0.04%, never 0.0%); a slot with a format spec (``{:+,.0f} t``) formats the
    number itself.
    """
    if "{" not in label:
        raise ValueError(f"share_bars: label {label!r} has no {{}} slot for the number")
    plain = "{}" in label
    data = shares.sort_values()
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(data) + 1.4))
    colors = [PALETTE[0] if name == highlight else PALETTE[5] for name in data.index]
    bars = ax.barh(data.index, data.to_numpy(), color=colors)
    for patch, name, v in zip(bars.patches, data.index, data.to_numpy()):
        tag(patch, [{"series": str(name), "x": str(name), "value": float(v), "unit": xlabel}])
    ax.xaxis.set_major_locator(plt.MaxNLocator(nbins=5))  # ticks that never collide
    ax.set_xlim(0, float(data.max()) * 1.15 if len(data) and data.max() > 0 else None)  # room for the labels
    for y, v in enumerate(data.to_numpy()):
        ax.annotate(
            label.format(small_number(v) if plain else v),
            (v, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=SMALL_TEXT,
        )
    ax.set(title=title, xlabel=xlabel, ylabel="")
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def small_number(value: float) -> str:
    """One decimal, or two significant digits below 1 (0.04, not 0.0)."""
    import numpy as np

    if value == 0 or abs(value) >= 0.95:
        return f"{value:,.1f}"
    return np.format_float_positional(value, precision=2, unique=True, fractional=False, trim="-")


def stage_dots(stages: pd.DataFrame, order: list[str], labels: dict[str, str], title: str, source: str) -> plt.Figure:
    """Every stated share per stage as a dot (hollow = read second-hand), with the stage's range as a line."""
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for y, stage in enumerate(order):
        rows = stages[stages["stage"] == stage]
        if rows.empty:
            continue
        ax.hlines(y, rows["value"].min(), rows["value"].max(), color="#bbbbbb", linewidth=4)
        for _, r in rows.iterrows():
            (dot,) = ax.plot(
                r["value"],
                y,
                "o",
                color=PALETTE[0],
                markerfacecolor=PALETTE[0] if r["verification"] == "publisher_page" else "white",
                alpha=0.8,
            )
            tag(
                dot,
                [
                    {
                        "series": labels.get(stage, stage),
                        "x": str(r.get("source_id", "")),
                        "value": r["value"],
                        "unit": "%",
                    }
                ],
            )
    ax.set_yticks(range(len(order)), [labels.get(s, s) for s in order])
    ax.set(title=title, xlabel="China's share, % (as stated)", xlim=(40, 102))
    ax.invert_yaxis()
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def balance_bars(table: pd.DataFrame, title: str, source: str) -> plt.Figure:
    """Two stacked bars, demand by end use and supply by source (t), with the balance written above."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for x, side in enumerate(("demand", "supply")):
        rows = table[table["side"] == side]
        bottom = 0.0
        for i, (_, r) in enumerate(rows.iterrows()):
            bar = ax.bar(
                x,
                r["t"],
                bottom=bottom,
                color=(PALETTE if side == "demand" else SUPPLY_COLOURS)[i % 4],
                edgecolor="white",
            )
            tag(
                bar.patches[0],
                [{"series": str(r["component"]), "x": side, "value": r["t"], "unit": "t NdPr oxide per year"}],
            )
            ax.annotate(
                f"{r['component']}\n{r['t']:,.0f} t", (x + 0.42, bottom + r["t"] / 2), fontsize=SMALL_TEXT, va="center"
            )
            bottom += r["t"]
    net = float(table.loc[table["component"] == "balance (supply - demand)", "t"].iloc[0])
    ax.set_xticks([0, 1], ["demand", "supply"])
    ax.set_xlim(-0.6, 2.3)
    ax.set(title=title + f": balance {net:+,.0f} t", ylabel="t NdPr oxide per year")
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def tornado(sens: pd.DataFrame, title: str, source: str) -> plt.Figure:
    """Balance when each input moves down/up (bars from the base balance), largest swing on top."""
    data = sens.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(data) + 1.6))
    base = float(data["base_balance"].iloc[0])
    unit = "t NdPr oxide (supply - demand)"
    for y, (_, r) in enumerate(data.iterrows()):
        name = labels.label(r["input"])
        for key, colour, how in (
            ("balance_low_input", PALETTE[1], "lower"),
            ("balance_high_input", PALETTE[0], "higher"),
        ):
            bar = ax.barh(y, r[key] - base, left=base, color=colour)
            tag(bar.patches[0], [{"series": name, "x": f"input {how}", "value": r[key], "unit": unit}])
        if r["balance_low_input"] == base and r["balance_high_input"] == base:  # say why a row has no bar
            ax.annotate(
                "no effect on the balance",
                (base, y),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=SMALL_TEXT,
                color="#555555",
            )
    ax.axvline(base, color="#333333", linewidth=1)
    ax.set_yticks(range(len(data)), [labels.label(i) for i in data["input"]], fontsize=SMALL_TEXT)
    ax.set(title=title, xlabel="supply - demand, t NdPr oxide (blue: input lower, red: input higher)")
    ax.xaxis.set_major_formatter(matplotlib_thousands())
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def target_chart(
    obs: pd.DataFrame,
    target: float | None,
    window_end: pd.Timestamp | None,
    title: str,
    ylabel: str,
    source: str,
    context: pd.DataFrame | None = None,
    context_label: str = "",
) -> plt.Figure:
    """A forecast's series (range midpoints, ranges as bars) with its target as a dashed line and its window shaded.

    `context` is a related series drawn in grey for orientation only (another product); no observation is drawn
    where the data have none, and an empty series says so on the chart.
    """
    fig, ax = plt.subplots()
    end = window_end if window_end is not None else ARTICLE_DATE + pd.DateOffset(months=12)
    ax.axvspan(
        ARTICLE_DATE, end, color="#f2f2f2", zorder=0, label="forecast window" if window_end is not None else None
    )
    if context is not None and not context.empty:
        ax.plot(context["date"], context["value"], "o-", color=PALETTE[5], markersize=4, label=context_label)
    if not obs.empty:
        ax.vlines(obs["date"], obs["low"], obs["high"], color=PALETTE[1], linewidth=1.2)
        ax.plot(obs["date"], obs["value"], "o-", color=PALETTE[1], label="the forecast's series")
    else:
        ax.annotate("no quote of this series in the data", (0.5, 0.5), xycoords="axes fraction", ha="center")
    if target is not None:
        ax.axhline(target, linestyle="--", color=PALETTE[0], linewidth=1.2, label=f"target {target:,.0f}")
    mark_article(ax)
    ax.set(title=title, xlabel="", ylabel=ylabel)
    ax.yaxis.set_major_formatter(matplotlib_thousands())
    ax.tick_params(axis="x", labelrotation=30, labelsize=SMALL_TEXT)
    legend_below(ax, ncol=4)
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def event_strip(events: pd.DataFrame, title: str, source: str) -> plt.Figure:
    """Dated policy events (columns date, what, instrument) as dots on a date axis, one lane per kind of measure."""
    lanes = list(dict.fromkeys(events.sort_values("date")["what"]))
    fig, ax = plt.subplots(figsize=(9.0, 0.45 * len(lanes) + 1.8))
    for _, ev in events.iterrows():
        ax.plot([ev["date"]], [lanes.index(ev["what"])], marker="o", color=PALETTE[2], markersize=6, alpha=0.8)
    ax.set_yticks(range(len(lanes)), lanes, fontsize=SMALL_TEXT)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    mark_article(ax)
    ax.set(title=title, xlabel="")
    ax.tick_params(axis="x", labelrotation=30, labelsize=SMALL_TEXT)
    source_note(fig, source)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig
