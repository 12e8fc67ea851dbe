"""Refresh docs/screenshots/ from a built outputs/ folder: a maintainer's tool, not run by the tests.

Run it after `make report` with `.venv/bin/python benchmarks/screenshots.py` (optionally `--site PATH` for another
built folder). It opens the pages in the system Chromium, as tests/test_browser.py does (network cut off), and writes
viewport captures, never full pages, at the sizes of the reader tasks (docs/reader-tasks.md): a 1366×900 laptop and
a 390×844 phone (device scale factor 2, touch, a mobile user agent).
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
}
SHOTS = (  # (file, device, page, JavaScript run before the capture: where the reader has got to)
    ("index.png", LAPTOP, "index.html", ""),
    ("report.png", LAPTOP, "html/03_prices.html", ""),
    ("phone-index.png", PHONE, "index.html", ""),
    ("phone-report.png", PHONE, "html/03_prices.html", ""),
    (
        "phone-report-table.png",
        PHONE,
        "html/03_prices.html",
        "document.getElementById('How-far-apart-were-Europe-and-China?').scrollIntoView()",
    ),
    (
        "phone-claim.png",
        PHONE,
        "html/03_prices.html",
        "(() => { const c = document.getElementById('C03-04'); c.querySelector('details').open = true;"
        " c.scrollIntoView(); })()",
    ),
)


def capture(site: Path, out: Path) -> list[Path]:
    """Write every screenshot of SHOTS into `out`; returns the files written."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        raise SystemExit("no Chromium found (install Debian's 'chromium')")
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for name, device, page_path, script in SHOTS:
            context = browser.new_context(offline=True, **device)
            context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
            page = context.new_page()
            page.goto((site / page_path).as_uri(), wait_until="load")
            if script:
                page.evaluate(script)
            page.wait_for_timeout(300)
            page.screenshot(path=out / name)
            written.append(out / name)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "outputs", help="a built outputs/ folder")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for path in capture(args.site, args.out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {path.stat().st_size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
