"""Converting between the forms a batch of cases arrives in: models, dicts, or a pandas DataFrame of case rows.

MLflow pyfunc models and Spark UDFs receive a DataFrame whose columns are case fields; list fields are arrays
and ``records_by_type`` may be a JSON string (a map column does not survive every serving path).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from features.law.schema import CaseBase, CivilCase, CriminalCase, parse_case

CaseModel = CriminalCase | CivilCase
CaseInput = pd.DataFrame | Sequence[CaseModel] | Sequence[dict[str, Any]]

LIST_FIELDS = ("data_types", "conduct", "other_charges")


def _clean_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if key == "records_by_type" and isinstance(value, str):
        return json.loads(value) if value.strip() else None
    if key in LIST_FIELDS:
        if isinstance(value, str):
            return json.loads(value) if value.strip().startswith("[") else [value]
        return list(value)
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        return value.item()  # numpy scalar
    return value


def row_to_dict(row: dict[Any, Any]) -> dict[str, Any]:
    """Drop missing values (NaN/None) and decode JSON-encoded fields of one DataFrame row."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        cleaned = _clean_value(str(key), value)
        if cleaned is not None:
            out[str(key)] = cleaned
    return out


def as_cases(X: CaseInput, default_proceeding: str = "criminal") -> list[CaseModel]:
    """Validate a batch of cases given as models, dicts or a DataFrame (raises ValidationError on bad rows)."""
    if isinstance(X, pd.DataFrame):
        items: Iterable[Any] = (row_to_dict(r) for r in X.to_dict(orient="records"))
    else:
        items = X
    out: list[CaseModel] = []
    for item in items:
        if isinstance(item, CaseBase):
            out.append(item)  # type: ignore[arg-type]
            continue
        obj = dict(item)
        obj.setdefault("proceeding", default_proceeding)
        out.append(parse_case(obj))
    return out


def cases_to_frame(cases: Sequence[CaseModel]) -> pd.DataFrame:
    """The DataFrame form of cases (for MLflow pyfunc input); ``records_by_type`` becomes a JSON string."""
    rows = []
    for case in cases:
        row = case.model_dump(mode="json")
        if row.get("records_by_type") is not None:
            row["records_by_type"] = json.dumps(row["records_by_type"], ensure_ascii=False)
        rows.append(row)
    return pd.DataFrame(rows)
