"""Fail on legal numbers written into code instead of read from the law table (features/law/law_2017.toml).

Every legal number (thresholds, multipliers, money, month ranges, probation limits, the Art. 12 multiple, the
dates, the guideline's fractions) has one home, the law table; code reads it through
``features.law.table.load_law_table()``. This check walks the Python files under ``features/``, ``serving/`` and
``training/`` (or the paths given) and reports:

- a number literal whose value is one of the table's, or one derived from them (a threshold times the insider
  and the "especially serious" multipliers, the year of a date and the year after it):
  - values of 25 or more (36, 84, 50, 500, 5,000, 50,000, 2,500, 2015, ...) wherever they appear;
  - smaller values (0.5, 0.2, 6, 12, 10, ...) only in a legal context: when the statement's source lines name
    a legal notion (months, yuan, records, threshold, probation, detention, insider, surrender, Art. ...);
  0 and 1, and whole numbers below 6 (2, 3, 5: rounding digits and counts everywhere), are never reported; the
  baseline's conventions ([baseline], [variants]: not law) are not legal values;
- a string (not a docstring) that spells such a number of 25 or more (``"up to 36 months"``, ``"50,000 yuan"``)
  or one of the table's dates (``"2015-11-01"``); a year inside a citation's name (``"Interp. 2017"``,
  ``"法发〔2021〕21号"``) is a name, not a number.

A number that is not law is marked on its line with ``# not-law: <reason>`` (the reason is required), e.g.
``DEFAULT_CHUNK_ROWS = 5000  # not-law: rows per batch``. Docstrings and comments are free text and not checked.

Usage: ``python scripts/check_law_literals.py [PATH ...]``; exit status 1 when something is reported.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "features" / "law" / "law_2017.toml"
DEFAULT_PATHS = ("features", "serving", "training")
ALWAYS_FROM = 25  # values at or above are reported anywhere; below, only in a legal context
NEVER = {0.0, 1.0}
SMALL_INTEGERS_BELOW = 6
CONVENTIONS = ("baseline", "variants")  # sections of the table that are the project's conventions, not law
DATE_SECTIONS = ("dates",)  # sections whose dates' years (and the year after) are legal numbers
CITATION_BEFORE = re.compile(r"(?:Interp\.|法释〔|法发〔|〔)\s*$")
CITATION_AFTER = re.compile(r"\s*(?:Interpretation|〕)")
MARK = re.compile(r"#\s*not-law:\s*\S")
CONTEXT = re.compile(
    r"month|yuan|record|threshold|probation|detention|prison|custod|insider|surrender|confession|plea|restitution"
    r"|accessory|attempt|recidiv|adjust|reduction|guideline|penalt|sentence|\bfine|gains|\bband|\bart\.|interp"
    r"|law|multiple|ringleader|exempt|vulnerable|victim",
    re.IGNORECASE,
)
NUMBER_IN_TEXT = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\w,])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    col: int
    value: str
    why: str

    def __str__(self) -> str:
        rel = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return f"{rel}:{self.line}:{self.col}: {self.value}: {self.why}"


def _leaves(obj: Any) -> Iterator[Any]:
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _leaves(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v)
    else:
        yield obj


def legal_values(table: Path = TABLE) -> tuple[set[float], set[str]]:
    """The numbers of the law table and those derived from them; the table's dates (ISO strings)."""
    raw = tomllib.loads(table.read_text("utf-8"))
    numbers: set[float] = set()
    dates: set[str] = set()
    for section, content in raw.items():
        if section in CONVENTIONS:
            continue
        for leaf in _leaves(content):
            if isinstance(leaf, bool):
                continue
            if isinstance(leaf, int | float):
                numbers.add(abs(float(leaf)))
            elif isinstance(leaf, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", leaf):
                dates.add(leaf)
                if section in DATE_SECTIONS:
                    year = int(leaf[:4])
                    numbers.update({float(year), float(year + 1)})
    insider = float(raw["multipliers"]["insider"])
    ten = float(raw["multipliers"]["especially_serious"])
    # Art. 5(1)(8) and 5(2)(3): the numbers of items (3)-(7) halved for insiders and ten times for "especially"
    bases = [float(c["serious_records"]) for c in raw["categories"].values()]
    bases.append(float(raw["money"]["serious_gains_yuan"]))
    for base in bases:
        numbers.update({base * insider, base * ten, base * insider * ten})
    small = {n for n in numbers if n.is_integer() and n < SMALL_INTEGERS_BELOW}
    return numbers - NEVER - small, dates


def _docstring_nodes(tree: ast.AST) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                out.add(id(first.value))
    return out


def _statement_lines(tree: ast.AST) -> dict[int, tuple[int, int]]:
    """For every node, the line span of the innermost statement that contains it."""
    spans: dict[int, tuple[int, int]] = {}

    def visit(node: ast.AST, span: tuple[int, int] | None) -> None:
        if isinstance(node, ast.stmt):
            end = node.end_lineno or node.lineno
            # a compound statement's context is its header, not its whole body
            if isinstance(
                node, ast.If | ast.For | ast.While | ast.With | ast.Try | ast.FunctionDef | ast.ClassDef
            ):
                end = node.lineno
            span = (node.lineno, end)
        if span is not None:
            spans[id(node)] = span
        for child in ast.iter_child_nodes(node):
            visit(child, span)

    visit(tree, None)
    return spans


def _marked(lines: list[str], start: int, end: int) -> bool:
    return any(MARK.search(lines[i - 1]) for i in range(start, min(end, len(lines)) + 1))


def _text_numbers(text: str) -> Iterator[float]:
    for m in NUMBER_IN_TEXT.finditer(text):
        if CITATION_BEFORE.search(text[: m.start()]) or CITATION_AFTER.match(text, m.end()):
            continue
        try:
            yield float(m.group(0).replace(",", ""))
        except ValueError:
            continue


def check_file(path: Path, numbers: set[float], dates: set[str]) -> list[Finding]:
    source = path.read_text("utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    docstrings = _docstring_nodes(tree)
    statements = _statement_lines(tree)
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in docstrings:
            continue
        start, end = node.lineno, node.end_lineno or node.lineno
        if _marked(lines, start, end):
            continue
        value = node.value
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            v = abs(float(value))
            if v not in numbers:
                continue
            if v >= ALWAYS_FROM:
                findings.append(Finding(path, start, node.col_offset, repr(value), "a number of the law table"))
                continue
            s_start, s_end = statements.get(id(node), (start, end))
            context = "\n".join(lines[s_start - 1 : s_end])
            if CONTEXT.search(context) and not _marked(lines, s_start, s_end):
                findings.append(
                    Finding(
                        path, start, node.col_offset, repr(value), "a number of the law table in a legal context"
                    )
                )
        elif isinstance(value, str):
            found = [d for d in dates if d in value]
            found += [_fmt(n) for n in _text_numbers(value) if n >= ALWAYS_FROM and n in numbers]
            if found:
                findings.append(
                    Finding(path, start, node.col_offset, ", ".join(found), "a legal number spelled in a string")
                )
    return findings


def _fmt(n: float) -> str:
    return f"{n:g}"


def python_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        elif path.suffix == ".py":
            out.append(path)
    return out


def check(paths: Iterable[Path], table: Path = TABLE) -> list[Finding]:
    numbers, dates = legal_values(table)
    findings: list[Finding] = []
    for path in python_files(paths):
        findings += check_file(path, numbers, dates)
    return findings


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [REPO / p for p in DEFAULT_PATHS]
    findings = check(paths)
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"{len(findings)} legal number(s) in code: read them from load_law_table() "
            "(features/law/law_2017.toml), or mark a number that is not law with '# not-law: <reason>'",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
