"""Loading cases from JSON-lines files with validation; a row that fails is reported with its line.

Seed data lives in the repository's ``seeds/`` folder (``EXPOSURE_SEEDS_DIR`` overrides): ``seeds/cases``
(the project's hand-coded real cases) and ``seeds/documents`` (cases hand-coded from the five seed documents).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase, parse_case

CaseModel = CriminalCase | CivilCase

# Columns of ingested tables (``exposure ingest``) that say where a row came from; not case fields.
# ``evidence`` (judgment ingestion): JSON of field -> confidence and spans of the judgment text.
TABLE_PROVENANCE_COLUMNS = ("source_file", "source_line", "evidence")


@dataclass(frozen=True)
class RowError:
    """A row that could not be loaded: where it is and why (field names only, never the values)."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class LoadResult:
    cases: list[CaseModel] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def for_training(self) -> LoadResult:
        """The same cases without rows marked ``duplicate_of`` another (they would be counted twice) and without
        ``synthetic`` rows (made for scale tests only; their outcomes are drawn, not observed)."""
        return LoadResult(
            cases=[c for c in self.cases if c.duplicate_of is None and not c.synthetic], errors=list(self.errors)
        )

    @property
    def n_synthetic(self) -> int:
        return sum(1 for c in self.cases if c.synthetic)

    @property
    def criminal(self) -> list[CriminalCase]:
        return [c for c in self.cases if isinstance(c, CriminalCase)]

    @property
    def civil(self) -> list[CivilCase]:
        return [c for c in self.cases if isinstance(c, CivilCase)]


def describe_validation_error(exc: ValidationError) -> list[dict[str, str]]:
    """Field-by-field reasons of a validation error, without echoing input values (they may be personal data)."""
    out: list[dict[str, str]] = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = [str(p) for p in err["loc"]]
        if loc and loc[0] in ("criminal", "civil", "public_interest"):
            loc = loc[1:]  # the discriminated-union tag is noise for users
        if len(loc) >= 2 and loc[-1] == "[key]":
            loc = [*loc[:-2], "[key]"]  # an invalid dict key is an input value: name where it is, not what
        reason = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "union_tag_invalid":  # pydantic's message quotes the input tag
            ctx = err.get("ctx", {})
            loc = [str(ctx.get("discriminator", "proceeding")).strip("'")]
            reason = f"should be one of {ctx.get('expected_tags', 'the known proceedings')}"
        out.append({"field": ".".join(loc) or "(case)", "reason": reason})
    return out


def format_validation_error(exc: ValidationError) -> str:
    return "; ".join(f"{e['field']}: {e['reason']}" for e in describe_validation_error(exc))


def seeds_dir() -> Path:
    """The seed data folder: ``$EXPOSURE_SEEDS_DIR`` or the repository's ``seeds/``."""
    env = os.environ.get("EXPOSURE_SEEDS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "seeds"


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Yield (line number, object or error) for each non-blank line of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield lineno, RowError(str(path), lineno, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(obj, dict):
                yield lineno, RowError(str(path), lineno, "a line must hold one JSON object")
                continue
            yield lineno, obj


def load_jsonl(paths: Iterable[Path]) -> LoadResult:
    """Validate every row of the given files; failing rows go to ``errors`` with file and line."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for path in paths:
        for lineno, item in iter_jsonl(path):
            if isinstance(item, RowError):
                result.errors.append(item)
                continue
            item = {k: v for k, v in item.items() if k not in TABLE_PROVENANCE_COLUMNS}
            try:
                case = parse_case(item)
            except ValidationError as exc:
                result.errors.append(RowError(str(path), lineno, format_validation_error(exc)))
                continue
            if case.case_id is None:
                result.errors.append(RowError(str(path), lineno, "case_id: required in a data file"))
                continue
            where = f"{path}:{lineno}"
            if case.case_id in seen:
                result.errors.append(
                    RowError(str(path), lineno, f"case_id: duplicate of the row at {seen[case.case_id]}")
                )
                continue
            seen[case.case_id] = where
            if case.group_id is None:
                case.group_id = case.case_id
            result.cases.append(case)
    return result


def seed_files(root: Path | None = None) -> list[Path]:
    root = root or seeds_dir()
    # seeds/examples holds inputs for the README's commands (no outcomes, no sources): never seed data
    return sorted(p for p in root.rglob("*.jsonl") if p.is_file() and "examples" not in p.relative_to(root).parts)


def load_seeds(root: Path | None = None) -> LoadResult:
    """All seed cases (criminal and civil) with their load errors."""
    return load_jsonl(seed_files(root))


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as a case dict: provenance and nulls (NaN included) dropped, map columns as dicts."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in TABLE_PROVENANCE_COLUMNS or value is None:
            continue
        if isinstance(value, float) and value != value:  # NaN written by pandas for a missing number
            continue
        if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            value = dict(value)  # Arrow map column
        out[key] = value
    return out


def load_table(path: Path) -> LoadResult:
    """Cases of a table written by ``exposure ingest`` (Parquet, or JSON lines for any other suffix).

    Provenance columns (``TABLE_PROVENANCE_COLUMNS``) are dropped; every row is validated like a seed row and
    a failing row is reported with its row number (1-based).
    """
    path = Path(path)
    if path.suffix != ".parquet":
        return load_jsonl([path])
    import pyarrow.parquet as pq

    result = LoadResult()
    seen: dict[str, int] = {}
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError variants for unreadable files
        result.errors.append(RowError(str(path), 0, f"not a readable Parquet file ({type(exc).__name__})"))
        return result
    rowno = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            rowno += 1
            try:
                case = parse_case(_table_row(row))
            except ValidationError as exc:
                result.errors.append(RowError(str(path), rowno, format_validation_error(exc)))
                continue
            if case.case_id is None:
                result.errors.append(RowError(str(path), rowno, "case_id: required in a data file"))
                continue
            if case.case_id in seen:
                result.errors.append(RowError(str(path), rowno, f"case_id: duplicate of row {seen[case.case_id]}"))
                continue
            seen[case.case_id] = rowno
            if case.group_id is None:
                case.group_id = case.case_id
            result.cases.append(case)
    return result
