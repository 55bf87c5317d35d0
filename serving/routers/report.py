"""``POST /v1/criminal/report`` and ``POST /v1/civil/report``: the estimate as a self-contained HTML file to attach.

Same bodies as the estimate endpoints (a case, or for criminal cases ``{"facts": ...}``), same champions and
answer; the file is rendered by :mod:`serving.report`. It holds the case, so it is never cached or logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from features.law.schema import CriminalCase
from serving import report
from serving.batch import PriorQuery, mark_prior, no_fact_errors, unavailable
from serving.deps import HolderDep, MetricsDep, SettingsDep, require_api_key
from serving.errors import json_response
from serving.estimate import CIVIL_TARGETS, CRIMINAL_TARGETS, ChampionSet, NoChampionError
from serving.limits import require_json
from serving.routers import civil, criminal
from serving.routers.responses import ESTIMATE_RESPONSES, as_json
from serving.schemas import CivilCase, FactsRequest

router = APIRouter(prefix="/v1", tags=["report"], dependencies=[Depends(require_api_key), Depends(require_json)])

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


def _model_cards(champions: ChampionSet, targets: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {t: champions.models[t].info() for t in targets}


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
    prior: PriorQuery = False,
) -> Response:
    """Inputs, statutory band and the rules of Interp. 2017 that set it, the ranges (drawn and in numbers),
    drivers, similar cases with their sources (reference only), models with run ids and training data, date and
    disclaimer. Non-binding. Like the estimate, a case must state at least one fact unless ``?prior=true``."""
    refused = no_fact_errors(body) if isinstance(body, CriminalCase) else None
    if refused is not None and not prior:
        metrics.cases.labels("criminal", "invalid").inc()
        return json_response({"detail": refused}, status_code=422)
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    extraction: dict[str, Any] | None = None
    prior_only = refused is not None
    if isinstance(body, FactsRequest):
        read = await run_in_threadpool(criminal.case_from_facts, body, prior)
        if isinstance(read, list):
            metrics.cases.labels("criminal", "invalid").inc()
            return json_response({"detail": read}, status_code=422)
        case, extraction, prior_only = read
    else:
        case = body
    answer = champions.estimate_criminal([case], k=settings.similar_k)[0]
    if prior_only:
        mark_prior(answer)
    if extraction is not None:
        answer["extraction"] = extraction
    metrics.cases.labels("criminal", "ok").inc()
    generated = datetime.now().astimezone()
    html = report.render_criminal(case, answer, _model_cards(champions, CRIMINAL_TARGETS), generated)
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
    prior: PriorQuery = False,
) -> Response:
    """Inputs, award range (drawn and in numbers, and as a share of the claim), drivers, similar cases with their
    sources (reference only), models with run ids and training data, date and disclaimer. Non-binding. Like the
    estimate, a case must state at least one fact unless ``?prior=true``."""
    refused = no_fact_errors(case)
    if refused is not None and not prior:
        metrics.cases.labels("civil", "invalid").inc()
        return json_response({"detail": refused}, status_code=422)
    try:
        champions = holder.snapshot.require(CIVIL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    answer = champions.estimate_civil([case], k=settings.similar_k)[0]
    if refused is not None:
        mark_prior(answer)
    metrics.cases.labels("civil", "ok").inc()
    generated = datetime.now().astimezone()
    html = report.render_civil(case, answer, _model_cards(champions, CIVIL_TARGETS), generated)
    return _attachment(html, generated)
