"""The MLflow pyfunc form of an estimator (:mod:`features.model.answer`): the model everywhere.

``mlflow models serve`` of a registered ``exposure-criminal`` / ``exposure-civil`` model takes
``{"inputs": [case, case, ...]}``: each case is the JSON object the HTTP API takes (any mix of fields; unknown
fields are refused in that case's slot, as by the API) and answers ``{"predictions": [item, ...]}``, one item per
case in order: ``{"index", "ok", "errors", "estimate"}`` with ``estimate`` the whole answer the API documents
(``CriminalEstimate`` / ``CivilEstimate`` of docs/openapi.json) and ``errors`` the refused fields (names and
reasons, never values). The output is strict JSON: no NaN or infinity anywhere.

The python model is only a wrapper: it loads the fitted estimator (a joblib artifact) and calls its
``answer_records``; serving, batch scoring and Spark load the same object through ``unwrap_python_model()``.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
from mlflow.pyfunc import PythonModel

from features.model.answer import Estimator

ESTIMATOR_ARTIFACT = "estimator"


def strict_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


# predict's type hints (list[dict[str, Any]]: a list of case objects of any fields, so that unknown fields reach
# the estimator and are refused in their row) make MLflow warn that Any is not validated: features.model silences
# that warning, since the estimator validates every row itself.


with warnings.catch_warnings(record=True):  # see quiet_type_hints: MLflow reads predict's type hints here

    class ExposureModel(PythonModel):
        """pyfunc wrapper of a fitted :class:`CriminalEstimator` or :class:`CivilEstimator` (see module docstring)."""

        def __init__(self, kind: str) -> None:
            self.kind = kind
            self.estimator: Estimator | None = None

        def load_context(self, context: Any) -> None:
            # the service checks what it loaded before serving it (serving.canary): an artifact replaced by another
            # object is refused there, with its type named
            self.estimator = joblib.load(context.artifacts[ESTIMATOR_ARTIFACT])
            config = getattr(context, "model_config", None) or {}
            # the answer's model block names the model: its registered name and the run that logged it (a served copy
            # does not know which registry version it was loaded as)
            self.identity = {"name": config.get("name"), "version": None, "run_id": config.get("run_id")}

        def predict(
            self, context: Any, model_input: list[dict[str, Any]], params: dict[str, Any] | None = None
        ) -> list[dict[str, Any]]:
            if self.estimator is None:
                raise RuntimeError("model context not loaded")
            items = self.estimator.answer_records(model_input)
            identity = getattr(self, "identity", {"name": None, "version": None, "run_id": None})
            for item in items:
                if item["estimate"] is not None:
                    item["estimate"]["model"] = {
                        t: {**identity, **part} for t, part in item["estimate"]["model"].items()
                    }
            return [strict_json(item) for item in items]


@contextlib.contextmanager
def quiet_type_hints() -> Iterator[None]:
    """Keep MLflow's warning that ``Any`` in predict's type hints is not validated (the estimator validates every
    row itself) off the terminal while a model is defined, logged or loaded. MLflow shows it through its own
    "once" filter whatever the caller's filters say, so warnings are recorded (and dropped) instead."""
    with warnings.catch_warnings(record=True):
        yield


def save_estimator(estimator: Estimator, path: Path) -> None:
    joblib.dump(estimator, path)
