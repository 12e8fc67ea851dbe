"""HTML reports of executed notebooks: self-contained (no network), reader and full versions, key findings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates" / "nbconvert"
TEMPLATE = "offline"
KEY_FINDING_TAG = "key-finding"


def html_exporter(reader: bool) -> Any:
    """An nbconvert HTML exporter on the offline template; reader=True hides code and prompts."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input=reader, exclude_input_prompt=reader, exclude_output_prompt=reader)


def key_finding(nb: Any) -> str:
    """The text the cell tagged 'key-finding' displayed when the notebook ran ('' if none), as plain text."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and KEY_FINDING_TAG in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                text = data.get("text/markdown") or data.get("text/plain") or output.get("text", "")
                if text:
                    return re.sub(r"\*\*|`", "", "".join(text)).strip()
    return ""
