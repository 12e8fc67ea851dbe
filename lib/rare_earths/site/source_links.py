"""Source ids a reader sees become links to their entries on the sources page (issue 18: "every source id shown
to a reader is a link to its entry"): in claim cards' "How we checked", table cells and prose. (A table's source
columns are numbered citations of the report's references already: `tables.show`.)

Ids inside a link, a chart (an SVG's tooltips cannot hold links), code, a form or the page's head stay text.
"""

from __future__ import annotations

import html
import re

from ..labels import source_ids_pattern
from .html_text import parts

SKIP = {"a", "svg", "script", "style", "title", "head", "code", "pre", "select", "option", "textarea", "button"}


def link(page: str, known: dict[str, dict[str, str]], sources_page: str) -> str:
    """`page` with each source id in its text linked to `sources_page#id`, its publisher and title as the link's
    tooltip (ids are letters, digits and hyphens: escaping leaves them as they are)."""
    if not known:
        return page
    pattern = source_ids_pattern(tuple(sorted(known)))
    href = html.escape(sources_page)

    def anchor(m: re.Match[str]) -> str:
        sid = m.group(1)
        about = ": ".join(x for x in (known[sid].get("publisher", ""), known[sid].get("title", "")) if x)
        return f'<a class="re-src-id" href="{href}#{sid}" title="{html.escape(about)}">{sid}</a>'

    out = []
    for part, is_text, depth in parts(page, SKIP):
        out.append(pattern.sub(anchor, part) if is_text and not any(depth.values()) else part)
    return "".join(out)
