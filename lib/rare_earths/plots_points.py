"""What a chart draws, as data: every marker and bar of a figure as a row (panel, series, x, value, unit, source).

`plots.save_figure` writes these rows as the figure's CSV (exactly the series it plots) and puts each row's text in
a `<title>` of its point in the SVG, so a reader hovering or tapping a point sees its date, value, unit and source,
offline and with no script library. A plotting function may `tag` an artist with what it stands for; other markers
are read from the artist's own data.
"""

from __future__ import annotations

import re
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

COLUMNS = ["panel", "series", "x", "value", "unit", "source"]


def tag(artist: Any, rows: list[dict[str, Any]]) -> None:
    """Say what each point of an artist stands for (one dict per point: series, x, value; panel and unit optional)."""
    artist._re_points = rows


def _date_axis(ax: plt.Axes) -> bool:
    formatter = ax.xaxis.get_major_formatter()
    return isinstance(formatter, (mdates.AutoDateFormatter, mdates.ConciseDateFormatter, mdates.DateFormatter))


def _as_date(x: Any, dates: bool) -> Any:
    if isinstance(x, pd.Timestamp) or str(getattr(x, "dtype", "")).startswith("datetime"):
        return pd.Timestamp(x)
    if dates and isinstance(x, (int, float)):
        return pd.Timestamp(mdates.num2date(float(x)).replace(tzinfo=None))
    return x


def _x_text(x: Any, monthly: bool) -> str:
    """A point's x as a reader writes it: '6 May 2025', 'Aug 2025' (a series of months), 2024."""
    if isinstance(x, pd.Timestamp):
        return f"{x:%b %Y}" if monthly else f"{x.day} {x:%b %Y}"
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _value_text(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}".rstrip("0").rstrip(".")


def _legend_names(ax: plt.Axes, fig: plt.Figure) -> dict[tuple, str]:
    """Colour -> series name, from the axes' or the figure's legend (seaborn names its lines '_childN')."""
    names: dict[tuple, str] = {}
    for legend in [ax.get_legend(), *fig.legends]:
        if legend is None:
            continue
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            colour = handle.get_color() if hasattr(handle, "get_color") else handle.get_facecolor()
            names.setdefault(_rgb(colour), text.get_text())
    return names


def _rgb(colour: Any) -> tuple:
    from matplotlib.colors import to_rgb

    try:
        return tuple(
            round(c, 3) for c in to_rgb(colour if not hasattr(colour, "__len__") or len(colour) != 1 else colour[0])
        )
    except (ValueError, TypeError):
        return ()


def _heading(ax: plt.Axes) -> str:
    return ax.get_title("left") or ax.get_title("center") or ax.get_title("right")


def _source(fig: plt.Figure) -> str:
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    notes = [t.get_text() for t in fig.texts if t.get_text() and t.get_text() != suptitle]
    return re.sub(r"^Sources?:\s*", "", notes[-1]) if notes else ""


def _line_rows(line: Any, ax: plt.Axes, names: dict[tuple, str]) -> list[dict[str, Any]]:
    label = line.get_label()
    series = label if label and not label.startswith("_") else names.get(_rgb(line.get_color()), _heading(ax))
    dates = _date_axis(ax)
    pairs = [
        (_as_date(x, dates), float(y))
        for x, y in zip(line.get_xdata(orig=True), line.get_ydata(orig=True))
        if not (y is None or pd.isna(y) or pd.isna(x))
    ]
    monthly = all(isinstance(x, pd.Timestamp) and x.day == 1 for x, _ in pairs)
    return [{"series": series, "x": _x_text(x, monthly), "value": y} for x, y in pairs]


def chart_points(fig: plt.Figure) -> list[dict[str, Any]]:
    """Every marker and bar the figure draws, in drawing order; gives each artist a gid the SVG keeps."""
    source, points, k = _source(fig), [], 0
    for ax in fig.axes:
        names, unit, panel = _legend_names(ax, fig), ax.get_ylabel(), _heading(ax)
        artists = [a for a in ax.lines if getattr(a, "_re_points", None) is not None or _has_markers(a)]
        artists += [p for p in ax.patches if getattr(p, "_re_points", None) is not None]
        for artist in artists:
            rows = getattr(artist, "_re_points", None)
            rows = _line_rows(artist, ax, names) if rows is None else rows
            if not rows:
                continue
            k += 1
            artist.set_gid(f"re-points-{k}")
            for row in rows:
                points.append({"gid": f"re-points-{k}", "panel": panel, "unit": unit, "source": source, **row})
    return points


def _has_markers(line: Any) -> bool:
    return line.get_marker() not in (None, "", "None", " ") and len(line.get_xdata(orig=True)) > 0


def point_text(row: dict[str, Any]) -> str:
    """The hover text of one point: what, when, value and unit, source."""
    what = " · ".join(str(p) for p in (row.get("panel"), row.get("series")) if p)
    number = row["value"]
    value = "" if number is None or number != number else f"{_value_text(number)} {row.get('unit') or ''}".strip()
    text = f"{what}, {row['x']}" if what else str(row["x"])
    text += f": {value}" if value else ""
    return text + (f". Source: {row['source']}" if row.get("source") else "")


def titled_svg(svg: str, points: list[dict[str, Any]]) -> str:
    """Give every tagged point of a matplotlib SVG a <title> (markers are <use> elements, bars one <path>)."""
    from xml.sax.saxutils import escape

    by_gid: dict[str, list[str]] = {}
    for row in points:
        by_gid.setdefault(row["gid"], []).append(escape(point_text(row)))

    def group(match: re.Match[str]) -> str:
        indent, gid, body = match.group(1), match.group(2), match.group(3)
        texts = by_gid.get(gid, [])
        elements = re.findall(r"<use [^>]*/>|<path [^>]*/>", body)
        shapes = [e for e in elements if e.startswith("<use")] or elements
        if len(shapes) != len(texts):  # not the shapes we expected: leave the chart as drawn
            return match.group(0)
        for shape, text in zip(shapes, texts):
            body = body.replace(shape, f'<g class="re-pt" tabindex="0">{shape}<title>{text}</title></g>', 1)
        return f'{indent}<g id="{gid}">{body}{indent}</g>'

    return compact(re.sub(r'(\n *)<g id="(re-points-\d+)">(.*?)\1</g>', group, svg, flags=re.S))


def _compact_tag(tag: str) -> str:
    """One SVG tag with coordinates to 0.01 pt, its path data on one line, its style without padding spaces."""
    tag = re.sub(r"(\d\.\d{2})\d+", r"\1", tag)
    tag = re.sub(r'\sd="([^"]*)"', lambda m: ' d="' + " ".join(m.group(1).split()) + '"', tag)
    return re.sub(
        r'\sstyle="([^"]*)"', lambda m: ' style="' + re.sub(r"\s*([:;])\s*", r"\1", m.group(1).strip()) + '"', tag
    )


def compact(svg: str) -> str:
    """A lighter SVG, drawn the same: tags compacted (`_compact_tag`; text and titles untouched), no indentation,
    no group without attributes, no identity rotation, and each style used more than once a class (`shared_styles`)."""
    svg = re.sub(r"<[^>]+>", lambda m: _compact_tag(m.group(0)), svg)
    svg = re.sub(r' transform="rotate\(-?0 [-\d.]+ [-\d.]+\)"', "", svg)  # matplotlib writes rotate(-0 x y) on text
    return shared_styles(_without_bare_groups(re.sub(r"\n[ \t]+", "\n", svg)))


def _without_bare_groups(svg: str) -> str:
    """The SVG without its `<g>` elements that carry no attribute (they group nothing a renderer sees)."""
    out, kept, at = [], [], 0
    for m in re.finditer(r"<g>|<g\s[^>]*>|</g>", svg):
        out.append(svg[at : m.start()])
        at = m.end()
        if m.group(0) == "<g>":
            kept.append(False)
        elif m.group(0) == "</g>":
            if kept.pop() if kept else True:
                out.append("</g>")
        else:
            kept.append(True)
            out.append(m.group(0))
    return "".join(out) + svg[at:]


def shared_styles(svg: str) -> str:
    """Each inline style an SVG uses more than once as a class defined once in its <style> (matplotlib's own CSS
    block, which it already relies on). The class is named by the style's content, so charts inlined in the same
    page share a name only for the same style and never clash; a class selector outranks matplotlib's `*` rule,
    as the inline style did, and the page's stylesheet sets no fill, stroke or font on chart elements."""
    import hashlib
    from collections import Counter

    counts = Counter(re.findall(r' style="([^"]*)"', svg))
    names = {s: "s" + hashlib.sha1(s.encode("utf-8")).hexdigest()[:8] for s, n in counts.items() if n > 1}
    if not names or "</style>" not in svg:
        return svg

    def tag(m: re.Match[str]) -> str:
        text = m.group(0)
        style = re.search(r' style="([^"]*)"', text)
        if not style or style.group(1) not in names:
            return text
        text = text.replace(style.group(0), "", 1)
        name = names[style.group(1)]
        if ' class="' in text:
            return text.replace(' class="', f' class="{name} ', 1)
        return re.sub(r"^<([\w:-]+)", lambda t: f'<{t.group(1)} class="{name}"', text, count=1)

    body = re.sub(r"<[^>!?][^>]*>", tag, svg)
    rules = "".join(f".{name}{{{style}}}" for style, name in sorted(names.items(), key=lambda kv: kv[1]))
    return body.replace("</style>", rules + "</style>", 1)


def points_frame(points: list[dict[str, Any]]) -> pd.DataFrame:
    """The figure's data: one row per point drawn."""
    return pd.DataFrame([{c: row.get(c, "") for c in COLUMNS} for row in points], columns=COLUMNS)
