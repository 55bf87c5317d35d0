"""``POST /v1/criminal/report`` and ``POST /v1/civil/report``: the estimate as a self-contained HTML file to attach.

Same bodies as the estimate endpoints (a case, or for criminal cases ``{"facts": ...}``), same champions and
answer; the file is rendered by :mod:`serving.report`. It holds the case, so it is never cached or logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from features.law.schema import CriminalCase
from features.tables import describe_validation_error
from features.text.facts import extract_facts
from serving import report
from serving.batch import unavailable
from serving.deps import HolderDep, MetricsDep, SettingsDep, require_api_key
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, NoChampionError
from serving.routers import civil, criminal
from serving.routers.responses import ESTIMATE_RESPONSES, as_json
from serving.schemas import CivilCase, FactsRequest

router = APIRouter(prefix="/v1", tags=["report"], dependencies=[Depends(require_api_key)])

_HTML_EXAMPLE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">...<title>Exposure report — 2026-11-23</title>'
    "...</head><body><main><header><h1>Sentencing exposure report (量刑预估报告) — Criminal Law Art. 253-1</h1>..."
)


def _responses(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f"The {what} report as an HTML attachment (exposure-report-<date>.html): inline CSS and "
            "SVG, no scripts, no external loads; print it to PDF from any browser",
            "content": {"text/html": {"example": _HTML_EXAMPLE}},
        },
        **as_json(ESTIMATE_RESPONSES),
    }


def _attachment(html: str, generated: datetime) -> Response:
    return HTMLResponse(
        html,
        headers={
            "Content-Disposition": f'attachment; filename="{report.filename(generated)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/criminal/report",
    response_class=HTMLResponse,
    responses=_responses("criminal"),
    summary="The criminal estimate as a report to attach to a memo (HTML file)",
)
async def criminal_report(
    body: Annotated[criminal.CriminalBody, Body(openapi_examples=criminal.CASE_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """Inputs, statutory band and the rules of Interp. 2017 that set it, the ranges (drawn and in numbers),
    drivers, similar cases with their sources (reference only), models with run ids and training data, date and
    disclaimer. Non-binding."""
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    extraction: dict[str, Any] | None = None
    if isinstance(body, FactsRequest):
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
    generated = datetime.now().astimezone()
    html = report.render_criminal(case, answer, answer["model"], generated)
    return _attachment(html, generated)


@router.post(
    "/civil/report",
    response_class=HTMLResponse,
    responses=_responses("civil"),
    summary="The civil estimate as a report to attach to a memo (HTML file)",
)
async def civil_report(
    case: Annotated[CivilCase, Body(openapi_examples=civil.CASE_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """Inputs, award range (drawn and in numbers, and as a share of the claim), drivers, similar cases with their
    sources (reference only), models with run ids and training data, date and disclaimer. Non-binding."""
    try:
        champions = holder.snapshot.require(CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    answer = champions.estimate_civil([case], k=settings.similar_k)[0]
    metrics.cases.labels("civil", "ok").inc()
    generated = datetime.now().astimezone()
    html = report.render_civil(case, answer, answer["model"], generated)
    return _attachment(html, generated)
