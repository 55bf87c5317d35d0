"""What the estimate endpoints share: the 503 answer without champions, the rule that an estimate rests on at least
one fact of the case (``features.law.schema.no_fact_reason``; ``?prior=true`` opts into the prior), and batches with
per-case errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from features.law.schema import CaseBase, CivilCase, CriminalCase, fact_fields, no_fact_reason
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

PriorQuery = Annotated[
    bool,
    Query(
        description="Answer a case that states no fact of a case (only provenance, or nothing) with the prior, "
        "i.e. the estimate for an average past case, instead of a 422; the answer then says `prior_only: true`. "
        "Without it such a case is refused: an estimate must rest on at least one fact."
    ),
]
PRIOR_WARNING = (
    "No fact of the case was given: these figures are the estimate for an average past case (the prior), asked "
    "for with prior=true; they say nothing about this case."
)
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


def mark_prior(answer: dict[str, Any]) -> dict[str, Any]:
    """Say in the answer that it rests on no fact (the caller asked for the prior)."""
    answer["prior_only"] = True
    answer["warnings"] = [*answer.get("warnings", []), PRIOR_WARNING]
    return answer


def unavailable(reason: str, settings: Settings) -> Response:
    """503 saying what to run; clients may retry after the next registry poll."""
    retry = str(max(1, round(settings.reload_interval_s))) if settings.reload_interval_s > 0 else "60"
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
    items: Sequence[Any],
    model: type[CaseT],
    estimate: Estimator[CaseT],
    metrics: Metrics,
    kind: str,
    *,
    allow_prior: bool = False,
) -> list[dict[str, Any]]:
    """One result per item, in order: each item is validated alone and the valid ones estimated together; if the
    joint estimate fails, each case is estimated alone so that only the failing ones carry an error. A case that
    states no fact is refused in its slot unless ``allow_prior`` (then its answer says ``prior_only``)."""
    results: list[dict[str, Any] | None] = [None] * len(items)
    valid: list[tuple[int, CaseT]] = []
    prior: set[int] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            results[i] = _refused(i, NOT_AN_OBJECT)
            continue
        try:
            case = model.model_validate(item)
        except ValidationError as exc:
            results[i] = _refused(i, describe_validation_error(exc))
            continue
        errors = no_fact_errors(case)
        if errors is not None and not allow_prior:
            results[i] = _refused(i, errors)
            continue
        if errors is not None:
            prior.add(i)
        valid.append((i, case))
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
                answer = mark_prior(answer) if i in prior else answer
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
    *,
    allow_prior: bool = False,
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
            items,
            CriminalCase,
            lambda cases: champions.estimate_criminal(cases, k=k),
            metrics,
            kind,
            allow_prior=allow_prior,
        )
    else:
        results = run_batch(
            items,
            CivilCase,
            lambda cases: champions.estimate_civil(cases, k=k),
            metrics,
            kind,
            allow_prior=allow_prior,
        )
    return json_response({"results": results})
