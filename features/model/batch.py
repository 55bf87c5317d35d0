"""Scoring a table of cases: Arrow record batches (or rows) in, one output row per input row out.

This is the one function batch scoring calls, locally (``exposure batch score``) and on Spark (``mapInArrow`` on
every executor, with the estimators loaded once per executor from the registry). It validates every row with the
one reader's rules (:func:`features.tables.validate_record`), routes criminal rows to the criminal estimator and
civil ones to the civil estimator, and writes the estimators' ``columns`` (the numbers every answer shows, rounded
alike), so that a row scored here carries the numbers the HTTP answer for the same case carries.

Output columns (``OUTPUT_COLUMNS``): the input's ``case_id`` and ``proceeding``, the statutory ``band`` of criminal
rows, then the criminal estimates (custodial months, P(term <= 36 months), P(probation), fine) or the civil award
(months and yuan), and ``error`` for a row that could not be scored (field names and reasons, never the values).
Rows in = rows out, in order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from features.law.schema import CivilCase, CriminalCase
from features.model.answer import KIND_TARGETS, CivilEstimator, CriminalEstimator, Estimator
from features.tables import format_errors, validate_record

CRIMINAL_COLUMNS = (
    "custodial_months_point",
    "custodial_months_low",
    "custodial_months_high",
    "custodial_months_level",
    "p_custodial_le_36_months",
    "probation_probability",
    "fine_yuan_point",
    "fine_yuan_low",
    "fine_yuan_high",
    "fine_yuan_level",
)
CIVIL_COLUMNS = (
    "awarded_total_yuan_point",
    "awarded_total_yuan_low",
    "awarded_total_yuan_high",
    "awarded_total_yuan_level",
)
ESTIMATE_COLUMNS = CRIMINAL_COLUMNS + CIVIL_COLUMNS
OUTPUT_COLUMNS = ("case_id", "proceeding", "band", *ESTIMATE_COLUMNS, "error")
ESTIMATE_FAILED = "(case): the estimate failed for this case"
PROCEEDINGS = ("criminal", "civil", "public_interest")


def output_schema() -> pa.Schema:
    return pa.schema(
        [pa.field("case_id", pa.string()), pa.field("proceeding", pa.string()), pa.field("band", pa.string())]
        + [pa.field(c, pa.float64()) for c in ESTIMATE_COLUMNS]
        + [pa.field("error", pa.string())]
    )


def no_champion(kind: str) -> str:
    return "(model): no champion for " + ", ".join(KIND_TARGETS[kind]) + "; run `exposure train`"


def _case_id(item: Any) -> str | None:
    if not isinstance(item, Mapping):
        return None
    value = item.get("case_id")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _proceeding(item: Any, case: CriminalCase | CivilCase | None) -> str | None:
    if case is not None:
        return str(case.proceeding)
    if isinstance(item, Mapping) and item.get("proceeding") in PROCEEDINGS:
        return str(item["proceeding"])
    return None  # an unknown proceeding is an input value: not echoed


def _fill(
    estimator: Estimator, idx: list[int], cases: list[Any], columns: dict[str, Any], errors: list[str | None]
) -> None:
    """The estimator's columns at ``idx``; if the joint estimate fails, each case alone, so only failing ones err."""
    if not idx:
        return
    try:
        result = estimator.columns(estimator.prepare(cases))
    except Exception:
        for i, case in zip(idx, cases, strict=True):
            try:
                one = estimator.columns(estimator.prepare([case]))
            except Exception as exc:
                errors[i] = f"{ESTIMATE_FAILED} ({type(exc).__name__})"
                continue
            for col, values in one.items():
                if col in columns:
                    columns[col][i] = values[0]
        return
    for col, values in result.items():
        if col in columns:
            columns[col][idx] = values


def score_rows(
    rows: Sequence[Any], estimators: Mapping[str, Estimator], nan_is_missing: bool = True
) -> tuple[dict[str, Any], list[str | None]]:
    """Output columns (``OUTPUT_COLUMNS`` minus ``error``) for raw rows, and each row's error or None
    (``nan_is_missing``: True for rows of columnar tables, False for JSON: see ``features.tables.clean_row``)."""
    n = len(rows)
    columns: dict[str, Any] = {c: np.full(n, np.nan) for c in ESTIMATE_COLUMNS}
    columns["band"] = np.full(n, None, dtype=object)
    errors: list[str | None] = [None] * n
    case_ids: list[str | None] = []
    proceedings: list[str | None] = []
    groups: dict[str, tuple[list[int], list[Any]]] = {"criminal": ([], []), "civil": ([], [])}
    for i, item in enumerate(rows):
        case, problems = validate_record(item, nan_is_missing=nan_is_missing, require_fact=True)
        case_ids.append(case.case_id if case is not None and case.case_id is not None else _case_id(item))
        proceedings.append(_proceeding(item, case))
        if case is None:
            errors[i] = format_errors(problems)
            continue
        kind = "criminal" if isinstance(case, CriminalCase) else "civil"
        if kind not in estimators:
            errors[i] = no_champion(kind)
            continue
        groups[kind][0].append(i)
        groups[kind][1].append(case)
    for kind, (idx, cases) in groups.items():
        if idx:
            _fill(estimators[kind], idx, cases, columns, errors)
    columns["case_id"] = case_ids
    columns["proceeding"] = proceedings
    return columns, errors


def score_batch(
    batch: pa.RecordBatch | pa.Table | Sequence[Any],
    estimators: Mapping[str, Estimator],
    nan_is_missing: bool = True,
) -> pa.RecordBatch:
    """One Arrow record batch of ``output_schema()`` for a batch of input rows (Arrow or a list of rows)."""
    rows = batch.to_pylist() if isinstance(batch, pa.RecordBatch | pa.Table) else list(batch)
    columns, errors = score_rows(rows, estimators, nan_is_missing)
    schema = output_schema()
    arrays = []
    for name in schema.names:
        values = errors if name == "error" else columns[name]
        if name in ESTIMATE_COLUMNS:
            arrays.append(pa.array(np.asarray(values, dtype=float), type=pa.float64(), from_pandas=True))
        else:
            arrays.append(pa.array(list(values), type=pa.string()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def estimators_of(models: Mapping[str, Any]) -> dict[str, Estimator]:
    """The estimators by kind from loaded champions (``{kind: LoadedEstimator}`` or ``{kind: estimator}``)."""
    out: dict[str, Estimator] = {}
    for kind, model in models.items():
        estimator = getattr(model, "estimator", model)
        if isinstance(estimator, CriminalEstimator | CivilEstimator):
            out[kind] = estimator
    return out
