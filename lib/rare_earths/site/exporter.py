"""nbconvert's HTML exporter for the reports, without the BeautifulSoup pass its HTMLExporter ends with.

nbconvert 7's `HTMLExporter.from_notebook_node` renders the template, then parses the whole page with
BeautifulSoup's pure-Python parser to add two attributes (alt text on an image that has none, `tabindex="0"` on
every cell's input wrapper and output, so a keyboard reaches them) and writes the page out again: about 0.18 s of
the 0.25 s a report takes, twice per notebook. `ReportExporter` adds the same attributes to the rendered page with
regular expressions instead; `tests/test_reports.py` checks that both give the same document.
"""

from __future__ import annotations

import re
from typing import Any

from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

MISSING_ALT = "No description has been provided for this image"  # nbconvert's own words
IMG_WITHOUT_ALT = re.compile(r"(<img\b(?![^>]*\salt=)[^>]*?)(\s*/?>)")
CLASSES = re.compile(r'(<[a-zA-Z][^>]*?\sclass=")([^"]*)(")')  # a tag's class attribute
FOCUS = r"(?:jp-Cell-inputWrapper|jp-OutputArea-output)"  # the classes nbconvert gives a tab stop
FOCUSABLE = re.compile(rf'(<div\b(?![^>]*\stabindex=)[^>]*?\sclass="(?:[^"]*\s)?{FOCUS}(?:\s[^"]*)?"[^>]*?)(\s*>)')


class ReportExporter(HTMLExporter):
    """HTMLExporter whose page gets its alt texts and tab stops from `accessible`, not from a BeautifulSoup round trip."""

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[str, dict]:
        """Render as HTMLExporter does (its highlighting and widget filters, its resources), then `accessible`."""
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return accessible(html), resources


def accessible(html: str) -> str:
    """Alt text on every image that has none and a tab stop on every input wrapper and output, each added after the
    tag's other attributes, and class lists written with single spaces (`class="highlight hl-ipython3"`, not the
    template's `" highlight …"`), as nbconvert's BeautifulSoup pass leaves them."""
    html = CLASSES.sub(lambda m: m.group(1) + " ".join(m.group(2).split()) + m.group(3), html)  # as it writes them
    html = IMG_WITHOUT_ALT.sub(rf'\1 alt="{MISSING_ALT}"\2', html)
    return FOCUSABLE.sub(r'\1 tabindex="0"\2', html)
