"""The site's shared files (outputs/assets/): one stylesheet and one script for every page, written once per build.

The stylesheet is JupyterLab's (the reports are nbconvert's lab template, whose CSS used to be inlined into each
page, 240 KB a page), the code highlighting nbconvert inlined into each page, then the collection's reader styles;
the script shows chart values on hover or tap, runs the filter boxes and copy buttons. Pages link them relatively
(`assets/site.css` or `../assets/site.css`).

JupyterLab's stylesheet is cut to what an exported page can use (`purge`): rules whose selectors name only classes
that nbconvert's lab template writes (read from the template files themselves, so the cut follows nbconvert), and
only the `--jp-*` variables those rules and the reader styles use. The same bytes for every build of a commit: the
cut depends on the installed nbconvert, never on which pages a build happened to write.
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


def _lab_template_folders() -> list[Path]:
    """nbconvert's lab template and the base templates it includes (the first install on the Jupyter path, as
    nbconvert and `lab_css` find it)."""
    from jupyter_core.paths import jupyter_path

    for folder in map(Path, jupyter_path("nbconvert", "templates")):
        if (folder / "lab" / "index.html.j2").exists():
            return [folder / "lab", folder / "base"]
    raise FileNotFoundError("nbconvert's lab template (lab/index.html.j2) was not found on the Jupyter path")


def template_classes() -> frozenset[str]:
    """Every JupyterLab class name (jp-…, cm-…) that nbconvert's lab templates can write into an exported page."""
    names: set[str] = set()
    for folder in _lab_template_folders():
        for template in sorted(folder.glob("*.j2")):
            names |= set(re.findall(r"\b(?:jp|cm)-[A-Za-z][\w-]*", template.read_text(encoding="utf-8")))
    return frozenset(names)


def _kept(selector: str, written: frozenset[str] = frozenset()) -> bool:
    """Whether a selector can match an exported page: a KEEP class, and no JupyterLab class the templates never write
    (`written`; empty: no such check), such as the app's selection and focus states."""
    classes = re.findall(r"\.([A-Za-z][\w-]*)", selector)
    if not classes:
        return True
    required = re.findall(r"\.([A-Za-z][\w-]*)", re.sub(r":not\([^)]*\)", "", selector))  # :not(.x) matches without x
    lab_only = [c for c in required if c.startswith(("jp-", "cm-", "lm-", "p-")) and c not in written]
    return any(c.startswith(KEEP) for c in classes) and not (written and lab_only)


def _declarations(body: str) -> list[str]:
    return [d.strip() for d in re.split(r";(?![^(]*\))", body) if d.strip()]


def _used_variables(declarations: dict[str, str], text: str) -> set[str]:
    """The custom properties `text` uses, and those their values use in turn."""
    used: set[str] = set()
    todo = re.findall(r"var\((--[\w-]+)", text)
    while todo:
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo += re.findall(r"var\((--[\w-]+)", declarations.get(name, ""))
    return used


def _purge_rules(css: str, written: frozenset[str]) -> list[tuple[str, str]]:
    """JupyterLab's rules an exported page can use, as (prelude, body); `:root` blocks keep every declaration."""
    parts = []
    for prelude, body in _rules(css):
        if prelude.startswith(("@media", "@supports")):
            inner = _purge_rules(body, written)
            if inner:
                parts.append((prelude, "\n".join(f"{p}{{{b}}}" for p, b in inner)))
        elif prelude.startswith(("@keyframes", "@font-face")):
            continue
        elif prelude.startswith(":root"):
            keep = [d for d in _declarations(body) if "data:image" not in d and not d.startswith("--jp-icon")]
            parts.append((prelude, ";".join(keep)))
        else:
            selectors = [x.strip() for x in prelude.split(",") if _kept(x, written)]
            parts += [(",".join(selectors), re.sub(r"\s*\n\s*", " ", body.strip()))] if selectors else []
    return parts


def purge(css: str, written: frozenset[str] = frozenset(), also_uses: str = "") -> str:
    """JupyterLab's stylesheet without the app's widgets, icons (data URIs) and animations: what a page uses.

    `written`: the JupyterLab classes a page can carry (template_classes); rules naming any other are left out, and
    then every `--jp-*` variable that neither the rules kept nor `also_uses` (the other styles of the site) read."""
    parts = _purge_rules(css, written)
    if written:
        roots = {}
        for prelude, body in parts:
            if prelude.startswith(":root"):
                roots.update(d.split(":", 1) for d in _declarations(body) if ":" in d)
        rules = "\n".join(b for p, b in parts if not p.startswith(":root")) + also_uses
        used = _used_variables({k.strip(): v for k, v in roots.items()}, rules)
        parts = [
            (p, ";".join(d for d in _declarations(b) if d.split(":", 1)[0].strip() in used))
            if p.startswith(":root")
            else (p, b)
            for p, b in parts
        ]
        parts = [(p, b) for p, b in parts if b or not p.startswith(":root")]
    return "\n".join(f"{p}{{{b}}}" for p, b in parts)


def highlight_css() -> str:
    """The code highlighting nbconvert's HTML exporter inlines into each page (pygments, JupyterLab's colours).

    Its one rule for every element (`pre { line-height }`) is kept to the reports, the pages nbconvert wrote it into,
    at the same specificity (`:where` adds none): the index and the sources page keep their own line height."""
    from jupyterlab_pygments import JupyterStyle
    from pygments.formatters.html import HtmlFormatter  # the module itself: pygments.formatters loads it lazily,
    # and two threads asking it at once (a sweep's builds) got "cannot import name 'HtmlFormatter'"

    css = HtmlFormatter(style=JupyterStyle).get_style_defs(".highlight")
    return re.sub(r"^pre \{", ":where(.jp-Notebook) pre {", css, count=1, flags=re.M) + "\n"


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
    code = highlight_css()  # first, as it came before the stylesheet when nbconvert inlined it into each page
    reader = LAB_MISC + (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return code + purge(lab_css(), template_classes(), code + reader) + reader


def write(output_root: Path) -> list[Path]:
    """Write outputs/assets/site.css and site.js (the same bytes for every build of a commit)."""
    return [
        write_text(stylesheet(), output_root / STYLESHEET),
        write_text((TEMPLATES / "site.js").read_text(encoding="utf-8"), output_root / SCRIPT),
    ]
