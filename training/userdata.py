"""The user's own training rows: ``$EXPOSURE_HOME/data/rows.jsonl`` (``exposure data add``), never the repository's seeds/.

Rows are validated like seed rows (:func:`features.tables.load_jsonl`: provenance columns such as ``evidence`` are
kept in the file but are not case fields) and de-duplicated by (case number, defendant), or by ``case_id`` when a
row has no case number: a row already in the user's data, in the seeds or earlier in the same call is skipped and
counted. The file is rewritten atomically (a temporary file renamed), so an interrupted add leaves it as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from features.law.schema import parse_case
from features.store import exposure_home
from features.tables import (
    TABLE_PROVENANCE_COLUMNS,
    LoadResult,
    RowError,
    format_validation_error,
    iter_jsonl,
    load_jsonl,
    load_seeds,
    seeds_dir,
)

ROWS_NAME = "rows.jsonl"


class AddReport(BaseModel):
    path: str
    read: int = 0
    added: int = 0
    duplicates: int = 0
    invalid: list[str] = Field(default_factory=list, description="file:line: field: reason (never the values)")
    total: int = Field(0, description="rows in the user's data after the add")


def user_data_dir() -> Path:
    return exposure_home() / "data"


def user_rows_path() -> Path:
    """``$EXPOSURE_HOME/data/rows.jsonl``; refused if it would lie inside the repository's seeds/ folder."""
    path = user_data_dir() / ROWS_NAME
    seeds = seeds_dir().resolve()
    if path.resolve().is_relative_to(seeds):
        raise ValueError(f"EXPOSURE_HOME must not be inside the seed folder {seeds}: seeds are never written")
    return path


def row_key(row: dict[str, Any]) -> str:
    """(case number, defendant), or the case id for a row without a case number."""
    number = str(row.get("case_number") or "").strip().replace(" ", "")
    if number:
        return f"{number}|{str(row.get('defendant') or '').strip()}"
    return f"id:{row.get('case_id')}"


def load_user_rows() -> LoadResult:
    """The user's rows (empty when there are none), validated."""
    path = user_rows_path()
    return load_jsonl([path]) if path.is_file() else LoadResult()


def add_rows(paths: Iterable[Path]) -> AddReport:
    """Add the valid, new rows of ``paths`` (JSON lines, e.g. a reviewed ``rows.jsonl`` of ``exposure ingest
    judgments``) to the user's data; invalid rows are listed by file, line and field, nothing of them is added."""
    target = user_rows_path()
    report = AddReport(path=str(target))
    existing: list[str] = []
    keys: set[str] = set()
    ids: set[str] = set()
    if target.is_file():
        for _, item in iter_jsonl(target):
            if isinstance(item, dict):
                existing.append(json.dumps(item, ensure_ascii=False))
                keys.add(row_key(item))
                ids.add(str(item.get("case_id")))
    for case in load_seeds().cases:
        keys.add(row_key(case.model_dump()))
        ids.add(str(case.case_id))
    new: list[str] = []
    for path in paths:
        for lineno, item in iter_jsonl(path):
            report.read += 1
            if isinstance(item, RowError):
                report.invalid.append(str(item))
                continue
            fields = {k: v for k, v in item.items() if k not in TABLE_PROVENANCE_COLUMNS}
            try:
                case = parse_case(fields)
            except ValidationError as exc:
                report.invalid.append(f"{path}:{lineno}: {format_validation_error(exc)}")
                continue
            if case.case_id is None:
                report.invalid.append(f"{path}:{lineno}: case_id: required in a data file")
                continue
            key = row_key(item)
            if key in keys or str(case.case_id) in ids:
                report.duplicates += 1
                continue
            keys.add(key)
            ids.add(str(case.case_id))
            new.append(json.dumps(item, ensure_ascii=False))
    report.added = len(new)
    report.total = len(existing) + len(new)
    if new:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_text("".join(line + "\n" for line in [*existing, *new]), encoding="utf-8")
        os.replace(tmp, target)
    return report


__all__ = ["AddReport", "add_rows", "load_user_rows", "row_key", "user_data_dir", "user_rows_path"]
