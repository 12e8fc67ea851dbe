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


@pytest.fixture(scope="session")
def site(request) -> Path:
    """The outputs folder under test: RARE_EARTHS_SITE (an already built folder, e.g. today's site), else a fresh build."""
    given = os.environ.get("RARE_EARTHS_SITE")
    return Path(given) if given else request.getfixturevalue("built")[0]


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


def test_site_opens_offline_without_errors(site) -> None:
    from playwright.sync_api import sync_playwright

    root = site
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


def test_every_relative_link_of_the_index_resolves(site) -> None:
    root = site
    html = (root / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"#]+)', html)
    relative = [link for link in links if not urlparse(link).scheme]
    assert relative, "the index links to nothing"
    missing = [link for link in relative if not (root / unquote(link)).exists()]
    assert missing == []


# Reader checks (issue 12): what a reader sees, measured in the browser. Each helper returns the problems it found.

FIRST_SCREEN = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
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
            f"(() => {{ const a = document.querySelector('a[rel~={rel}]'); return a ? a.getAttribute('href') : null; }})()"
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


def test_reader_reports_put_the_key_finding_first_and_link_index_previous_next(site) -> None:
    root = site
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


def test_tables_and_images_read_cleanly(site) -> None:
    """No scientific notation, NaN, <NA> or NaT in a table cell; every image has alt text that is neither the placeholder nor a file name."""
    root = site

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["desktop"], path)
            problems += _cell_problems(page, path.name) + _alt_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_no_page_overflows_a_phone_screen(site) -> None:
    root = site

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["phone"], path)
            problems += _overflow_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def test_reader_reports_show_no_internals(site) -> None:
    """Reader versions never mention lib/, research/ or a parameter's code name (text and image descriptions)."""
    root = site
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


def test_every_claim_has_an_anchor_in_the_site_linked_to_its_report(site) -> None:
    import csv

    root = site
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
            elif not any(h.split("#")[0] == f"html/{row['notebook']}.html" for h in found):
                problems.append(f"claim {row['claim_id']}: its ledger row does not link to html/{row['notebook']}.html")
        page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


# Issue 18: what a journalist needs on a laptop and on a phone. Each helper returns the problems it found.

SCALE_WORDS = (
    "accurate", "roughly right", "misleading", "wrong", "can't be checked", "came true", "did not come true",
    "not yet decidable",
)  # fmt: skip
ABBREVIATIONS = ("REO", "HHI", "NdPr", "Dy", "Tb", "CIF", "FOB", "GACC", "MOFCOM", "MIIT", "USGS", "MCS", "NdFeB")
BAD_TITLE = re.compile(
    r"<NA>|URL slug|title not in excerpt|untitled page|\bnan\b|\(undated\b|title not read\]|\[descriptive\]",
    re.IGNORECASE,
)  # a description standing in for an unread title reads "<i>description</i> (title not read)", never "[...]"
REPORT_BUDGET, SITE_BUDGET = 400_000, 6_000_000


def _ledger(root: Path) -> list[dict[str, str]]:
    import csv

    with open(root / "tables" / "claims.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _card_problems(page, where: str, claim_ids: list[str]) -> list[str]:
    found = page.evaluate(
        """ids => ids.map(id => { const c = document.getElementById(id);
          if (!c) return [id, 'no element'];
          if (!c.classList.contains('re-card')) return [id, 'not a card: <' + c.tagName.toLowerCase() + '>'];
          const badge = c.querySelector('.re-badge'), quote = c.querySelector('.re-card-quote'),
                why = c.querySelector('.re-card-reason'), how = c.querySelector('details > summary'),
                src = c.querySelector('.re-card-meta');
          if (!badge || !quote || !why || !how || !src) return [id, 'card lacks badge, quote, reason, sources or details'];
          return [id, badge.textContent.trim(), why.textContent.trim().length, c.getBoundingClientRect().right];
        })""",
        claim_ids,
    )
    problems, width = [], page.viewport_size["width"]
    for item in found:
        if len(item) == 2:
            problems.append(f"{where}: claim {item[0]}: {item[1]}")
            continue
        claim, word, reason, right = item
        if word not in SCALE_WORDS:
            problems.append(f"{where}: claim {claim}: badge says {word!r}, not a word of the scale")
        if reason < 10:
            problems.append(f"{where}: claim {claim}: no one-line reason")
        if right > width + 1:
            problems.append(f"{where}: claim {claim}: card ends at {right:.0f} px on a {width} px screen")
    tables = page.evaluate(
        "Array.from(document.querySelectorAll('table')).filter(t => /\\bC\\d\\d-\\d\\d\\b/.test(t.innerText)"
        " && Array.from(t.querySelectorAll('th')).some(h => /verdict/i.test(h.innerText))).length"
    )
    return problems + ([f"{where}: {tables} table(s) of claims left (claims are cards)"] if tables else [])


def test_every_claim_is_a_card_in_its_report_and_the_index(site) -> None:
    root = site
    ledger = _ledger(root)
    by_report: dict[str, list[str]] = {}
    for row in ledger:
        by_report.setdefault(row["notebook"], []).append(row["claim_id"])

    def check(contexts):
        problems = []
        for label in ("desktop", "phone"):
            page = _open(contexts[label], root / "index.html")
            problems += _card_problems(page, f"index.html ({label})", [r["claim_id"] for r in ledger])
            page.close()
        for notebook, ids in by_report.items():
            page = _open(contexts["phone"], root / "html" / f"{notebook}.html")
            problems += _card_problems(page, f"{notebook}.html", ids)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def _table_problems(page, name: str) -> list[str]:
    tables = page.evaluate(
        """Array.from(document.querySelectorAll('table')).map(t => {
          let box = t.parentElement;
          while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) box = box.parentElement;
          const scrolls = box && box !== document.body;
          const cell = t.querySelector('tr > *');
          return {scrolls, wide: scrolls ? box.scrollWidth > box.clientWidth + 1 : t.getBoundingClientRect().right > window.innerWidth + 1,
                  cue: scrolls && box.classList.contains('re-overflows'),
                  sticky: cell ? getComputedStyle(cell).position === 'sticky' : true,
                  head: (cell ? cell.innerText : '').slice(0, 30)};
        })"""
    )
    problems = []
    for t in tables:
        if t["wide"] and not t["scrolls"]:
            problems.append(f"{name}: table '{t['head']}' is wider than the screen and does not scroll in its box")
        elif t["wide"] and not t["cue"]:
            problems.append(f"{name}: table '{t['head']}' scrolls with no visible cue")
        elif t["wide"] and not t["sticky"]:
            problems.append(f"{name}: table '{t['head']}' scrolls but its first column does not stay in view")
    return problems


def test_wide_tables_scroll_in_their_box_with_a_cue_and_a_sticky_first_column(site) -> None:
    root = site

    def check(contexts):
        problems = []
        for label in ("phone", "desktop"):
            for path in _pages(root):
                page = _open(contexts[label], path)
                problems += _table_problems(page, f"{path.name} ({label})")
                page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def _svg_min_font(svg: str) -> tuple[float, float]:
    """(smallest font size, viewBox width) of an SVG file."""
    sizes = [float(v) for v in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px", svg)]
    box = re.search(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"', svg)
    return (min(sizes) if sizes else 99.0), (float(box.group(1)) if box else 0.0)


def _chart_text_problems(page, path: Path, root: Path) -> list[str]:
    inline = page.evaluate(
        """Array.from(document.querySelectorAll('svg')).filter(s => s.getBoundingClientRect().width > 0).map(s => {
          let small = 1e9;
          s.querySelectorAll('text').forEach(t => { const m = t.getScreenCTM(); if (!m) return;
            const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); if (px < small) small = px; });
          return [s.getAttribute('aria-label') || 'chart', small];
        })"""
    )
    problems = [f"{path.name}: chart '{label[:50]}' shows text at {px:.1f} px" for label, px in inline if px < 11]
    images = page.evaluate(
        "Array.from(document.images).filter(i => /figures\\/[^/]+\\.(png|svg)$/.test(i.getAttribute('src')) && i.width > 0)"
        ".map(i => [i.getAttribute('src'), i.getBoundingClientRect().width])"
    )
    for src, width in images:
        svg = (path.parent / unquote(src)).with_suffix(".svg")
        small, box = _svg_min_font(svg.read_text(encoding="utf-8")) if svg.exists() else (0.0, 1.0)
        px = small * width / box if box else 0.0
        if px < 11:
            problems.append(f"{path.name}: image {src} shown {width:.0f} px wide: its smallest text is {px:.1f} px")
    return problems


def test_chart_text_is_at_least_11_px_at_the_size_shown(site) -> None:
    root = site

    def check(contexts):
        problems = []
        for label in ("desktop", "phone"):
            for path in _pages(root):
                page = _open(contexts[label], path)
                problems += [f"{p} ({label})" for p in _chart_text_problems(page, path, root)]
                page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def _figure_problems(page, path: Path) -> list[str]:
    import csv

    figures = page.evaluate(
        """Array.from(document.querySelectorAll('figure.re-figure')).map((f, i) => ({
          i, data: (f.querySelector('a.re-figure-data') || {getAttribute: () => null}).getAttribute('href'),
          points: f.querySelectorAll('svg .re-pt').length}))"""
    )
    problems = [] if figures else [f"{path.name}: no figure"]
    for fig in figures:
        where = f"{path.name} figure {fig['i'] + 1}"
        if not fig["data"] or not (path.parent / unquote(fig["data"])).exists():
            problems.append(f"{where}: no link to the CSV of the series it plots")
            continue
        with open(path.parent / unquote(fig["data"]), encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        if len(rows) != fig["points"]:
            problems.append(
                f"{where}: its CSV has {len(rows)} rows but the chart has {fig['points']} points with values"
            )
            continue
        timeseries = any(re.fullmatch(r"(\d{1,2} )?[A-Z][a-z]{2} \d{4}|\d{4}", r["x"]) for r in rows)
        if not timeseries:
            continue
        handle = page.query_selector_all("figure.re-figure")[fig["i"]].query_selector("svg .re-pt")
        handle.scroll_into_view_if_needed()
        handle.hover()
        tip = page.evaluate(
            "(() => { const t = document.querySelector('.re-tip'); return t && !t.hidden ? t.textContent : ''; })()"
        )
        if not (re.search(r"\d{4}", tip) and re.search(r"\d", tip) and "Source" in tip):
            problems.append(f"{where}: hovering a point shows {tip[:80]!r}, not its date, value, unit and source")
    return problems


def test_every_figure_links_its_data_and_time_series_show_values_on_hover(site) -> None:
    root = site

    def check(contexts):
        problems = []
        for path in _reports(root):
            page = _open(contexts["desktop"], path)
            problems += _figure_problems(page, path)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def _filter_problems(page, name: str, items: str, word: str, select: tuple[str, str] | None) -> list[str]:
    box = page.query_selector("form.re-filter input[type=search]")
    if box is None:
        return [f"{name}: no filter box"]
    total = page.evaluate(f"document.querySelectorAll({items!r}).length")
    box.fill(word)
    shown = page.evaluate(
        f"Array.from(document.querySelectorAll({items!r})).filter(e => e.offsetParent !== null || !e.closest('[hidden]') && !e.hidden).map(e => e.textContent.toLowerCase())"
    )
    problems = []
    if not shown or len(shown) >= total or any(word.lower() not in t for t in shown):
        problems.append(f"{name}: filtering for {word!r} shows {len(shown)} of {total}")
    if select:
        box.fill("")
        page.select_option(f"form.re-filter select[name={select[0]}]", select[1])
        picked = page.evaluate(
            f"Array.from(document.querySelectorAll({items!r})).filter(e => !e.hidden).map(e => e.dataset.{select[0]})"
        )
        if not picked or any(v != select[1] for v in picked):
            problems.append(f"{name}: choosing {select[0]} {select[1]!r} shows {picked[:5]}")
    return problems


def test_filter_boxes_filter_the_ledger_and_the_sources(site) -> None:
    root = site

    def check(contexts):
        page = _open(contexts["phone"], root / "index.html")
        problems = _filter_problems(page, "index.html", ".re-cards > .re-card", "dysprosium", ("verdict", "wrong"))
        page.close()
        page = _open(contexts["phone"], root / "sources.html")
        problems += _filter_problems(page, "sources.html", ".sources > li", "usgs", None)
        page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems)


def _unlinked(page, ids: set[str]) -> list[str]:
    """The text around each source id a reader sees outside a link (charts' tooltips, code and forms aside)."""
    assert all(re.fullmatch(r"[A-Za-z0-9-]+", i) for i in ids)
    return page.evaluate(
        """ids => { const found = [], skip = 'a, svg, script, style, code, pre, textarea, select, button';
          const pattern = new RegExp('(?<![A-Za-z0-9_-])(' + ids.join('|') + ')(?![A-Za-z0-9_-])');
          const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (n.parentElement.closest(skip)) continue;
            const m = n.textContent.match(pattern);
            if (m) found.push(n.textContent.slice(Math.max(0, m.index - 30), m.index + m[0].length + 10));
          }
          return found.slice(0, 5); }""",
        sorted(ids, key=len, reverse=True),  # ids are letters, digits and hyphens: no escaping needed
    )


def test_sources_have_real_titles_and_every_reference_links_its_entry(site) -> None:
    root = site
    entries = set(
        re.findall(r'<li class="kind-[^"]*" id="([^"]+)"', (root / "sources.html").read_text(encoding="utf-8"))
    )

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["desktop"], path)
            titles = page.evaluate(  # textContent: the entries of a closed <details> group have no innerText
                "Array.from(document.querySelectorAll('.re-references li, .sources li')).map(l => l.textContent)"
            )
            problems += [
                f"{path.name}: reference without a real title: {t[:90]!r}" for t in titles if BAD_TITLE.search(t)
            ]
            refs = page.evaluate(
                "Array.from(document.querySelectorAll('.re-references li')).map(l => [l.id, !!l.querySelector('a[href^=\"../sources.html#\"]')])"
            )
            problems += [f"{path.name}: reference {i} does not link its entry" for i, linked in refs if not linked]
            cites = page.evaluate(
                "Array.from(document.querySelectorAll('a[href*=\"sources.html#\"]')).map(a => a.getAttribute('href').split('#')[1])"
            )
            problems += [f"{path.name}: link to source {c!r}, which has no entry" for c in cites if c not in entries]
            if path.name != "sources.html":  # its entries are what the ids link to
                problems += [
                    f"{path.name}: source id shown as text, not a link: {t!r}" for t in _unlinked(page, entries)
                ]
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def test_every_page_has_a_cite_block_with_one_click_copy(site) -> None:
    from playwright.sync_api import sync_playwright

    root = site
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(
            offline=True, viewport=FIRST_SCREEN, permissions=["clipboard-read", "clipboard-write"]
        )
        for path in _pages(root):
            page = context.new_page()
            page.goto(path.as_uri(), wait_until="load")
            block = page.evaluate(
                "(() => { const c = document.getElementById('cite'); return c ? c.innerText : ''; })()"
            )
            for needed in (
                "Title",
                "Maintainers",
                "Version",
                "Data end",
                "URL",
                "@misc{",
                "China's rare earth pricing power",
            ):
                if needed not in block:
                    problems.append(f"{path.name}: cite block lacks {needed!r}")
            if block and not re.search(r"\b[0-9a-f]{12}\b|\bunknown\b", block):
                problems.append(f"{path.name}: cite block names no commit")
            button = page.query_selector("#cite button[data-copy='cite-bibtex']")
            if button is None:
                problems.append(f"{path.name}: no copy button for BibTeX")
            else:
                button.click()
                copied = page.evaluate("navigator.clipboard.readText()")
                if not copied.startswith("@misc{"):
                    problems.append(f"{path.name}: the copy button copied {copied[:40]!r}")
            page.close()
        browser.close()
    assert problems == [], "\n".join(problems)


def test_no_link_leaves_outputs_and_every_anchor_exists(site) -> None:
    root = site.resolve()
    problems = []
    ids: dict[Path, set[str]] = {}
    for page in sorted(root.rglob("*.html")):
        if "sweep" in page.relative_to(root).parts[:1]:
            continue
        text = page.read_text(encoding="utf-8")
        for link in re.findall(r'(?:href|src)="([^"]+)"', text):
            parsed = urlparse(link)
            if parsed.scheme or link.startswith(("#", "//")):
                continue
            target = (page.parent / unquote(parsed.path)).resolve()
            if root not in target.parents and target != root:
                problems.append(f"{page.relative_to(root)}: {link} leaves outputs/")
            elif not target.exists():
                problems.append(f"{page.relative_to(root)}: {link} leads nowhere")
            elif parsed.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
                if unquote(parsed.fragment) not in ids[target]:
                    problems.append(f"{page.relative_to(root)}: {link}: no such anchor")
    staging = [p.relative_to(root).as_posix() for p in root.rglob(".staging*")]
    assert problems + staging == [], "\n".join((problems + staging)[:40])


def test_page_weights_stay_within_budget(site) -> None:
    root = site.resolve()
    problems = []
    for path in _reports(root):
        text = path.read_text(encoding="utf-8")
        loaded = {
            (path.parent / unquote(link)).resolve()
            for link in re.findall(r'<(?:img|script|link)[^>]+(?:src|href)="([^"#:]+)"', text)
        }
        weight = len(text.encode("utf-8")) + sum(p.stat().st_size for p in loaded if p.is_file())
        if weight > REPORT_BUDGET:
            problems.append(
                f"{path.name}: {weight / 1000:.0f} KB with what it loads (budget {REPORT_BUDGET / 1000:.0f} KB)"
            )
    # the site: every file a reader can load or download; the build's own state (.build/ when the outputs folder is
    # not the default one, .manifests/, .rare-earths-build) is no page, no figure and no download, linked from nowhere
    total = sum(
        p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] != "sweep" and not p.relative_to(root).parts[0].startswith(".")
    )
    if total > SITE_BUDGET:
        problems.append(f"the site without the sweep weighs {total / 1e6:.3f} MB (budget {SITE_BUDGET / 1e6:.0f} MB)")
    assert problems == [], "\n".join(problems)


def _words_problems(page, name: str) -> list[str]:
    text = page.evaluate(  # the page's text, navigation, contents menus, charts and quotes (given as written) aside
        "(() => { const b = document.body.cloneNode(true); b.querySelectorAll('nav, svg, q, blockquote').forEach(n => n.remove());"
        " document.documentElement.appendChild(b); const t = b.innerText; b.remove(); return t; })()"
    )
    problems = [
        f"{name}: says {m.group(0)!r} (the build)"
        for m in re.finditer(
            r"\brun by the build\b|\bthe build\b|\b(last )?built (from|on|in) |\bnot built\b|\btolerance ±|\bcached\b",
            text,
            re.IGNORECASE,
        )
    ][:3]
    for abbr in ABBREVIATIONS:
        first = re.search(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", text)
        if first and text[first.end() : first.end() + 2] not in (" (", ", "):  # ", meaning" inside parentheses
            problems.append(
                f"{name}: {abbr} is not spelled out at its first use: {text[max(0, first.start() - 30) : first.end() + 30]!r}"
            )
    fonts = page.evaluate(
        "(() => { const n = document.querySelector('nav'), p = document.querySelector('p');"
        " return n && p ? [getComputedStyle(n).fontFamily, getComputedStyle(p).fontFamily] : null; })()"
    )
    if fonts and fonts[0] != fonts[1]:
        problems.append(f"{name}: navigation in {fonts[0]!r}, text in {fonts[1]!r}")
    nav = page.evaluate("(() => { const n = document.querySelector('nav'); return n ? n.innerText : ''; })()")
    if re.search(r"Index\W+Index", nav):
        problems.append(f"{name}: navigation reads {nav[:40]!r}")
    return problems


def test_reader_pages_use_words_a_reader_knows(site) -> None:
    root = site

    def check(contexts):
        problems = []
        for path in _pages(root):
            page = _open(contexts["desktop"], path)
            problems += _words_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


# Reader tasks (docs/reader-tasks.md): obstacles met doing the seven tasks of issue 18 at 1366×900 and 390×844.
# Each helper returns the problems it found on an open page; two tests walk the pages once per device.


def _details_problems(page, name: str) -> list[str]:
    """Open every card's "How we checked"; each value must get at least half the card's width."""
    narrow = page.evaluate(
        """(() => { document.querySelectorAll('.re-card details').forEach(d => d.open = true);
          return Array.from(document.querySelectorAll('.re-card')).flatMap(c => {
            const width = c.getBoundingClientRect().width;
            return Array.from(c.querySelectorAll('details dd')).filter(dd => dd.getBoundingClientRect().width < width / 2)
              .map(dd => [c.id, Math.round(dd.getBoundingClientRect().width), Math.round(width)]);
          }); })()"""
    )
    page.evaluate("document.querySelectorAll('.re-card details').forEach(d => d.open = false)")
    return [f"{name}: claim {cid}: a 'How we checked' value is {w} px wide in a {cw} px card" for cid, w, cw in narrow][
        :3
    ]


def _scroll_cue_problems(page, name: str) -> list[str]:
    """The right edge of a wide table's box looks different while there is more to the right (the first such table)."""
    problems = []
    for box in page.query_selector_all(".re-table-wrap.re-overflows")[:1]:
        r = box.evaluate(
            "b => { window.scrollTo(0, b.querySelector('tbody').getBoundingClientRect().top + window.scrollY - 40);"
            " const t = b.querySelector('tbody').getBoundingClientRect(), r = b.getBoundingClientRect();"
            " return {x: r.right - 6, y: t.top, h: Math.min(t.height, window.innerHeight - t.top - 1)}; }"
        )
        clip = {"x": r["x"], "y": r["y"], "width": 5, "height": r["h"]}
        with_cue = page.screenshot(clip=clip)
        box.evaluate("b => b.classList.remove('re-overflows')")
        without = page.screenshot(clip=clip)
        box.evaluate("b => b.classList.add('re-overflows')")
        if with_cue == without:
            problems.append(
                f"{name}: table {box.evaluate('b => b.innerText.slice(0, 40)')!r}: no cue shows over its rows"
            )
    return problems


def _link_look_problems(page, name: str) -> list[str]:
    """Links under a figure (PNG, SVG, data, provenance) must look like links: a colour of their own or underlined."""
    plain = page.evaluate(
        """Array.from(document.querySelectorAll('figure a')).filter(a => !a.querySelector('img, svg')).filter(a => {
          const s = getComputedStyle(a), around = getComputedStyle(a.parentElement);
          return s.color === around.color && !s.textDecorationLine.includes('underline');
        }).map(a => a.textContent.trim())"""
    )
    return [f"{name}: figure link {t!r} looks like plain text" for t in plain][:3]


def _chart_fit_problems(page, name: str) -> list[str]:
    """No chart is cut at the right (no sideways scrolling) at the page's viewport."""
    cut = page.evaluate(
        "Array.from(document.querySelectorAll('.re-chart-box')).filter(b => b.scrollWidth > b.clientWidth + 1)"
        ".map(b => { const c = b.querySelector('svg, img');"
        " return [(c.getAttribute('aria-label') || c.getAttribute('alt') || '').slice(0, 50), b.scrollWidth, b.clientWidth]; })"
    )
    return [f"{name}: chart '{label}' is {w} px wide in a {cw} px box" for label, w, cw in cut]


def _card_source_problems(page, path: Path) -> list[str]:
    """A card's "Sources" line is links (its sources' entries, else its section's references), the publisher once."""
    cards = page.evaluate(
        """Array.from(document.querySelectorAll('.re-card')).map(c => [c.id,
          Array.from(c.querySelectorAll('.re-card-meta a')).map(a => [a.getAttribute('href'), a.textContent])])"""
    )
    problems = []
    for claim, links in cards:
        if not links:
            problems.append(f"{path.name}: claim {claim}: its sources are not links")
        for href, text in links:
            if not href.startswith("#") and not (path.parent / unquote(href.split("#")[0])).exists():
                problems.append(f"{path.name}: claim {claim}: source link {href} leads nowhere")
            publisher, _, title = text.partition(": ")
            if title.startswith(publisher + ","):
                problems.append(f"{path.name}: claim {claim}: source reads {text[:60]!r} (publisher twice)")
    return problems


def _index_problems(page, root: Path) -> list[str]:
    """The index: every chart links the CSV of its series; "Sections" lists every report before the section cards."""
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('figure img[src^="figures/"]')).map(i => [i.getAttribute('src'),
          Array.from(i.closest('figure').querySelectorAll('a')).map(a => a.getAttribute('href'))])"""
    )
    problems = [] if charts else ["index.html: no chart"]
    for src, links in charts:
        data = Path(src).with_suffix(".csv").as_posix()
        if data not in links or not (root / data).exists():
            problems.append(f"index.html: chart {src} does not link the CSV of its series ({data})")
    listed = page.evaluate(
        """(() => { const h = document.getElementById('sections'); if (!h) return null;
          const first = Array.from(document.querySelectorAll('.card[id]')).find(c => h.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING);
          return Array.from(document.querySelectorAll('a[href^="html/"]')).filter(a =>
            (h.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) &&
            (!first || first.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_PRECEDING)).map(a => a.getAttribute('href')); })()"""
    )
    problems += ["index.html: no 'Sections' heading"] if listed is None else []
    missing = sorted(p.stem for p in _reports(root) if f"html/{p.name}" not in (listed or []))
    return problems + [f"index.html: section {r} is not listed under 'Sections' before the cards" for r in missing]


def _sources_section_problems(page, root: Path) -> list[str]:
    """A source entry's "read in sections" are links to their reports."""
    named = page.evaluate(
        "Array.from(document.querySelectorAll('.sources li .re-sections')).map(s => [s.closest('li').id,"
        " s.textContent, Array.from(s.querySelectorAll('a')).map(a => a.getAttribute('href'))])"
    )
    problems = [] if named else ["sources.html: no entry names its sections"]
    for entry, text, links in named:
        if not links or any(not (root / unquote(h.split("#")[0])).exists() for h in links):
            problems.append(f"sources.html: {entry}: {text!r} does not link its reports")
    return problems


def test_reader_tasks_on_a_laptop(site) -> None:
    """At 1366×900: no chart is cut, figure links look like links, cards link their sources, the index links each
    chart's data and lists its sections, the sources page links the sections reading a source."""
    root = site

    def check(contexts):
        problems = []
        for path in [root / "index.html", *_reports(root)]:
            page = _open(contexts["desktop"], path)
            problems += _chart_fit_problems(page, path.name) + _link_look_problems(page, path.name)
            problems += _card_source_problems(page, path)
            if path.name == "index.html":
                problems += _index_problems(page, root)
            page.close()
        page = _open(contexts["desktop"], root / "sources.html")
        problems += _sources_section_problems(page, root)
        page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])


def test_reader_tasks_on_a_phone(site) -> None:
    """At 390×844: "How we checked" values get at least half a card's width; a wide table's cue shows over its rows."""
    root = site

    def check(contexts):
        problems = []
        for path in [root / "index.html", *_reports(root)]:
            page = _open(contexts["phone"], path)
            problems += _details_problems(page, path.name) + _scroll_cue_problems(page, path.name)
            page.close()
        return problems

    problems = _browse(root, check)
    assert problems == [], "\n".join(problems[:40])
