"""'Cite this' on every page: title, maintainers, version (commit and its date), the date the data end, the URL.

The URL comes from one setting: the environment variable RARE_EARTHS_SITE_URL, else `url` in the
`[tool.rare_earths]` table of pyproject.toml; unset, the block says the collection has no public address yet and
to cite the commit. BibTeX and plain-text forms each have a copy button (site.js).
"""

from __future__ import annotations

import csv
import html
import os
import subprocess
import tomllib
from functools import lru_cache
from pathlib import Path

from .. import paths

TITLE = "China's rare earth pricing power (2024–2026): a sourced notebook collection"
UNSET_URL = "no public address yet: cite the commit"
SERIES_END = (  # (label, data file, column): the latest observation of each main series
    ("customs exports", "china_exports_monthly.csv", "month"),
    ("prices", "prices.csv", "date"),
    ("USGS annual data", "usgs_world_production.csv", "year"),
)


def settings() -> dict[str, object]:
    """The `[tool.rare_earths]` table of the project's pyproject.toml (empty when there is none)."""
    return _settings(paths.PROJECT_ROOT / "pyproject.toml")


@lru_cache(maxsize=4)
def _settings(path: Path) -> dict[str, object]:
    """The `[tool.rare_earths]` table of one pyproject.toml, read once per process (and per build: render.py)."""
    if not path.exists():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("rare_earths", {})


def site_url() -> str:
    """The collection's public address ('' when unset)."""
    return (os.environ.get("RARE_EARTHS_SITE_URL") or str(settings().get("url") or "")).strip()


def maintainers() -> list[str]:
    return [str(m) for m in settings().get("maintainers", [])] or ["the collection's maintainers"]


@lru_cache(maxsize=1)
def version(root: Path | None = None) -> tuple[str, str]:
    """(commit, its date YYYY-MM-DD) of the project's HEAD, or ('unknown', '') outside git."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%H %cs", "HEAD"],
            cwd=root or paths.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown", ""
    parts = done.stdout.split()
    return (parts[0], parts[1]) if done.returncode == 0 and len(parts) == 2 else ("unknown", "")


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _when(text: str) -> str:
    """An ISO year, month or day as a reader writes it: '2025', 'March 2026', '5 February 2026' (in English)."""
    if len(text) == 4:
        return text
    month = f"{MONTHS[int(text[5:7]) - 1]} {text[:4]}"
    return month if len(text) == 7 else f"{int(text[8:10])} {month}"


@lru_cache(maxsize=1)
def data_end(data_dir: Path | None = None) -> str:
    """When the data end, series by series: 'customs exports March 2026; prices 1 January 2026; USGS annual data 2025'."""
    folder = data_dir or paths.DATA_DIR
    parts = []
    for label, file, column in SERIES_END:
        try:
            with open(folder / file, encoding="utf-8", newline="") as f:
                values = [r[column].split(".")[0] for r in csv.DictReader(f) if r.get(column)]
        except (OSError, ValueError, KeyError):  # missing, or broken (the build reports a broken data file)
            continue
        if values:
            parts.append(f"{label} {_when(max(values))}")
    return "; ".join(parts) or "not known"


def bibtex_name(name: str) -> str:
    """A maintainer as BibTeX reads it: 'Family, Given' is a person; anything else an organisation, kept whole in braces."""
    return name if "," in name else f"{{{name}}}"


def forms(page_title: str = "") -> dict[str, str]:
    """The plain-text and BibTeX citations."""
    commit, date = version()
    url = site_url()
    year = date[:4] or "n.d."
    who = ", ".join(maintainers())
    title = TITLE + (f": {page_title}" if page_title and page_title not in TITLE else "")
    plain = f"{who} ({year}). {title}. Version {commit[:12]}{f' of {date}' if date else ''}. Data end: {data_end()}. {url or UNSET_URL[0].upper() + UNSET_URL[1:]}."
    bibtex = (
        f"@misc{{rare_earths_{commit[:7]},\n  title = {{{title}}},\n  author = {{{' and '.join(bibtex_name(m) for m in maintainers())}}},\n"
        f"  year = {{{year}}},\n  note = {{Version {commit[:12]}{f' of {date}' if date else ''}; data end: {data_end()}}},\n"
        f"  howpublished = {{{url or UNSET_URL}}}\n}}"
    )
    return {"plain": plain, "bibtex": bibtex}


def block(page_title: str = "") -> str:
    """The 'Cite this' block of a page."""
    e = html.escape
    commit, date = version()
    url = site_url()
    f = forms(page_title)
    link = f'<a href="{e(url)}">{e(url)}</a>' if url else e(UNSET_URL)
    return (
        '<section class="re-cite" id="cite" aria-label="cite this"><h2>Cite this</h2><dl>'
        f"<dt>Title</dt><dd>{e(TITLE)}</dd><dt>Maintainers</dt><dd>{e(', '.join(maintainers()))}</dd>"
        f"<dt>Version</dt><dd>commit <code>{e(commit[:12])}</code>{f' of {e(date)}' if date else ''}</dd>"
        f"<dt>Data end</dt><dd>{e(data_end())}</dd><dt>URL</dt><dd>{link}</dd></dl>"
        f'<p>Plain text <button type="button" data-copy="cite-plain" data-label="Copy">Copy</button></p>'
        f'<pre id="cite-plain">{e(f["plain"])}</pre>'
        f'<p>BibTeX <button type="button" data-copy="cite-bibtex" data-label="Copy">Copy</button></p>'
        f'<pre id="cite-bibtex">{e(f["bibtex"])}</pre></section>'
    )


def data_end_line() -> str:
    """One line under a page's title: when its data end."""
    return f'<p class="re-data-end">Data end: {html.escape(data_end())}.</p>'
