"""What the estimate endpoints share: the 503 answer without champions and batches with per-case errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from features.law.schema import CivilCase, CriminalCase
from features.tables import describe_validation_error
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, NoChampionError
from serving.holder import TRAIN_COMMAND, ModelHolder
from serving.observability import Metrics
from serving.settings import Settings

log = logging.getLogger("exposure.serving")
CaseT = TypeVar("CaseT", bound=BaseModel)
Estimator = Callable[[list[CaseT]], list[dict[str, Any]]]

NOT_AN_OBJECT = [{"field": "(case)", "reason": "should be a JSON object describing one case"}]
ESTIMATION_FAILED = [{"field": "(case)", "reason": "the estimate failed for this case"}]


def unavailable(reason: str, settings: Settings) -> Response:
    """503 saying what to run; clients may retry after the next registry poll."""
    default_retry = "60"  # not-law: seconds
    retry = str(max(1, round(settings.reload_interval_s))) if settings.reload_interval_s > 0 else default_retry
    return json_response(
        {"detail": reason, "command": TRAIN_COMMAND}, status_code=503, headers={"Retry-After": retry}
    )


def too_many(n: int, settings: Settings) -> Response:
    return json_response(
        {"detail": [{"field": "cases", "reason": f"{n} cases: at most {settings.max_batch} per call"}]},
        status_code=422,
    )


def _refused(index: int, errors: list[dict[str, str]]) -> dict[str, Any]:
    return {"index": index, "ok": False, "errors": errors, "estimate": None}


def run_batch(
    items: Sequence[Any], model: type[CaseT], estimate: Estimator[CaseT], metrics: Metrics, kind: str
) -> list[dict[str, Any]]:
    """One result per item, in order: each item is validated alone and the valid ones estimated together; if the
    joint estimate fails, each case is estimated alone so that only the failing ones carry an error."""
    results: list[dict[str, Any] | None] = [None] * len(items)
    valid: list[tuple[int, CaseT]] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            results[i] = _refused(i, NOT_AN_OBJECT)
            continue
        try:
            valid.append((i, model.model_validate(item)))
        except ValidationError as exc:
            results[i] = _refused(i, describe_validation_error(exc))
    if valid:
        cases = [c for _, c in valid]
        try:
            answers: list[dict[str, Any] | None] = list(estimate(cases))
        except Exception as exc:
            log.warning("batch estimate failed (%s): estimating each case alone", type(exc).__name__)
            answers = []
            for case in cases:
                try:
                    answers.append(estimate([case])[0])
                except Exception as exc:
                    log.warning("estimate failed for one case: %s", type(exc).__name__)
                    answers.append(None)
        for (i, _), answer in zip(valid, answers, strict=True):
            if answer is None:
                results[i] = _refused(i, ESTIMATION_FAILED)
            else:
                results[i] = {"index": i, "ok": True, "errors": None, "estimate": answer}
    n_ok = sum(1 for r in results if r is not None and r["ok"])
    n_failed = sum(1 for r in results if r is not None and r["errors"] is ESTIMATION_FAILED)
    metrics.cases.labels(kind, "ok").inc(n_ok)
    metrics.cases.labels(kind, "invalid").inc(len(items) - n_ok - n_failed)
    metrics.cases.labels(kind, "failed").inc(n_failed)
    return [r for r in results if r is not None]


def estimate_batch_response(
    items: Sequence[Any],
    kind: Literal["criminal", "civil"],
    holder: ModelHolder,
    settings: Settings,
    metrics: Metrics,
) -> Response:
    """What both ``/estimate:batch`` endpoints answer: 422 over ``EXPOSURE_MAX_BATCH`` cases, 503 without
    champions, else one result per case, in order (``run_batch``)."""
    if len(items) > settings.max_batch:
        return too_many(len(items), settings)
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS if kind == "criminal" else CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    k = settings.similar_k
    if kind == "criminal":
        results = run_batch(
            items, CriminalCase, lambda cases: champions.estimate_criminal(cases, k=k), metrics, kind
        )
    else:
        results = run_batch(items, CivilCase, lambda cases: champions.estimate_civil(cases, k=k), metrics, kind)
    return json_response({"results": results})
