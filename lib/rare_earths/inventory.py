"""The claims inventory (data/claims.csv) checked before any kernel starts: quotes, ids, and who checks each claim.

Three checks, on the columns `claim_id`, `section` and `quote` only (the rest is the schema's business):

* every quote is verbatim in the article's text (research/leads/article_text.md, the copy of ../shared/article),
  whitespace runs apart (the text is wrapped); a project folder without that file (a bare copy of data/ and
  notebooks/) is not checked for quotes;
* a claim id appears once (reported once, however many rules it breaks);
* every claim is checked by a notebook of its section, read statically: the claim ids named (as string literals)
  in the notebook's code cells and in the `rare_earths.sections` modules it imports, followed through their own
  imports of other section modules.

Standard library only: the build calls this on its way to the kernels, and a no-op build imports no pandas.
"""

from __future__ import annotations

import ast
import csv
import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import paths, pyast

CLAIM_ID = re.compile(r"C\d{2}-\d{2,}")
SECTIONS = Path(__file__).parent / "sections"
ARTICLE_TEXT = Path("research") / "leads" / "article_text.md"


@dataclass(frozen=True)
class Claim:
    """One inventory row, as this module reads it."""

    claim_id: str
    section: str
    quote: str
    line: int


def read(claims_csv: Path) -> list[Claim]:
    """The inventory's rows (line numbers as the csv module counts records, header = 1)."""
    with claims_csv.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        rows = []
        for row in reader:
            rows.append(
                Claim(row.get("claim_id") or "", row.get("section") or "", row.get("quote") or "", reader.line_num)
            )
    return rows


def _squeeze(text: str) -> str:
    """Whitespace runs as one space."""
    return " ".join(text.split())


def _closest(quote: str, text: str) -> str:
    """The passage of the article that looks most like a quote (same length, best ratio), for the message."""
    words = text.split()
    n = max(1, len(quote.split()))
    windows = [" ".join(words[i : i + n]) for i in range(0, max(1, len(words) - n + 1))]
    best = difflib.get_close_matches(_squeeze(quote), windows, n=1, cutoff=0.6)
    return f"; the article says: {best[0]!r}" if best else ""


def quote_problems(claims: list[Claim], article: Path, where: str) -> list[str]:
    """A line per quote not found verbatim in the article's text."""
    text = _squeeze(article.read_text(encoding="utf-8"))
    shown = paths.display(article)
    return [
        f"{where}, line {c.line}, column 'quote': claim {c.claim_id}'s quote is not in the article's text ({shown}): {c.quote!r}{_closest(c.quote, text)}"
        for c in claims
        if _squeeze(c.quote) not in text
    ]


def duplicate_problems(claims: list[Claim], where: str) -> list[str]:
    """A line per repeated claim id, naming every line it is on."""
    lines: dict[str, list[int]] = {}
    for c in claims:
        lines.setdefault(c.claim_id, []).append(c.line)
    return [
        f"{where}, line {at[1]}, column 'claim_id': claim id {cid} is used {len(at)} times (lines {', '.join(map(str, at))})"
        for cid, at in lines.items()
        if len(at) > 1
    ]


def _ids_and_imports(source: str) -> tuple[set[str], set[str]]:
    """Claim ids named in Python source, and the section modules it imports (by module name); one pass."""
    ids: set[str] = set()
    imported: set[str] = set()
    for node in ast.walk(pyast.parse(source)):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and CLAIM_ID.fullmatch(node.value):
                ids.add(node.value)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if (node.level == 0 and module == "rare_earths.sections") or (node.level == 1 and not module):
                imported |= {a.name for a in node.names}
            elif module.startswith("rare_earths.sections."):
                imported.add(module.split(".")[2])
            elif node.level == 1:
                imported.add(module.split(".")[0])
        elif isinstance(node, ast.Import):
            imported |= {a.name.split(".")[2] for a in node.names if a.name.startswith("rare_earths.sections.")}
    return ids, imported


@functools.lru_cache(maxsize=256)
def _module_facts(path: Path, stamp: tuple[int, int]) -> tuple[frozenset[str], frozenset[str]]:
    """Claim ids and section imports of one module file (cached while its size and mtime stay the same)."""
    ids, imported = _ids_and_imports(path.read_text(encoding="utf-8"))
    return frozenset(ids), frozenset(imported)


def _notebook_facts(notebook: Path) -> tuple[set[str], set[str]]:
    """Claim ids and section imports of a notebook's code cells (a cell that is not Python, e.g. a magic, skipped)."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    ids: set[str] = set()
    imported: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            more_ids, more = _ids_and_imports("\n".join(lines))
        except SyntaxError:
            continue
        ids |= more_ids
        imported |= more
    return ids, imported


def _table_ids(notebook: Path) -> set[str]:
    """Claim ids listed in the `claim_id` column of a CSV the notebook declares it reads (data/forecasts.csv: the
    forecasts notebook 08 scores one by one, from the table, without naming them in code)."""
    meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {}).get("rare_earths", {})
    ids: set[str] = set()
    for rel in meta.get("inputs", []):
        path = notebook.parent.parent / rel
        if not rel.endswith(".csv") or rel.endswith("claims.csv") or not path.is_file():
            continue
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if "claim_id" in (reader.fieldnames or []):
                ids |= {row["claim_id"] for row in reader if CLAIM_ID.fullmatch(row.get("claim_id") or "")}
    return ids


def checked_by(notebook: Path, sections_dir: Path = SECTIONS) -> set[str]:
    """The claim ids a notebook checks: those its code names, those of the section modules it reaches, and those of
    a claims table it reads (`_table_ids`)."""
    ids, todo = _notebook_facts(notebook)
    ids |= _table_ids(notebook)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        module = sections_dir / f"{name}.py"
        if name in seen or not module.is_file():
            continue
        seen.add(name)
        stat = module.stat()
        more_ids, more = _module_facts(module, (stat.st_mtime_ns, stat.st_size))
        ids |= more_ids
        todo |= more - seen
    return ids


def unchecked_problems(
    claims: list[Claim], notebooks: list[Path], where: str, sections: set[str] | None = None
) -> list[str]:
    """A line per claim (of `sections`, default all) that no notebook of its section checks, naming the one that should."""
    named, problems = {}, []
    for nb in notebooks:
        try:
            named[nb.stem] = checked_by(nb)
        except (OSError, UnicodeDecodeError, ValueError, SyntaxError) as exc:
            problems.append(
                f"{paths.display(nb)}: not a readable notebook ({type(exc).__name__}), so the claims it checks are unknown"
            )
            named[nb.stem] = None

    for c in claims:
        if sections is not None and c.section not in sections:
            continue
        owners = [stem for stem in named if stem[:2] == c.section]
        if any(named[stem] is None or c.claim_id in named[stem] for stem in owners):  # unreadable: named above
            continue
        elsewhere = [stem for stem, ids in named.items() if ids and c.claim_id in ids]
        should = " or ".join(owners) or f"a notebook {c.section}_* (there is none)"
        also = f" ({', '.join(elsewhere)} names it, but the claim is of section {c.section})" if elsewhere else ""
        problems.append(
            f"{where}, line {c.line}: claim {c.claim_id} ({c.quote!r}) is checked by no notebook: {should} should check it{also}"
        )
    return problems


def problems(
    project_root: Path | None = None, sections: set[str] | None = None, notebooks: list[Path] | None = None
) -> list[str]:
    """Every inventory problem of a project (empty when sound; [] without an inventory); unchecked claims of `sections` only."""
    root = Path(project_root or paths.PROJECT_ROOT)
    claims_csv, article = root / "data" / "claims.csv", root / ARTICLE_TEXT
    if not claims_csv.is_file():
        return []
    where = paths.display(claims_csv)
    try:
        claims = read(claims_csv)
    except (csv.Error, UnicodeDecodeError):
        return []  # the schema check names the file, line and column of a malformed CSV
    found = duplicate_problems(claims, where)
    if article.is_file():  # a bare copy of data/ and notebooks/ (no research/) has no article to quote from
        found += quote_problems(claims, article, where)
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")) if notebooks is None else notebooks
    return found + unchecked_problems(claims, notebooks, where, sections)


def merged(schema_problems: list[str], project_root: Path | None = None, sections: set[str] | None = None) -> list[str]:
    """The schema's problems and the inventory's, each once: a repeated claim id is named here, not once per rule."""
    own = problems(project_root, sections)
    where = paths.display(Path(project_root or paths.PROJECT_ROOT) / "data" / "claims.csv")
    if any("claim id" in p and "is used" in p for p in own):
        schema_problems = [
            p for p in schema_problems if not (p.startswith(where) and "'claim_id'" in p and "duplicate" in p)
        ]
    return list(dict.fromkeys(schema_problems + own))
