"""``POST /v1/criminal/estimate.html`` and ``POST /v1/civil/estimate.html``: the estimate drawn, as the HTML
fragment the litigators' page shows.

Same bodies, champions and answer as ``/v1/<kind>/estimate`` (a case, or for criminal cases ``{"facts": ...}``),
and the same JSON errors (422 naming the refused fields, 401, 413, 503), so a client shows errors next to its
fields. The 200 is one ``<div class="answer">`` drawn by :mod:`serving.render` from the same parts as the exported
report: statutory band and its rules, ranges as inline SVG, gauges, drivers, similar cases with their sources
(reference only), models and data, disclaimer. Styled by ``/static/answer.css``; no script, no external load.
It holds the case, so it is never cached or logged.
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

router = APIRouter(prefix="/v1", tags=["view"], dependencies=[Depends(require_api_key), Depends(require_json)])

_EXAMPLE = (
    '<div class="answer" id="answer" data-kind="criminal">\n<p class="disclaimer" id="disclaimer"><b>Non-binding.'  # not-law: an example answer
    '</b> ...</p>\n<section class="part part-headline" data-part="headline">...</section>\n'
    '<section class="part part-band" data-part="band">...<p class="band" id="band" data-band="especially_serious">'
    "...</section>\n"
    '<section class="part part-custodial" data-part="custodial">...<svg id="custodial-chart" class="range" ...'
    'data-low="36.0" data-high="84.0" data-point="36.0" ...>...</svg>...</section>\n...</div>'
)


def _responses(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": f'The {what} estimate drawn as an HTML fragment (one <div class="answer">, parts as '
            '<section data-part="...">, ranges as inline SVG whose data-low/high/point attributes carry the '
            "numbers); style it with /static/answer.css",
            "content": {"text/html": {"example": _EXAMPLE}},
        },
        **as_json(ESTIMATE_RESPONSES),
    }


@router.post(
    "/criminal/estimate.html",
    response_class=HTMLResponse,
    responses=_responses("criminal"),
    summary="The criminal estimate drawn as HTML (the page's answer)",
)
async def criminal_view(
    body: Annotated[criminal.CriminalBody, Body(openapi_examples=criminal.CASE_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """The answer of ``POST /v1/criminal/estimate``, drawn: band and cited rules, custodial months on the 0-84
    month axis with the legal range, P(term <= 36 months) and P(probation), the fine on a log axis with the
    Interp. 2017 Art. 12 guideline, drivers, similar cases (reference only), models. Non-binding."""
    return service.fragment("criminal", await service.criminal(body, services, prior))


@router.post(
    "/civil/estimate.html",
    response_class=HTMLResponse,
    responses=_responses("civil"),
    summary="The civil estimate drawn as HTML (the page's answer)",
)
async def civil_view(
    case: Annotated[CivilCase, Body(openapi_examples=civil.CASE_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """The answer of ``POST /v1/civil/estimate``, drawn: the award on a log axis up to the claim, its share of the
    claim, drivers, similar cases (reference only), models. Non-binding."""
    return service.fragment("civil", service.civil(case, services, prior))
