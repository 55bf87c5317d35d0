"""Converting between the forms a batch of cases arrives in: models, dicts, or a pandas DataFrame of case rows.

Rows are read by :func:`features.tables.clean_row` (the one reader's conventions: lists as arrays or JSON text,
``records_by_type`` as a map, JSON text or Arrow pairs; missing values dropped).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from features.law.schema import CaseBase, CivilCase, CriminalCase, parse_case
from features.tables import LIST_FIELDS, clean_row

CaseModel = CriminalCase | CivilCase
CaseInput = pd.DataFrame | Sequence[CaseModel] | Sequence[dict[str, Any]]

__all__ = ["LIST_FIELDS", "CaseInput", "CaseModel", "as_cases", "cases_to_frame"]


def as_cases(X: CaseInput, default_proceeding: str = "criminal") -> list[CaseModel]:
    """Validate a batch of cases given as models, dicts or a DataFrame (raises ValidationError on bad rows)."""
    if isinstance(X, pd.DataFrame):
        items: Iterable[Any] = (clean_row(r) for r in X.to_dict(orient="records"))
    else:
        items = X
    out: list[CaseModel] = []
    for item in items:
        if isinstance(item, CaseBase):
            out.append(item)  # type: ignore[arg-type]
            continue
        obj = clean_row(item)
        obj.setdefault("proceeding", default_proceeding)
        out.append(parse_case(obj))
    return out


def cases_to_frame(cases: Sequence[CaseModel]) -> pd.DataFrame:
    """The DataFrame form of cases (for MLflow datasets and Parquet tables); ``records_by_type`` as JSON text."""
    rows = []
    for case in cases:
        row = case.model_dump(mode="json")
        if row.get("records_by_type") is not None:
            row["records_by_type"] = json.dumps(row["records_by_type"], ensure_ascii=False)
        rows.append(row)
    return pd.DataFrame(rows)
