"""The site's one stylesheet (site/assets.py): JupyterLab's styles cut to what an exported page can use."""

from __future__ import annotations

import re

from rare_earths.site import assets

LAB = """
:root { --jp-used: 1px; --jp-chained: var(--jp-deep); --jp-deep: red; --jp-unused: 2px; --jp-reader: blue; }
.jp-Cell { padding: var(--jp-used); }
.jp-Notebook .jp-Cell:not(.jp-mod-active) .jp-InputPrompt { opacity: 0.5; color: var(--jp-chained); }
.jp-Cell.jp-mod-selected .jp-Collapser { background: var(--jp-unused); }
.jp-DirListing-item { margin: 0
  auto; }
@media print { .jp-Cell, .jp-FileDialog { display: block; } }
"""


def test_purge_keeps_rules_a_page_can_match_and_the_variables_they_read() -> None:
    written = frozenset({"jp-Cell", "jp-Notebook", "jp-InputPrompt", "jp-Collapser"})
    css = assets.purge(LAB, written, also_uses=".re-x { color: var(--jp-reader); }")
    assert ".jp-Cell{padding: var(--jp-used);}" in css
    assert ".jp-Cell:not(.jp-mod-active) .jp-InputPrompt" in css  # matches every cell of an exported page
    assert "jp-mod-selected" not in css and "DirListing" not in css  # the app's states and widgets
    assert "@media print{.jp-Cell{display: block;}}" in css
    variables = set(re.findall(r"(--jp-[\w-]+):", css))
    assert variables == {"--jp-used", "--jp-chained", "--jp-deep", "--jp-reader"}


def test_the_site_stylesheet_keeps_every_jupyterlab_class_the_pages_carry() -> None:
    written = assets.template_classes()
    assert {"jp-Cell", "jp-OutputArea-output", "jp-RenderedHTMLCommon", "jp-mod-noInput", "cm-editor"} <= written
    css = assets.stylesheet()
    assert (
        ".highlight .k" in css
        and ":where(.jp-Notebook) pre {" in css
        and "\npre {" not in css
        and "--jp-icon" not in css
        and "jp-DirListing" not in css
    )
    assert css.index(".highlight .k") < css.index(".jp-RenderedHTMLCommon")  # before the lab styles, as inlined
    assert len(css.encode("utf-8")) < 45_000


RACE = """
import sys, threading
from rare_earths.site import assets
barrier, errors = threading.Barrier(8), []
def go():
    barrier.wait()
    try:
        assets.highlight_css()
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=go) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(errors[:1]); sys.exit(1 if errors else 0)
"""


def test_the_stylesheet_is_made_in_threads_at_once_in_a_fresh_interpreter() -> None:
    """A sweep's builds write their assets from threads of one process; the first, simultaneous, import of the code
    highlighting must not fail (pygments.formatters loads its formatters lazily: "cannot import name
    'HtmlFormatter'" in 9 fresh interpreters of 10 before the import named the module)."""
    import subprocess
    import sys

    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
