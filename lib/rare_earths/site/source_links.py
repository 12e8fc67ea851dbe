"""Source ids a reader sees become links to their entries on the sources page (issue 18: "every source id shown
to a reader is a link to its entry"): in claim cards' "How we checked", table cells and prose. (A table's source
columns are numbered citations of the report's references already: `tables.show`.)

Ids inside a link, a chart (an SVG's tooltips cannot hold links), code, a form or the page's head stay text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection

from ..labels import SOURCE_ID_TOKEN
from .html_text import parts

SKIP = {"a", "svg", "script", "style", "title", "head", "code", "pre", "select", "option", "textarea", "button"}


def link(page: str, ids: Collection[str], sources_page: str) -> str:
    """`page` with each of the source `ids` (a set or dict) in its text linked to `sources_page#id` (ids are
    letters, digits and hyphens: escaping leaves them as they are). No tooltip: the entry is one tap away, and the
    site's weight is budgeted."""
    if not ids:
        return page
    href = html.escape(sources_page)

    def anchor(m: re.Match[str]) -> str:
        sid = m.group(0)
        return f'<a class="re-src-id" href="{href}#{sid}">{sid}</a>' if sid in ids else sid

    out = []
    for part, is_text, depth in parts(page, SKIP):
        out.append(SOURCE_ID_TOKEN.sub(anchor, part) if is_text and not any(depth.values()) else part)
    return "".join(out)
