"""Claim cards: the one place that maps a row of the claims ledger to what a reader sees of a claim.

A card (Full Fact's and PolitiFact's claim pages) holds the quote, a verdict badge (a word of `rare_earths.scale`,
a symbol and a colour: readable without the colour), the one-line reason, the sources as links, and a "how we
checked" disclosure with the reading, the values, the data date, the other readings tried and the article's own
arithmetic. Reports and the index render the same cards; each card's id is its claim id (`#C03-04`).

The columns are those of the ledger (`rare_earths.claims`): `verdict` a word of the scale, `reason`, `main_reading`,
`data_date`, `basis` (what was computed, from which data) and `sources` (the source ids the verdict rests on).
"""

from __future__ import annotations

import html
import re
from typing import Any

from .. import labels, scale

NEGATIVE = (scale.WRONG, scale.MISLEADING, scale.DID_NOT_COME_TRUE)


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None or value != value or str(value) in ("nan", "None", "<NA>") else str(value).strip()


def verdict(row: dict[str, Any]) -> str:
    """The row's verdict as a word of the scale."""
    word = _text(row, "verdict")
    if word not in scale.ALL:
        raise ValueError(f"claim {row.get('claim_id')}: verdict {word!r} is not a word of the scale {scale.ALL}")
    return word


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def reason(row: dict[str, Any]) -> str:
    """The one plain sentence saying why (the ledger's `reason`); a row without one is refused."""
    text = _text(row, "reason")
    if not text:
        raise ValueError(f"claim {row.get('claim_id')}: the ledger row has no reason")
    return text


def _detail(row: dict[str, Any]) -> str:
    """What was computed, from which data (the ledger's `basis`), without the checker's internals."""
    return re.sub(r"\s*\((difference [^)]*|tolerance [^)]*)\)", "", _text(row, "basis"))


def source_ids(row: dict[str, Any], known: dict[str, dict[str, str]]) -> list[str]:
    """The sources a row rests on: its `sources` column, then ids of data/sources.csv its text names, in order."""
    listed = [sid.strip() for sid in _text(row, "sources").split(";") if sid.strip() in known]
    text = " ".join(_text(row, k) for k in ("reason", "basis", "readings", "main_reading", "article_arithmetic"))
    named = [m.group(0) for m in labels.source_ids_in(text, known)]
    return list(dict.fromkeys([*listed, *named]))


def _source_text(publisher: str, title: str) -> str:
    """'Publisher: title', the publisher once when the title starts with it."""
    return title if publisher and title.startswith(publisher) else f"{publisher}: {title}"


def _source_link(href: str, publisher: str, title: str) -> str:
    """A card's link to a source entry (escaped); a description standing in for an unread title is in italics."""
    e = html.escape
    unread = labels.unread_title(title)
    text = f"{e(publisher)}: <i>{e(unread)}</i> (title not read)" if unread else e(_source_text(publisher, title))
    return f'<a href="{e(href)}">{text}</a>'


def card(
    row: dict[str, Any], known: dict[str, dict[str, str]], sources_page: str, report: str | None, here: bool
) -> dict[str, Any]:
    """The fields of a card, all plain text (escaped when rendered); `report` is the link to the checking report."""
    word = verdict(row)
    unit = _text(row, "unit")
    ids = source_ids(row, known)
    return {
        "id": _text(row, "claim_id"),
        "section": _text(row, "section").zfill(2),
        "notebook": _text(row, "notebook"),
        "quote": _text(row, "quote"),
        "verdict": word,
        "slug": scale.slug(word),
        "meaning": scale.MEANING.get(word, ""),
        "reason": reason(row),
        "sources": [
            {
                "href": f"{sources_page}#{sid}",
                "text": _source_text(known[sid].get("publisher", ""), known[sid].get("title", "")),
                "publisher": known[sid].get("publisher", ""),
                "title": known[sid].get("title", ""),
            }
            for sid in ids
        ],
        "report": None if here else report,
        "references": "#references" if here else (f"{report}#references" if report else None),
        "checked": [
            (label, value)
            for label, value in (
                ("How we read it", _text(row, "main_reading")),
                ("The article says", labels.claim_value(_float(_text(row, "claimed_value")), unit)),
                ("The data give", labels.claim_value(_float(_text(row, "computed_value")), unit)),
                ("Data as of", _text(row, "data_date")),
                ("What we found", _detail(row)),
                ("Other readings tried", _text(row, "readings")),
                ("Does it hold on every reading?", _text(row, "robustness")),
                ("The article's own arithmetic", _text(row, "article_arithmetic")),
            )
            if value and value != "—"
        ],
    }


def render(fields: dict[str, Any]) -> str:
    """One card as HTML (every field escaped)."""
    e = html.escape
    sources = (
        "Sources: " + "; ".join(_source_link(s["href"], s["publisher"], s["title"]) for s in fields["sources"])
        if fields["sources"]
        else f'Sources: <a href="{e(fields["references"])}">the references of section {e(fields["section"])}</a>'
        if fields.get("references")
        else "Sources: the references of its section"
    )
    checked = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in fields["checked"])
    where = (
        f'<span class="re-card-where"><a href="{e(fields["report"])}#{e(fields["id"])}">checked in section {e(fields["section"])}</a></span>'
        if fields["report"]
        else ""
    )
    return (
        f'<li class="re-card" id="{e(fields["id"])}" data-claim="{e(fields["id"])}" data-verdict="{e(fields["slug"])}" '
        f'data-section="{e(fields["section"])}">'
        f'<div class="re-card-head"><a class="re-card-id" href="#{e(fields["id"])}">{e(fields["id"])}</a>'
        f'<span class="re-badge {e(fields["slug"])}" title="{e(fields["meaning"])}">{e(fields["verdict"])}</span>{where}</div>'
        f'<blockquote class="re-card-quote">“{e(fields["quote"])}”</blockquote>'
        f'<p class="re-card-reason">{e(fields["reason"])}</p>'
        f'<p class="re-card-meta">{sources}</p>'
        f"<details><summary>How we checked</summary><dl>{checked}</dl></details></li>"
    )


def render_all(
    rows: list[dict[str, Any]],
    known: dict[str, dict[str, str]],
    sources_page: str,
    reports: dict[str, str],
    here: bool = False,
) -> str:
    """Cards for ledger rows, as a list; `reports` maps a notebook to its report's link."""
    items = "".join(render(card(r, known, sources_page, reports.get(_text(r, "notebook")), here)) for r in rows)
    return f'<ol class="re-cards">{items}</ol>'


def filter_box(items: str, sections: list[str]) -> str:
    """The ledger's filter: words, section and verdict (works offline, site.js)."""
    verdicts = "".join(f'<option value="{scale.slug(v)}">{html.escape(v)}</option>' for v in scale.ALL)
    options = "".join(f'<option value="{html.escape(s)}">section {html.escape(s)}</option>' for s in sections)
    return (
        f'<form class="re-filter" role="search" data-items="{html.escape(items)}">'
        '<label>Find a claim <input type="search" name="q" placeholder="words, e.g. dysprosium, 51%"></label>'
        f'<label>Section <select name="section"><option value="">all</option>{options}</select></label>'
        f'<label>Verdict <select name="verdict"><option value="">all</option>{verdicts}</select></label>'
        '<output aria-live="polite"></output></form>'
    )


def is_negative(row: dict[str, Any]) -> bool:
    """Did the article get this one wrong (wrong, misleading, did not come true)?"""
    return verdict(row) in NEGATIVE
