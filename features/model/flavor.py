"""The MLflow pyfunc form of a trained estimator: takes cases (not pre-computed features), returns estimates.

Input: a DataFrame of case rows (columns = case fields of ``features.law.schema``; ``data_types``/``conduct`` as
arrays of strings; ``records_by_type`` as a JSON string). Output: one row per input row, in order, with
``case_id``, ``target``, ``point``/``low``/``high``/``level`` (regressors, natural units: months or yuan),
``p_le_36_months`` (custodial), ``probability`` (probation) and ``error`` (the validation error of a bad row,
field names only; the other columns are then null). Serving loads the same object and calls
``unwrap_python_model().estimator`` for the fast path.
"""

from __future__ import annotations

from typing import Any

import joblib
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, DataType, Schema, TensorSpec
from mlflow.types.schema import AnyType, Array
from pydantic import ValidationError

from features.law.schema import CivilCase, CriminalCase
from features.law.statutory import load_law_table
from features.model.cases import CaseModel, as_cases, row_to_dict
from features.model.estimators import TARGET_KIND, OutcomeRegressor, ProbationClassifier
from features.tables import format_validation_error

CUSTODIAL_THRESHOLD_MONTHS = load_law_table().probation_max_months  # probation only at or below (Art. 72)
OUTPUT_COLUMNS = ["case_id", "target", "point", "low", "high", "level", "p_le_36_months", "probability", "error"]


def _scalar_type(annotation: Any) -> DataType | AnyType:
    """Strings stay strings; numbers and booleans accept any type (JSON ints, floats with NaN, None), because the
    case schema validates them anyway and MLflow refuses both int->double and double->int conversions."""
    text = str(annotation)
    if any(t in text for t in ("bool", "int", "float")):
        return AnyType()
    return DataType.string


def input_schema(kind: str) -> Schema:
    """MLflow input schema of a case DataFrame (every column optional)."""
    model = CriminalCase if kind == "criminal" else CivilCase
    specs: list[ColSpec | TensorSpec] = []
    for name, field in model.model_fields.items():
        if name in ("data_types", "conduct", "other_charges"):
            specs.append(ColSpec(Array(DataType.string), name, required=False))
        elif name == "records_by_type":
            specs.append(ColSpec(DataType.string, name, required=False))
        else:
            specs.append(ColSpec(_scalar_type(field.annotation), name, required=False))
    return Schema(specs)


def output_schema() -> Schema:
    specs: list[ColSpec | TensorSpec] = [
        ColSpec(DataType.string, "case_id", required=False),
        ColSpec(DataType.string, "target"),
    ]
    return Schema(
        specs
        + [
            ColSpec(DataType.double, c, required=False)
            for c in ("point", "low", "high", "level", "p_le_36_months", "probability")
        ]
        + [ColSpec(DataType.string, "error", required=False)]
    )


def signature(kind: str) -> ModelSignature:
    return ModelSignature(inputs=input_schema(kind), outputs=output_schema())


class CaseModelPyfunc(PythonModel):
    """pyfunc wrapper of an ``OutcomeRegressor`` or ``ProbationClassifier`` stored as a joblib artifact."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.estimator: OutcomeRegressor | ProbationClassifier | None = None

    def load_context(self, context: Any) -> None:
        self.estimator = joblib.load(context.artifacts["estimator"])

    def _validate_rows(self, model_input: pd.DataFrame) -> tuple[list[CaseModel | None], list[str | None]]:
        kind = TARGET_KIND[self.target]
        cases: list[CaseModel | None] = []
        errors: list[str | None] = []
        for row in model_input.to_dict(orient="records"):
            try:
                cases.append(as_cases([row_to_dict(row)], default_proceeding=kind)[0])
                errors.append(None)
            except (ValidationError, ValueError) as exc:
                reason = format_validation_error(exc) if isinstance(exc, ValidationError) else "invalid JSON field"
                cases.append(None)
                errors.append(reason)
        return cases, errors

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        estimator = self.estimator
        if estimator is None:
            raise RuntimeError("model context not loaded")
        cases, errors = self._validate_rows(model_input)
        good = [i for i, c in enumerate(cases) if c is not None]
        out = pd.DataFrame({c: [None] * len(cases) for c in OUTPUT_COLUMNS}, dtype=object)
        out["target"] = self.target
        out["error"] = errors
        out["case_id"] = [
            c.case_id if c is not None else row.get("case_id")
            for c, row in zip(cases, model_input.to_dict(orient="records"), strict=True)
        ]
        if good:
            valid = [c for c in cases if c is not None]
            if isinstance(estimator, OutcomeRegressor):
                prepared = estimator._prepare(valid)
                threshold = CUSTODIAL_THRESHOLD_MONTHS if self.target == "custodial_months" else None
                est = estimator.estimate_prepared(*prepared, threshold=threshold)
                for col in ("point", "low", "high"):
                    out.loc[good, col] = est[col]
                out.loc[good, "level"] = estimator.level
                if threshold is not None:
                    out.loc[good, "p_le_36_months"] = est["p_le_threshold"]
            else:
                crim = [c for c in valid if isinstance(c, CriminalCase)]
                out.loc[good, "probability"] = estimator.predict_proba_cases(crim)
        for col in ("point", "low", "high", "level", "p_le_36_months", "probability"):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
        return out


def save_estimator(estimator: Any, path: str) -> None:
    joblib.dump(estimator, path)


def example_frame(cases: list[CaseModel]) -> pd.DataFrame:
    from features.model.cases import cases_to_frame

    frame = cases_to_frame(cases)
    keep = [c for c in frame.columns if frame[c].notna().any()]
    return frame[keep].replace({np.nan: None})
