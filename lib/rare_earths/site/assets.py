"""The site's shared files (outputs/assets/): one stylesheet and one script for every page, written once per build.

The stylesheet is JupyterLab's (the reports are nbconvert's lab template, whose CSS used to be inlined into each
page, 240 KB a page) followed by the collection's reader styles; the script shows chart values on hover or tap,
runs the filter boxes and copy buttons. Pages link them relatively (`assets/site.css` or `../assets/site.css`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..outputs import write_text

PACKAGE_DATA = ("templates/report.css", "templates/site.js")  # what it reads beside itself (build/deps.py)
TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "assets/site.css"
SCRIPT = "assets/site.js"
LAB_MISC = """
a.anchor-link { display: none; }
.jp-InputArea { overflow: hidden; } .jp-InputArea-editor { overflow: hidden; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; }
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
.jp-Collapser { display: none; }
@media print { .jp-Cell-inputWrapper, .jp-Cell-outputWrapper { display: block; } }
"""
KEEP = (  # JupyterLab classes an exported notebook uses; rules for the app's own widgets are left out
    "jp-Cell", "jp-Output", "jp-Input", "jp-Rendered", "jp-Notebook", "jp-mod-", "jp-Code", "jp-Markdown", "jp-Raw",
    "jp-Collapser", "cm-", "highlight", "jp-Editor", "jp-Placeholder", "jp-Prompt", "jp-InternalAnchor", "anchor-link",
)  # fmt: skip


def _rules(text: str) -> list[tuple[str, str]]:
    """Top-level CSS rules as (prelude, body), comments removed."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out, i = [], 0
    while (j := text.find("{", i)) >= 0:
        depth, k = 1, j + 1
        while depth and k < len(text):
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        out.append((text[i:j].strip(), text[j + 1 : k - 1]))
        i = k
    return out


def _kept(selector: str) -> bool:
    classes = re.findall(r"\.([A-Za-z][\w-]*)", selector)
    return not classes or any(c.startswith(KEEP) for c in classes)


def purge(css: str) -> str:
    """JupyterLab's stylesheet without the app's widgets, icons (data URIs) and animations: what a page uses."""
    parts = []
    for prelude, body in _rules(css):
        if prelude.startswith(("@media", "@supports")):
            inner = purge(body)
            parts += [f"{prelude}{{{inner}}}"] if inner.strip() else []
        elif prelude.startswith(("@keyframes", "@font-face")):
            continue
        elif prelude.startswith(":root"):
            keep = [d for d in re.split(r";(?![^(]*\))", body) if d.strip() and "data:image" not in d]
            parts.append(
                prelude + "{" + ";".join(d.strip() for d in keep if not d.strip().startswith("--jp-icon")) + "}"
            )
        else:
            selectors = [x.strip() for x in prelude.split(",") if _kept(x)]
            parts += [",".join(selectors) + "{" + body.strip() + "}"] if selectors else []
    return "\n".join(parts)


def lab_css() -> str:
    """JupyterLab's stylesheet and light theme, as nbconvert's lab template ships them."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        index, theme = Path(folder) / "index.css", Path(folder) / "theme-light.css"
        if index.exists() and theme.exists():
            return index.read_text(encoding="utf-8") + "\n" + theme.read_text(encoding="utf-8")
    raise FileNotFoundError("nbconvert's lab template (static/index.css) was not found on the Jupyter path")


def stylesheet() -> str:
    """The one stylesheet of the site."""
    return purge(lab_css()) + LAB_MISC + (TEMPLATES / "report.css").read_text(encoding="utf-8")


def write(output_root: Path) -> list[Path]:
    """Write outputs/assets/site.css and site.js (the same bytes for every build of a commit)."""
    return [
        write_text(stylesheet(), output_root / STYLESHEET),
        write_text((TEMPLATES / "site.js").read_text(encoding="utf-8"), output_root / SCRIPT),
    ]
