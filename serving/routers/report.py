"""``POST /v1/criminal/report`` and ``POST /v1/civil/report``: the estimate as a self-contained HTML file to attach.

Same bodies as the estimate endpoints (a case, or for criminal cases ``{"facts": ...}``), same champions and
answer; the file is rendered by :mod:`serving.report` (the parts of the page's answer in the report's shell). It
holds the case, so it is never cached or logged.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.responses import HTMLResponse, Response

from serving import service
from serving.batch import PriorQuery
from serving.deps import ServicesDep, require_api_key
from serving.limits import require_json
from serving.routers import civil, criminal
from serving.routers.responses import ESTIMATE_RESPONSES, as_json
from serving.schemas import CivilCase

router = APIRouter(prefix="/v1", tags=["report"], dependencies=[Depends(require_api_key), Depends(require_json)])

_HTML_EXAMPLE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">...<title>Exposure report — 2026-11-23</title>'
    '...</head><body><main class="report"><header><h1>Sentencing exposure report (量刑预估报告) — Criminal Law '
    "Art. 253-1</h1>..."
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


@router.post(
    "/criminal/report",
    response_class=HTMLResponse,
    responses=_responses("criminal"),
    summary="The criminal estimate as a report to attach to a memo (HTML file)",
)
async def criminal_report(
    body: Annotated[criminal.CriminalBody, Body(openapi_examples=criminal.CASE_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """Inputs, statutory band and the rules of Interp. 2017 that set it, the ranges (drawn and in numbers),
    drivers, similar cases with their sources (reference only), models with run ids and training data, date and
    disclaimer. Non-binding."""
    return service.attachment("criminal", await service.criminal(body, services, prior))


@router.post(
    "/civil/report",
    response_class=HTMLResponse,
    responses=_responses("civil"),
    summary="The civil estimate as a report to attach to a memo (HTML file)",
)
async def civil_report(
    case: Annotated[CivilCase, Body(openapi_examples=civil.CASE_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """Inputs, award range (drawn and in numbers, and as a share of the claim), drivers, similar cases with their
    sources (reference only), models with run ids and training data, date and disclaimer. Non-binding."""
    return service.attachment("civil", service.civil(case, services, prior))
