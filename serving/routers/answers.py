"""One case's answer for the routes that draw it (the page's ``estimate.html`` and the exported reports): the
validated case and its estimate, or the JSON error the estimate endpoints answer (503 without champions, 422 when
the case read from ``{"facts": ...}`` is refused). The HTML is drawn by :mod:`serving.render`."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from features.law.schema import CivilCase, CriminalCase
from features.tables import describe_validation_error
from features.text.facts import extract_facts
from serving.batch import unavailable
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, NoChampionError
from serving.holder import ModelHolder
from serving.observability import Metrics
from serving.schemas import FactsRequest
from serving.settings import Settings


async def criminal(
    body: CriminalCase | FactsRequest, holder: ModelHolder, settings: Settings, metrics: Metrics
) -> tuple[CriminalCase, dict[str, Any]] | Response:
    """The case (read from the facts when the body is ``{"facts": ...}``, fields in ``case`` winning) and its
    answer, which then carries the ``extraction``; or the error response."""
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    extraction: dict[str, Any] | None = None
    if isinstance(body, FactsRequest):  # reading a long text takes a while: off the event loop
        read = await run_in_threadpool(extract_facts, body.facts)
        try:
            case = CriminalCase.model_validate({**read.found(), **(body.case or {})})
        except ValidationError as exc:
            metrics.cases.labels("criminal", "invalid").inc()
            return json_response({"detail": describe_validation_error(exc)}, status_code=422)
        extraction = read.model_dump(mode="json")
    else:
        case = body
    answer = champions.estimate_criminal([case], k=settings.similar_k)[0]
    if extraction is not None:
        answer["extraction"] = extraction
    metrics.cases.labels("criminal", "ok").inc()
    return case, answer


def civil(
    case: CivilCase, holder: ModelHolder, settings: Settings, metrics: Metrics
) -> tuple[CivilCase, dict[str, Any]] | Response:
    """The case and its answer, or the 503 without a champion."""
    try:
        champions = holder.snapshot.require(CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    answer = champions.estimate_civil([case], k=settings.similar_k)[0]
    metrics.cases.labels("civil", "ok").inc()
    return case, answer


def html(content: str, headers: dict[str, str] | None = None) -> Response:
    """HTML holding a case: never cached, never sniffed, never framed, nothing loaded when opened on its own."""
    return HTMLResponse(
        content,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )
