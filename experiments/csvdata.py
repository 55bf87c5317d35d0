"""A researcher's own cases as CSV, in our schema (``features.law.schema``; field names of ../shared/data/README.md).

One row per case (criminal: one defendant; civil: one judgment); the header names the fields. Conventions:

- an empty cell is unknown (``None``);
- list fields (``data_types``, ``conduct``, ``other_charges``) are a JSON array (``["identity","contact"]``) or
  ``;``-separated words (``identity; contact``);
- ``records_by_type`` is a JSON object or ``type:count`` pairs separated by ``;`` (``lodging:300; identity:20``);
- booleans are ``true``/``false`` (also ``1``/``0``, ``yes``/``no``); numbers are plain (``12000``, ``4.5``);
- ``proceeding`` is ``criminal`` (default), ``civil`` or ``public_interest``; ``case_id`` is required.

Every row is validated with ``features.law.schema.parse_case``; a failing row is reported with its line number in
the file (the header is line 1; a quoted cell may span lines) and the field, never the value (personal data).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase, parse_case
from features.tables import TABLE_PROVENANCE_COLUMNS, LoadResult, RowError, format_validation_error

LIST_FIELDS = ("data_types", "conduct", "other_charges")
KNOWN_COLUMNS = frozenset(CriminalCase.model_fields) | frozenset(CivilCase.model_fields)


def _split_list(value: str) -> list[str]:
    if value.startswith("["):
        parsed = json.loads(value)
        if not isinstance(parsed, list):
            raise ValueError("expected a JSON array")
        return [str(v) for v in parsed]
    return [part.strip() for part in value.split(";") if part.strip()]


def _split_counts(value: str) -> dict[str, Any]:
    if value.startswith("{"):
        parsed = json.loads(value)
        if not isinstance(parsed, dict):
            raise ValueError("expected a JSON object")
        return parsed
    out: dict[str, Any] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        key, sep, count = part.partition(":")
        if not sep:
            raise ValueError("expected type:count pairs separated by ;")
        out[key.strip()] = count.strip()
    return out


def row_to_case_dict(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row (header -> cell text) as a case dict for ``parse_case``; raises ValueError naming the field."""
    out: dict[str, Any] = {}
    for key, raw in row.items():
        value = raw.strip()
        if not value or key in TABLE_PROVENANCE_COLUMNS:
            continue
        try:
            if key in LIST_FIELDS:
                out[key] = _split_list(value)
            elif key == "records_by_type":
                out[key] = _split_counts(value)
            else:
                out[key] = value
        except (ValueError, json.JSONDecodeError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise ValueError(f"{key}: cannot read the cell ({reason})") from None
    return out


def load_csv(path: Path) -> LoadResult:
    """Validate every row of a CSV of cases; failing rows go to ``errors`` with file and line."""
    path = Path(path)
    result = LoadResult()
    where = str(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        result.errors.append(RowError(where, 0, f"cannot open the file ({exc.strerror})"))
        return result
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            result.errors.append(RowError(where, 1, "empty file: expected a header row of field names"))
            return result
        except (csv.Error, UnicodeDecodeError) as exc:
            result.errors.append(RowError(where, 1, f"not a readable UTF-8 CSV ({type(exc).__name__})"))
            return result
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in KNOWN_COLUMNS and h not in TABLE_PROVENANCE_COLUMNS]
        dupes = sorted({h for h in header if header.count(h) > 1})
        if unknown or dupes or "case_id" not in header:
            problems = []
            if unknown:
                problems.append(f"unknown column(s) {', '.join(unknown)}")
            if dupes:
                problems.append(f"duplicate column(s) {', '.join(dupes)}")
            if "case_id" not in header:
                problems.append("a case_id column is required")
            result.errors.append(RowError(where, 1, "; ".join(problems)))
            return result
        seen: dict[str, int] = {}
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                result.errors.append(RowError(where, start, f"unreadable row ({type(exc).__name__})"))
                break
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                result.errors.append(
                    RowError(where, start, f"{len(cells)} cells but the header has {len(header)} columns")
                )
                continue
            try:
                case = parse_case(row_to_case_dict(dict(zip(header, cells, strict=True))))
            except ValidationError as exc:
                result.errors.append(RowError(where, start, format_validation_error(exc)))
                continue
            except ValueError as exc:
                result.errors.append(RowError(where, start, str(exc)))
                continue
            if case.case_id is None:
                result.errors.append(RowError(where, start, "case_id: required in a data file"))
                continue
            if case.case_id in seen:
                result.errors.append(
                    RowError(where, start, f"case_id: duplicate of the row at line {seen[case.case_id]}")
                )
                continue
            seen[case.case_id] = start
            if case.group_id is None:
                case.group_id = case.case_id
            result.cases.append(case)
    return result
