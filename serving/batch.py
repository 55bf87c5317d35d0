"""What the estimate endpoints share: the 503 answer without champions and batches with per-case errors (the
estimator's ``answer_records``: every case validated on its own, the valid ones estimated together)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from starlette.responses import Response

from features.model.answer import ESTIMATE_FAILED
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, NoChampionError
from serving.holder import TRAIN_COMMAND, ModelHolder
from serving.observability import Metrics
from serving.settings import Settings

log = logging.getLogger("exposure.serving")


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


def count_items(items: Sequence[dict[str, Any]], kind: str, metrics: Metrics) -> None:
    """Count a batch's results by outcome: ok, invalid (refused by validation), failed (the estimate failed)."""
    n_ok = sum(1 for r in items if r["ok"])
    n_failed = sum(1 for r in items if not r["ok"] and r["errors"] == ESTIMATE_FAILED)
    metrics.cases.labels(kind, "ok").inc(n_ok)
    metrics.cases.labels(kind, "invalid").inc(len(items) - n_ok - n_failed)
    metrics.cases.labels(kind, "failed").inc(n_failed)


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
    results = champions.answer_records(kind, items, k=settings.similar_k)
    count_items(results, kind, metrics)
    return json_response({"results": results})
