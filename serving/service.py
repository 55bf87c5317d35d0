"""The service layer under the answer routes: one case's answer, for ``/v1/<kind>/estimate`` (JSON), the page's
``/v1/<kind>/estimate.html`` (drawn) and ``/v1/<kind>/report`` (a file), so the three answer alike and refuse alike.

Each call returns the validated case and the estimator's answer, or the JSON error the API documents: 422 when a
case states no fact of a case (unless the caller asks for the prior with ``?prior=true``; the answer then says
``prior_only``) or when the case read from ``{"facts": ...}`` is refused, 503 without a champion. The answer itself
comes from the kind's estimator (:mod:`features.model.answer`); nothing here computes a part of it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from features.law.schema import CivilCase, CriminalCase
from features.model.answer import mark_prior
from features.tables import describe_validation_error
from features.text.facts import extract_facts
from serving.batch import no_fact_errors, unavailable
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, NoChampionError
from serving.holder import ModelHolder
from serving.observability import Metrics
from serving.schemas import FactsRequest
from serving.settings import Settings

Answered = tuple[Any, dict[str, Any]] | Response


def case_from_facts(
    body: FactsRequest, prior: bool
) -> tuple[CriminalCase, dict[str, Any], bool] | list[dict[str, str]]:
    """The case read from ``body.facts`` (fields of ``body.case`` win), its extraction and whether it rests on no
    fact (only with ``prior``); or the 422 detail: the merged case is invalid, or nothing could be read."""
    extraction = extract_facts(body.facts)
    try:
        case = CriminalCase.model_validate({**extraction.found(), **(body.case or {})})
    except ValidationError as exc:
        return describe_validation_error(exc)
    refused = no_fact_errors(case, from_text=True)
    if refused is not None and not prior:
        return refused
    return case, extraction.model_dump(mode="json"), refused is not None


def _invalid(kind: str, detail: list[dict[str, str]], metrics: Metrics) -> Response:
    metrics.cases.labels(kind, "invalid").inc()
    return json_response({"detail": detail}, status_code=422)


async def criminal(
    body: CriminalCase | FactsRequest,
    holder: ModelHolder,
    settings: Settings,
    metrics: Metrics,
    prior: bool = False,
    levers: bool = True,
) -> Answered:
    """The case (read from the facts when the body is ``{"facts": ...}``) and its answer (with its levers unless
    ``levers`` is false), or the error response."""
    refused = no_fact_errors(body) if isinstance(body, CriminalCase) else None
    if refused is not None and not prior:  # a client error whatever the champions: before the 503
        return _invalid("criminal", refused, metrics)
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    extraction: dict[str, Any] | None = None
    prior_only = refused is not None
    if isinstance(body, FactsRequest):  # reading a long text takes a while: off the event loop
        read = await run_in_threadpool(case_from_facts, body, prior)
        if isinstance(read, list):
            return _invalid("criminal", read, metrics)
        case, extraction, prior_only = read
    else:
        case = body
    # one case is a few milliseconds of CPU: computed inline, which measured faster than a thread hop
    answer = champions.estimate_criminal([case], k=settings.similar_k, levers=levers)[0]
    if extraction is not None:
        answer["extraction"] = extraction
    metrics.cases.labels("criminal", "ok").inc()
    return case, mark_prior(answer) if prior_only else answer


def civil(
    case: CivilCase, holder: ModelHolder, settings: Settings, metrics: Metrics, prior: bool = False
) -> Answered:
    """The case and its answer, or the error response (422 without a fact, 503 without a champion)."""
    refused = no_fact_errors(case)
    if refused is not None and not prior:
        return _invalid("civil", refused, metrics)
    try:
        champions = holder.snapshot.require(CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    answer = champions.estimate_civil([case], k=settings.similar_k)[0]
    metrics.cases.labels("civil", "ok").inc()
    return case, mark_prior(answer) if refused is not None else answer


def html(content: str, headers: dict[str, str] | None = None) -> Response:
    """HTML holding a case: never cached, never sniffed, never framed, nothing loaded when opened on its own."""
    return HTMLResponse(
        content,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )
