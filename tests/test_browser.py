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

CHROMIUM = (
    os.environ.get("CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
    or shutil.which("google-chrome")
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM,
    reason="no Chromium found (install Debian's 'chromium' or set CHROMIUM=/path/to/chrome); .ci/run installs it",
)


def _pages(root: Path) -> list[Path]:
    """The pages a reader opens: the index, the sources page and every reader report."""
    pages = [root / "index.html", root / "sources.html"] + sorted(
        p for p in (root / "html").glob("*.html") if not p.name.endswith(".full.html")
    )
    return [p for p in pages if p.exists()]


def _visit(context, page_path: Path) -> list[str]:
    """Open one page; return every problem seen (blocked or failed requests, console errors, broken images)."""
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.goto(page_path.as_uri(), wait_until="load")
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
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


# Reader checks (issue 12): what a reader sees, measured in the browser. Each helper returns the problems it found.

FIRST_SCREEN = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 900}
PLACEHOLDER_ALT = "No description has been provided for this image"
BAD_CELL = re.compile(r"\d(?:\.\d+)?e[+-]?\d+|\bNaN\b|<NA>|\bNaT\b", re.IGNORECASE)
INTERNAL = re.compile(r"\blib/|\bresearch/")


def _reports(root: Path) -> list[Path]:
    return sorted(p for p in (root / "html").glob("*.html") if not p.name.endswith(".full.html"))


def _parameter_names() -> set[str]:
    """The notebooks' parameter names that are code names (snake_case), e.g. ev_share_of_demand_pct."""
    import json

    from rare_earths import paths

    names: set[str] = set()
    for nb in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if "parameters" in cell["metadata"].get("tags", []):
                names |= set(re.findall(r"^([a-z0-9]+(?:_[a-z0-9]+)+)\s*=", "".join(cell["source"]), re.M))
    return names


def _key_finding_problems(page, name: str) -> list[str]:
    box = page.evaluate(
        "(() => { const e = document.getElementById('key-finding'); if (!e) return null;"
        " const r = e.getBoundingClientRect(); return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY}; })()"
    )
    if box is None:
        return [f"{name}: no key finding (#key-finding)"]
    return (
        [f"{name}: key finding ends at {box['bottom']:.0f} px, below the first {FIRST_SCREEN['height']} px"]
        if box["bottom"] > FIRST_SCREEN["height"]
        else []
    )


def _cell_problems(page, name: str) -> list[str]:
    cells = page.evaluate("Array.from(document.querySelectorAll('td, th')).map(c => c.innerText)")
    return [
        f"{name}: table cell shows {BAD_CELL.search(c).group(0)!r}: {c[:60]!r}" for c in cells if BAD_CELL.search(c)
    ]


def _navigation_problems(page, page_path: Path) -> list[str]:
    problems = []
    for rel in ("index", "prev", "next"):
        href = page.evaluate(
            f"(() => {{ const a = document.querySelector('a[rel={rel}]'); return a ? a.getAttribute('href') : null; }})()"
        )
        if not href:
            problems.append(f"{page_path.name}: no {rel} link")
        elif not (page_path.parent / unquote(href.split("#")[0])).exists():
            problems.append(f"{page_path.name}: {rel} link {href} leads nowhere")
    return problems


def _alt_problems(page, name: str) -> list[str]:
    images = page.evaluate(
        "Array.from(document.images).map(i => ({alt: i.getAttribute('alt') || '', src: i.getAttribute('src') || ''}))"
    )
    problems = []
    for img in images:
        alt, file = img["alt"].strip(), img["src"].split("/")[-1]
        if (
            not alt
            or alt == PLACEHOLDER_ALT
            or re.search(r"\.(png|svg|jpe?g|gif)$", alt)
            or (not img["src"].startswith("data:") and alt == file)
        ):
            problems.append(f"{name}: image alt text {alt[:60]!r} for {img['src'][:60]}")
    return problems


def _overflow_problems(page, name: str) -> list[str]:
    width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    viewport = page.evaluate("!!document.querySelector('meta[name=viewport]')")
    problems = [] if viewport else [f"{name}: no viewport meta tag"]
    return problems + ([f"{name}: {width} px wide at {PHONE['width']} px"] if width > PHONE["width"] else [])


def _internals_problems(page, name: str, codes: set[str]) -> list[str]:
    text = page.evaluate("document.body.innerText + ' ' + Array.from(document.images).map(i => i.alt).join(' ')")
    found = sorted(set(INTERNAL.findall(text)) | {c for c in codes if re.search(rf"\b{re.escape(c)}\b", text)})
    return [f"{name}: reader version mentions {', '.join(found)}"] if found else []


def _browse(root: Path, check) -> dict[str, list[str]]:
    """Open the site offline and run `check(context_by_viewport)`; returns its problems."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        contexts = {}
        for label, viewport in (("desktop", FIRST_SCREEN), ("phone", PHONE)):
            contexts[label] = browser.new_context(offline=True, viewport=viewport)
            contexts[label].route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
        try:
            return check(contexts)
        finally:
            browser.close()


def _open(context, path: Path):
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    return page


def test_reader_reports_put_the_key_finding_first_and_link_index_previous_next(built) -> None:
    root, _ = built
    reports = _reports(root)
    assert len(reports) >= 7

    def check(contexts):
        problems = []
        for path in reports:
            page = _open(contexts["desktop"], path)
            problems += _key_finding_problems(page, path.name) + _navigation_problems(page, path)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_tables_and_images_read_cleanly(built) -> None:
    """No scientific notation, NaN, <NA> or NaT in a table cell; every image has alt text that is neither the placeholder nor a file name."""
    root, _ = built

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["desktop"], path)
            problems += _cell_problems(page, path.name) + _alt_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_no_page_overflows_a_phone_screen(built) -> None:
    root, _ = built

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["phone"], path)
            problems += _overflow_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_reader_reports_show_no_internals(built) -> None:
    """Reader versions never mention lib/, research/ or a parameter's code name (text and image descriptions)."""
    root, _ = built
    codes = _parameter_names()
    assert "ev_share_of_demand_pct" in codes and "swing_pct" in codes

    def check(contexts):
        problems = []
        for path in _reports(root):
            page = _open(contexts["desktop"], path)
            problems += _internals_problems(page, path.name, codes)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_every_claim_has_an_anchor_in_the_site_linked_to_its_report(built) -> None:
    import csv

    root, _ = built
    with open(root / "tables" / "claims.csv", encoding="utf-8", newline="") as f:
        ledger = list(csv.DictReader(f))
    assert ledger

    def check(contexts):
        page = _open(contexts["desktop"], root / "index.html")
        problems = []
        for row in ledger:
            found = page.evaluate(
                "id => { const e = document.getElementById(id); return e ? Array.from(e.querySelectorAll('a')).map(a => a.getAttribute('href')) : null; }",
                row["claim_id"],
            )
            if found is None:
                problems.append(f"claim {row['claim_id']} has no anchor in index.html")
            elif f"html/{row['notebook']}.html" not in found:
                problems.append(f"claim {row['claim_id']}: its ledger row does not link to html/{row['notebook']}.html")
        page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)
