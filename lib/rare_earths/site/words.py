"""Words a reader knows: abbreviations spelled out on first use in a page's text (never inside charts or code)."""

from __future__ import annotations

import html
import re

from .html_text import parts

ABBREVIATIONS = {
    "REO": "rare-earth oxide",
    "HHI": "Herfindahl–Hirschman index of concentration",
    "NdPr": "neodymium-praseodymium",
    "Dy": "dysprosium",
    "Tb": "terbium",
    "CIF": "cost, insurance and freight: the price at the buyer's port",
    "FOB": "free on board: the price at the seller's port",
    "GACC": "General Administration of Customs of China",
    "MOFCOM": "China's Ministry of Commerce",
    "MIIT": "China's Ministry of Industry and Information Technology",
    "USGS": "US Geological Survey",
    "MCS": "Mineral Commodity Summaries",
    "NdFeB": "neodymium-iron-boron, the magnet alloy",
    "SmCo": "samarium-cobalt magnets",
    "REE": "rare-earth element",
    "DoD": "US Department of Defense",
}
SKIP = {  # never inside these: a chart, code, navigation, a form, or a quote (a quote is given as written)
    "q",
    "blockquote",
    "svg",
    "script",
    "style",
    "title",
    "head",
    "code",
    "pre",
    "nav",
    "abbr",
    "select",
    "option",
    "textarea",
    "button",
}


def spell_out(page: str) -> str:
    """Expand the first use of each abbreviation in the text of `page`: 'REO (rare-earth oxide)'."""
    pending = dict(ABBREVIATIONS)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ABBREVIATIONS)) + r")(?![\w-])")

    def expand(m: re.Match[str]) -> str:
        word = m.group(1)
        if word not in pending:
            return word
        meaning = html.escape(pending.pop(word))
        within = m.string[m.start() - 1 : m.start()] == "(" and m.string[m.end() : m.end() + 1] == ")"
        return f'<abbr title="{meaning}">{word}</abbr>' + (f", {meaning}" if within else f" ({meaning})")

    out = []
    for part, is_text, depth in parts(page, SKIP | {"details", "summary"}):
        hidden = depth["details"] > depth["summary"]  # a closed disclosure: not the first use a reader sees
        if is_text and pending and not hidden and not any(depth[k] for k in SKIP):
            part = pattern.sub(expand, part)
        out.append(part)
    return "".join(out)
