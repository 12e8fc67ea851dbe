"""Notebook parameters, checked by the same rules wherever a notebook runs: the build's command line
(before any kernel starts) and the kernel itself (papermill, nbconvert, JupyterLab's Run All).

A notebook declares its parameters in the cell tagged `parameters`, one per line:

    name = default  # what it means (its source) [allowed: RULE, RULE]

The type is the annotation if there is one, else the default's type. The optional `[allowed: ...]` rules,
comma separated: `at least X`, `above X`, `at most X`, `below X`, `not before X` (X a number, or another
parameter's name: `not before window_start`), `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (a date written so),
`one of a|b|c`. Words, not `>=`: papermill cannot read a parameters line whose comment holds `=`, `<` or `>`.
A float is always finite (no NaN, no inf).

The first code cell of every notebook calls `check(NOTEBOOK, globals())`: it compares the names papermill
injected (the cell tagged `injected-parameters`, which starts with `# Parameters`) with the declared ones,
converts and checks each value, and says where this run writes its figures and tables.
Standard library only: the build imports it before any kernel starts.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import math
import os
import re
import tokenize
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import paths, pyast

TYPES = {"int": int, "float": float, "str": str, "bool": bool}
OUTPUT_PARAMETER = "output_dir"
BUILD_ENV = "RARE_EARTHS_BUILD"  # set by the build for its kernels: their outputs go to the build's staging folder
INJECTED_HEADER = "# Parameters"  # papermill's first line of the injected cell (Python translator)
DATE_FORMATS = {"YYYY": r"\d{4}", "YYYY-MM": r"\d{4}-\d{2}", "YYYY-MM-DD": r"\d{4}-\d{2}-\d{2}"}
_ALLOWED = re.compile(r"\[allowed:\s*([^\]]*)\]")
_COMPARE = re.compile(r"(at least|not before|above|at most|below)\s+(\S+)")
_OPERATORS = {"at least": ">=", "not before": ">=", "above": ">", "at most": "<=", "below": "<"}


class ParameterError(ValueError):
    """A parameter name or value that the notebook does not accept."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter: its name, type, default (as written), description and allowed values."""

    name: str
    type_name: str
    default: str
    description: str
    allowed: tuple[str, ...]

    def describe(self) -> str:
        """One line for `python -m rare_earths params`."""
        rules = f"; allowed: {', '.join(self.allowed)}" if self.allowed else ""
        return f"{self.name} ({self.type_name}) = {self.default}{rules}" + (
            f"  # {self.description}" if self.description else ""
        )


def parse_cell(source: str) -> dict[str, Parameter]:
    """The parameters declared by the source of a `parameters` cell, in order."""
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string.lstrip("#").strip()
    lines = source.splitlines()
    declared = {}
    for node in pyast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, annotation = node.targets[0].id, node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value, annotation = node.target.id, node.value, ast.unparse(node.annotation)
        else:
            continue
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)  # a wrapped assignment: its comment inside
        comment = " ".join(comments[n] for n in span if n in comments)
        allowed = _ALLOWED.search(comment)
        rules = tuple(r.strip() for r in allowed.group(1).split(",") if r.strip()) if allowed else ()
        description = _ALLOWED.sub("", comment).strip()
        default = ast.get_source_segment(source, value) or lines[node.lineno - 1]
        declared[name] = Parameter(name, annotation or _literal_type(value), default, description, rules)
    return declared


def _literal_type(node: ast.expr) -> str:
    """The type name of a default written as a literal ('unknown' when it is not one)."""
    try:
        return type(pyast.literal_eval(node)).__name__
    except (ValueError, SyntaxError):
        return "unknown"


def declared(notebook: Path) -> dict[str, Parameter]:
    """The parameters of a notebook file (its cell tagged `parameters`); ParameterError when it has none."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ParameterError(f"{Path(notebook).name}: not a readable notebook (invalid JSON: {exc})") from None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            return parse_cell(source)
    raise ParameterError(f"{Path(notebook).name}: no cell tagged 'parameters'")


def unknown_name(notebook: str, name: str, names: list[str]) -> str:
    """The message for a parameter a notebook does not declare, with a 'did you mean' when one is close."""
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{notebook}: unknown parameter {name!r}{hint} (declared: {', '.join(names) or 'none'})"


def coerce(notebook: str, name: str, raw: Any, type_name: str) -> Any:
    """Convert a value (a command-line string, or what papermill injected) to the declared type, or raise ParameterError."""
    kind = TYPES.get(type_name.replace("None", "").strip(" |") or "str")
    if kind is None:
        raise ParameterError(
            f"{notebook}: parameter {name!r} has a type ({type_name}) that cannot be set from the command line"
        )
    if not isinstance(raw, str):
        if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
            return raw
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        raw = str(raw)
    try:
        if kind is bool:
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        return kind(raw)
    except ValueError:
        raise ParameterError(f"{notebook}: parameter {name!r} expects {type_name}, got {raw!r}") from None


def check_values(notebook: str, values: dict[str, Any], declared: dict[str, Parameter]) -> None:
    """Refuse values with no meaning (NaN, out of the declared range, not a date), naming the parameter."""
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParameterError(f"{notebook}: parameter {name!r} must be a finite number, got {value!r}")
        for rule in declared[name].allowed if name in declared else ():
            problem = _breaks(rule, value, values)
            if problem:
                raise ParameterError(
                    f"{notebook}: parameter {name!r} = {value!r} {problem} (allowed: {', '.join(declared[name].allowed)})"
                )


def _breaks(rule: str, value: Any, values: dict[str, Any]) -> str:
    """Why a value breaks one allowed-rule ('' when it does not)."""
    if rule in DATE_FORMATS:
        if not (isinstance(value, str) and re.fullmatch(DATE_FORMATS[rule], value)):
            return f"is not written {rule}"
        try:
            date.fromisoformat(
                value if rule == "YYYY-MM-DD" else value + "-01" if rule == "YYYY-MM" else value + "-01-01"
            )
        except ValueError:
            return f"is not a real date ({rule})"
        return ""
    if rule.startswith("one of "):
        options = rule.removeprefix("one of ").split("|")
        return "" if str(value) in options else f"is not one of {options}"
    match = _COMPARE.fullmatch(rule)
    if not match:
        raise ParameterError(f"unreadable allowed rule {rule!r}")
    words, bound_text = match.groups()
    op = _OPERATORS[words]
    bound: Any = values.get(bound_text, bound_text) if bound_text in values else _number(bound_text)
    ok = {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound}[op]
    return "" if ok else f"must be {words} {bound_text}" + (f" ({bound!r})" if bound_text in values else "")


def _number(text: str) -> float:
    """A numeric bound of an allowed rule."""
    try:
        return float(text)
    except ValueError:
        raise ParameterError(f"allowed rule bound {text!r} is neither a number nor a parameter") from None


def injected_names(history: list[str]) -> list[str]:
    """The names papermill injected: assignments of the last executed cell that starts with '# Parameters'."""
    for source in reversed(history or []):
        if isinstance(source, str) and source.lstrip().startswith(INJECTED_HEADER):
            try:
                tree = pyast.parse(source)
            except SyntaxError:
                return []
            return [
                t.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name)
            ]
    return []


def check(notebook: str, namespace: dict[str, Any], notebooks_dir: Path | None = None) -> Path:
    """Check this run's parameters in the kernel and return the folder its figures and tables go to.

    Unknown injected names (with a 'did you mean'), wrong types and values with no meaning raise
    ParameterError. Values are converted to the declared types in `namespace`. A run outside the build
    writes to outputs/scratch/<notebook>/ unless `output_dir` is set; the first output line says where.
    """
    candidates = [(notebooks_dir or paths.NOTEBOOKS_DIR) / f"{notebook}.ipynb", Path.cwd() / f"{notebook}.ipynb"]
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        raise ParameterError(
            f"{notebook}: cannot find {notebook}.ipynb to read its declared parameters (looked in the project's notebooks/ and here)"
        )
    declared_here = declared(found)
    for name in injected_names(namespace.get("In", [])):
        if name not in declared_here:
            raise ParameterError(unknown_name(notebook, name, list(declared_here)))
    values = {}
    for name, parameter in declared_here.items():
        if name in namespace:
            values[name] = namespace[name] = coerce(notebook, name, namespace[name], parameter.type_name)
    check_values(notebook, values, declared_here)
    chosen = values.get(OUTPUT_PARAMETER, "")
    if os.environ.get(BUILD_ENV):
        print(f"{notebook}: run by the build; figures and tables go to the build's outputs folder.")
        return Path(chosen or ".")
    out = paths.output_dir(chosen, notebook)
    where = f"{paths.display(out)}/" if not chosen else chosen
    print(
        f"{notebook}: run outside the build; figures and tables go to {where} (the build's outputs are not touched; set output_dir to choose)."
    )
    return out
