"""Scoring a table of cases: Arrow record batches (or pandas frames, or rows) in, one output row per input row out.

This is the one function batch scoring calls, locally (``exposure batch score``) and on Spark (``mapInArrow`` on
every executor, with the estimators loaded once per executor from the registry). It is columnar from end to end:

1. validation: an Arrow batch is checked column by column with the schema's rules (:func:`features.columnar.
   validate_arrow`); a row the checks refer (an error, or a value in a form they do not read, such as CSV text) is
   validated alone by the one reader (:func:`features.tables.validate_record`), which gives the exact errors (field
   names and reasons, never the values) or the case. Rows given as dicts (JSON lines) are all validated that way;
2. the statutory engine for the whole batch (:func:`features.law.columnar.band_columns`), the per-case engine
   (:func:`features.law.statutory.statutory_band`) for the rare shapes it leaves to it;
3. the features as one matrix and every model and interval for the whole batch (the estimators' ``columns``, the
   numbers every answer shows, rounded alike).

So a row scored here carries the numbers the HTTP answer for the same case carries (``tests/test_columnar.py``).

Output columns (``OUTPUT_COLUMNS``): the input's ``case_id`` and ``proceeding``, the statutory ``band`` of criminal
rows, then the criminal estimates (custodial months, P(term <= 36 months), P(probation), fine) or the civil award
(months and yuan), and ``error`` for a row that could not be scored. With ``similar`` > 0 a column
``similar_cases`` is added: JSON text of the nearest reference cases (``case_id``, ``similarity``), off by default.
Rows in = rows out, in order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from features.columnar import as_record_batch, validate_arrow
from features.law.columnar import BandColumns, CaseFacts, band_columns, bands_of_results, facts_of_cases
from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import statutory_band
from features.model.answer import KIND_TARGETS, CivilEstimator, CriminalEstimator, Estimator
from features.model.columns import BatchColumns, circumstance_columns
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
SIMILAR_COLUMN = "similar_cases"
ESTIMATE_FAILED = "(case): the estimate failed for this case"
PROCEEDINGS = ("criminal", "civil", "public_interest")
KINDS = ("criminal", "civil")


def output_schema(similar: bool = False) -> pa.Schema:
    fields_ = (
        [pa.field("case_id", pa.string()), pa.field("proceeding", pa.string()), pa.field("band", pa.string())]
        + [pa.field(c, pa.float64()) for c in ESTIMATE_COLUMNS]
        + [pa.field("error", pa.string())]
    )
    if similar:
        fields_.append(pa.field(SIMILAR_COLUMN, pa.string()))
    return pa.schema(fields_)


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


# ------------------------------------------------------------------------------------------------- validation
@dataclass
class _Rows:
    """The validated rows of a batch: per row its case_id, proceeding and error; per kind the rows' positions,
    their facts (columns) and, for rows validated one by one, their case objects (position -> case)."""

    n: int
    case_id: NDArray[np.object_]
    proceeding: NDArray[np.object_]
    errors: list[str | None]
    positions: dict[str, list[NDArray[np.int64]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    facts: dict[str, list[CaseFacts]] = field(default_factory=lambda: {k: [] for k in KINDS})
    cases: dict[int, CriminalCase | CivilCase] = field(default_factory=dict)
    batch: pa.RecordBatch | None = None  # the rows validated by columns, for the engine's per-case shapes

    @staticmethod
    def of(n: int) -> _Rows:
        return _Rows(n, np.full(n, None, dtype=object), np.full(n, None, dtype=object), [None] * n)


def _validate_one_by_one(
    rows: _Rows, positions: Sequence[int], items: Sequence[Any], nan_is_missing: bool
) -> None:
    valid: dict[str, list[int]] = {k: [] for k in KINDS}
    for position, item in zip(positions, items, strict=True):
        case, problems = validate_record(item, nan_is_missing=nan_is_missing, require_fact=True)
        rows.case_id[position] = case.case_id if case is not None and case.case_id is not None else _case_id(item)
        rows.proceeding[position] = _proceeding(item, case)
        if case is None:
            rows.errors[position] = format_errors(problems)
            continue
        rows.cases[position] = case
        valid["criminal" if isinstance(case, CriminalCase) else "civil"].append(position)
    for kind, where in valid.items():
        if where:
            rows.positions[kind].append(np.asarray(where, dtype=np.int64))
            rows.facts[kind].append(facts_of_cases([rows.cases[p] for p in where]))


def _validate(batch: pa.RecordBatch | pa.Table | Any, nan_is_missing: bool) -> _Rows:
    if isinstance(batch, Sequence) and not isinstance(batch, str | bytes):
        items = list(batch)
        rows = _Rows.of(len(items))
        _validate_one_by_one(rows, range(len(items)), items, nan_is_missing)
        return rows
    record_batch = as_record_batch(batch)
    n = record_batch.num_rows
    rows = _Rows.of(n)
    checked = validate_arrow(record_batch, nan_is_missing=nan_is_missing, require_fact=True)
    valid = checked.valid
    criminal = np.asarray(checked.proceeding == "criminal", dtype=bool) & valid
    for kind, where in (("criminal", np.flatnonzero(criminal)), ("civil", np.flatnonzero(valid & ~criminal))):
        if len(where):
            rows.positions[kind].append(where.astype(np.int64))
            rows.facts[kind].append(checked.facts.take(where))
    rows.case_id[valid] = checked.case_id[valid]
    rows.proceeding[valid] = checked.proceeding[valid]
    referred = np.flatnonzero(~valid)
    if len(referred):
        items = record_batch.take(pa.array(referred)).to_pylist()
        _validate_one_by_one(rows, referred.tolist(), items, nan_is_missing)
    rows.batch = record_batch
    return rows


def _case_at(rows: _Rows, position: int, nan_is_missing: bool) -> CriminalCase:
    """The case object of a row (validated by columns: validated again alone, as the per-case engine needs)."""
    case = rows.cases.get(position)
    if case is None:
        record_batch = rows.batch
        assert record_batch is not None
        case, problems = validate_record(
            record_batch.slice(position, 1).to_pylist()[0], nan_is_missing=nan_is_missing, require_fact=True
        )
        if case is None:  # the columnar checks accepted a row the reader refuses: never expected
            raise ValueError(f"row {position}: {format_errors(problems)}")
    assert isinstance(case, CriminalCase)
    return case


# ------------------------------------------------------------------------------------------------- scoring
def batch_columns(estimator: Estimator, facts: CaseFacts, case_of: Any = None) -> BatchColumns:
    """The columns of a kind's validated rows under the estimator's law table: for criminal rows the vectorized
    engine's bands, with the per-case engine where it leaves the shape to it (``case_of(i)`` gives row i's case)."""
    if isinstance(estimator, CivilEstimator):
        return BatchColumns(facts)
    law = estimator.law_
    band, covered = band_columns(facts, law)
    missing = np.flatnonzero(~covered)
    if len(missing):
        results = [statutory_band(case_of(int(i)), law, contested=False) for i in missing]
        exact = bands_of_results(results)
        merged = {name: getattr(band, name).copy() for name in BandColumns.__dataclass_fields__}
        for name in merged:
            merged[name][missing] = getattr(exact, name)
        band = BandColumns(**merged)
    return BatchColumns(facts, band, circumstance_columns(facts, band, law))


def _similar_text(estimator: Estimator, feats: NDArray[np.float64], k: int) -> list[str]:
    idx, similarity = estimator.similar_.neighbours(feats, k)
    ids = estimator.similar_.references_.column("case_id").to_pylist()
    return [
        json.dumps(
            [{"case_id": ids[int(j)], "similarity": round(float(s), 3)} for j, s in zip(row, sims, strict=True)],
            ensure_ascii=False,
        )
        for row, sims in zip(idx, similarity, strict=True)
    ]


def _fill(
    estimator: Estimator,
    positions: NDArray[np.int64],
    cols: BatchColumns,
    columns: dict[str, Any],
    errors: list[str | None],
    similar: int,
) -> None:
    """The estimator's columns at ``positions``; if the joint estimate fails, each row alone, so only failing ones
    err."""
    prepared = estimator.featurizer_.prepare_columns(cols)
    try:
        result = estimator.columns(prepared)
    except Exception:
        for j, position in enumerate(positions):
            try:
                one = estimator.columns(prepared.take([j]))
            except Exception as exc:
                errors[int(position)] = f"{ESTIMATE_FAILED} ({type(exc).__name__})"
                continue
            for col, values in one.items():
                if col in columns:
                    columns[col][position] = values[0]
        return
    for col, values in result.items():
        if col in columns:
            columns[col][positions] = values
    if similar > 0:
        texts = _similar_text(estimator, prepared.feats, similar)
        for position, text in zip(positions, texts, strict=True):
            columns[SIMILAR_COLUMN][int(position)] = text


def score_rows(
    rows: Sequence[Any] | pa.RecordBatch | pa.Table | Any,
    estimators: Mapping[str, Estimator],
    nan_is_missing: bool = True,
    similar: int = 0,
) -> tuple[dict[str, Any], list[str | None]]:
    """Output columns (``OUTPUT_COLUMNS`` minus ``error``) for a batch (Arrow, a DataFrame or raw rows), and each
    row's error or None (``nan_is_missing``: True for columnar tables, False for JSON: see
    ``features.tables.clean_row``)."""
    checked = _validate(rows, nan_is_missing)
    n = checked.n
    columns: dict[str, Any] = {c: np.full(n, np.nan) for c in ESTIMATE_COLUMNS}
    columns["band"] = np.full(n, None, dtype=object)
    if similar > 0:
        columns[SIMILAR_COLUMN] = np.full(n, None, dtype=object)
    errors = checked.errors
    for kind in KINDS:
        if not checked.positions[kind]:
            continue
        positions = np.concatenate(checked.positions[kind])
        if kind not in estimators:
            for position in positions:
                errors[int(position)] = no_champion(kind)
            continue
        facts = CaseFacts.concat(checked.facts[kind])
        order = np.argsort(positions, kind="stable")  # input order
        positions, facts = positions[order], facts.take(order)
        estimator = estimators[kind]
        cols = batch_columns(
            estimator, facts, case_of=lambda i, p=positions: _case_at(checked, int(p[i]), nan_is_missing)
        )
        _fill(estimator, positions, cols, columns, errors, similar)
    columns["case_id"] = checked.case_id
    columns["proceeding"] = checked.proceeding
    return columns, errors


def score_batch(
    batch: pa.RecordBatch | pa.Table | Sequence[Any] | Any,
    estimators: Mapping[str, Estimator],
    nan_is_missing: bool = True,
    similar: int = 0,
) -> pa.RecordBatch:
    """One Arrow record batch of ``output_schema()`` for a batch of input rows: an Arrow record batch or table, a
    pandas DataFrame, or a list of rows (dicts, or the text of a row that could not be read)."""
    columns, errors = score_rows(batch, estimators, nan_is_missing, similar)
    schema = output_schema(similar > 0)
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
