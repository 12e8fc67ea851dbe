"""The built site in a real browser: headless Chromium with the network cut off.

Opens the index, the sources page and every reader report, and asserts: no request leaves the
machine (every non-file request is blocked and counted as a failure), no console errors or page
errors, every image loaded, and every relative link of the index resolves to a file. Needs a
Chromium binary (`.ci/run` installs Debian's `chromium`); skipped, with the reason, without one.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no Chromium found (install Debian's 'chromium' or set CHROMIUM=/path/to/chrome); .ci/run installs it")


def _pages(root: Path) -> list[Path]:
    """The pages a reader opens: the index, the sources page and every reader report."""
    pages = [root / "index.html", root / "sources.html"] + sorted(p for p in (root / "html").glob("*.html") if not p.name.endswith(".full.html"))
    return [p for p in pages if p.exists()]


def _visit(context, page_path: Path) -> list[str]:
    """Open one page; return every problem seen (blocked or failed requests, console errors, broken images)."""
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.goto(page_path.as_uri(), wait_until="load")
    broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    problems += [f"image not loaded: {src[:80]}" for src in broken]
    page.close()
    return problems


def test_site_opens_offline_without_errors(built) -> None:
    from playwright.sync_api import sync_playwright

    root, _ = built
    pages = _pages(root)
    assert root / "index.html" in pages and len(pages) >= 3
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(offline=True)
        context.route(re.compile(r"^(?!file:).*"), lambda route: (outside.append(route.request.url), route.abort()))
        problems = {page.name: _visit(context, page) for page in pages}
        browser.close()
    assert outside == [], f"requests to the network: {outside[:5]}"
    assert {k: v for k, v in problems.items() if v} == {}


def test_every_relative_link_of_the_index_resolves(built) -> None:
    root, _ = built
    html = (root / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"#]+)', html)
    relative = [link for link in links if not urlparse(link).scheme]
    assert relative, "the index links to nothing"
    missing = [link for link in relative if not (root / unquote(link)).exists()]
    assert missing == []
