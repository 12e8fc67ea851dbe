"""The text of an HTML page, part by part, with the elements it sits in: for passes that change a reader's text
(abbreviations spelled out, source ids linked) and must leave tags, charts, code and quotes alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

TAG = re.compile(r"(<!--.*?-->|<[^>]+>)", re.S)  # a comment (which may hold '<' or '>') or a tag
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col", "embed", "track", "param"}


def parts(page: str, tracked: set[str]) -> Iterator[tuple[str, bool, dict[str, int]]]:
    """Each tag and text of `page` in order, whether it is text, and how many of each `tracked` element are open
    around it (a tag counts itself: an element's start tag is inside it, its end tag outside). The counts are one
    dict, updated as the walk goes on: read it at each step, do not keep it."""
    depth = dict.fromkeys(tracked, 0)
    for part in TAG.split(page):
        if not part:
            continue
        if not part.startswith("<"):
            yield part, True, depth
            continue
        name = re.match(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)", part)
        key = name.group(1).lower() if name else ""
        if key in tracked and key not in VOID and not part.endswith("/>"):
            depth[key] = max(0, depth[key] + (-1 if part.startswith("</") else 1))
        yield part, False, depth
