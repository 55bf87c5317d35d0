"""What the estimate endpoints share: the 503 answer without champions, the rule that an estimate rests on at least
one fact of the case (``features.law.schema.no_fact_reason``; ``?prior=true`` opts into the prior), and batches with
per-case errors."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel
from starlette.responses import Response

from features.law.schema import CaseBase, fact_fields, no_fact_reason
from features.model.answer import ESTIMATE_FAILED
from serving.deps import Services
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, ChampionSet, NoChampionError
from serving.holder import TRAIN_COMMAND
from serving.observability import Metrics
from serving.settings import Settings

log = logging.getLogger("exposure.serving")

PriorQuery = Annotated[
    bool,
    Query(
        description="Answer a case that states no fact of a case (only provenance, or nothing) with the prior, "
        "i.e. the estimate for an average past case, instead of a 422; the answer then says `prior_only: true`. "
        "Without it such a case is refused: an estimate must rest on at least one fact."
    ),
]
NOTHING_READ = (
    "nothing could be read from the facts text: no record count, data type, conduct, gains or circumstance "
    "(Interp. 2017 Art. 5; Criminal Law Arts. 65-67) was found in it. Describe the conduct, or give at least one "
    "of these fields in `case`: "
)


def no_fact_errors(case: BaseModel, *, from_text: bool = False) -> list[dict[str, str]] | None:
    """The 422 detail for a case without any fact (None when it states one): under ``(case)``, or under ``facts``
    when the case was read from a text that yielded nothing."""
    assert isinstance(case, CaseBase)
    reason = no_fact_reason(case)
    if reason is None:
        return None
    if from_text:
        return [{"field": "facts", "reason": NOTHING_READ + ", ".join(fact_fields(case))}]
    return [{"field": "(case)", "reason": reason}]


RETRY_WITHOUT_POLL_S = 60  # not-law: seconds a client waits when the service does not poll the registry


def unavailable(reason: str, settings: Settings) -> Response:
    """503 saying what to run; clients may retry after the next registry poll."""
    seconds = round(settings.reload_interval_s) if settings.reload_interval_s > 0 else RETRY_WITHOUT_POLL_S
    retry = str(max(1, seconds))
    return json_response(
        {"detail": reason, "command": TRAIN_COMMAND}, status_code=503, headers={"Retry-After": retry}
    )


def champions_or_503(kind: Literal["criminal", "civil"], services: Services) -> ChampionSet | Response:
    """The champions that answer ``kind``, or the 503 saying what to run (:func:`unavailable`)."""
    try:
        return services.holder.snapshot.require(CRIMINAL_TARGETS if kind == "criminal" else CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), services.settings)


def refuse(kind: Literal["criminal", "civil"], detail: list[dict[str, str]], metrics: Metrics) -> Response:
    """The 422 naming each refused field (never its value), counted as an invalid case of ``kind``."""
    metrics.cases.labels(kind, "invalid").inc()
    return json_response({"detail": detail}, status_code=422)


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
    items: Sequence[Any], kind: Literal["criminal", "civil"], services: Services, *, allow_prior: bool = False
) -> Response:
    """What both ``/estimate:batch`` endpoints answer: 422 over ``EXPOSURE_MAX_BATCH`` cases, 503 without
    champions, else one result per case, in order (the estimator's ``answer_records``: a case that states no fact
    is refused in its slot unless ``allow_prior``)."""
    settings = services.settings
    if len(items) > settings.max_batch:
        return too_many(len(items), settings)
    champions = champions_or_503(kind, services)
    if isinstance(champions, Response):
        return champions
    results = champions.answer_records(kind, items, k=settings.similar_k, allow_prior=allow_prior)
    count_items(results, kind, services.metrics)
    return json_response({"results": results})
