"""Source ids a reader sees become links to their entries on the sources page (issue 18: "every source id shown
to a reader is a link to its entry"): in claim cards' "How we checked", table cells and prose. (A table's source
columns are numbered citations of the report's references already: `tables.show`.)

Ids inside a link, a chart (an SVG's tooltips cannot hold links), code, a form or the page's head stay text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from ..labels import source_ids_pattern
from .html_text import parts

SKIP = {"a", "svg", "script", "style", "title", "head", "code", "pre", "select", "option", "textarea", "button"}


def link(page: str, ids: Iterable[str], sources_page: str) -> str:
    """`page` with each source id in its text linked to `sources_page#id` (ids are letters, digits and hyphens:
    escaping leaves them as they are). No tooltip: the entry is one tap away, and the site's weight is budgeted."""
    known = tuple(sorted(ids))
    if not known:
        return page
    pattern = source_ids_pattern(known)
    href = html.escape(sources_page)
    anchor = rf'<a class="re-src-id" href="{href}#\1">\1</a>'
    out = []
    for part, is_text, depth in parts(page, SKIP):
        out.append(pattern.sub(anchor, part) if is_text and not any(depth.values()) else part)
    return "".join(out)
