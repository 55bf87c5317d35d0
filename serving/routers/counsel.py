"""Counsel's operations: ``POST /v1/criminal/check`` and ``/v1/civil/check`` (where a sentence or an award falls in
the estimate), ``POST /v1/criminal/codefendants`` (several defendants of one case), ``POST /v1/criminal/judgment``
(a whole judgment read, each defendant estimated, the stated sentence checked), the drawn answers the page shows
(``check.html``, ``codefendants.html``) and the reports with a check (``check/report``).

Thin over :mod:`serving.counsel`; the same JSON errors as the estimate endpoints (401, 413, 415, 422 naming the
field, 503). The judgment route takes ``multipart/form-data`` (field ``file``: .txt, .html, .docx, .pdf) or JSON
``{"text": ...}``; the body limit is the service's (``EXPOSURE_MAX_BODY_BYTES``). Bodies are never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, Response

from features.model.check import Award, Sentence
from serving import counsel, examples, render, service
from serving.deps import ServicesDep, require_api_key
from serving.errors import field_errors, json_response
from serving.limits import JSON_MEDIA, require_json
from serving.routers.responses import AUTH_RESPONSES, BODY_RESPONSES, ESTIMATE_RESPONSES, as_json
from serving.schemas import (
    CivilCheck,
    CivilCheckRequest,
    CodefendantsRequest,
    CodefendantsResponse,
    CriminalCheck,
    CriminalCheckRequest,
    JudgmentResponse,
    JudgmentText,
    JudgmentUpload,
)
from serving.service import Kind

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key), Depends(require_json)])
# the judgment route takes an upload (multipart/form-data) as well as JSON: it checks the media type itself
judgment_router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])

CHECK_EXAMPLES: dict[str, Any] = {
    "recommendation": {
        "summary": "Is a recommendation of 30 months in line with similar cases?",
        "value": examples.CRIMINAL_CHECK_REQUEST,
    },
    "suspended": {
        "summary": "A suspended sentence of one year (probation 18 months)",
        "value": {
            "case": {"records_total": 6000, "data_types": ["contact"], "conduct": ["sell"], "guilty_plea": True},
            "sentence": {"custodial_months": 12, "probation_months": 18, "fine_yuan": 5000},  # not-law: an example
        },
    },
}
CIVIL_CHECK_EXAMPLES: dict[str, Any] = {
    "public_interest": {
        "summary": "Public-interest damages of 300,000 yuan against a 500,000 yuan claim",
        "value": examples.CIVIL_CHECK_REQUEST,
    }
}
CODEFENDANT_EXAMPLES: dict[str, Any] = {
    "principal_and_accessory": {
        "summary": "A principal and an accessory of one case",
        "value": examples.CODEFENDANTS_REQUEST,
    }
}


def _html_responses(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": what, "content": {"text/html": {"example": '<div class="answer" ...>...</div>'}}},
        **as_json(ESTIMATE_RESPONSES),
    }


# ---------------------------------------------------------------------------------------------------- checks
# Six routes, one per kind and way out, made by one factory: the body is parsed as the kind's request, checked by
# serving.counsel.check, and answered as JSON (the check first), as the page's drawn answer or as the report file.
# Their texts are the OpenAPI document's (summary, description, the 200's description): they stay word for word.
@dataclass(frozen=True)
class _Check:
    kind: Kind
    request: type[CriminalCheckRequest] | type[CivilCheckRequest]
    response: type[CriminalCheck] | type[CivilCheck]
    examples: dict[str, Any]
    given: Callable[[Any], Sentence | Award]  # the sentence (criminal) or the award (civil) of the body


_CHECKS = (
    _Check("criminal", CriminalCheckRequest, CriminalCheck, CHECK_EXAMPLES, lambda body: body.sentence),
    _Check("civil", CivilCheckRequest, CivilCheck, CIVIL_CHECK_EXAMPLES, lambda body: body.award),
)
_CHECK_TEXTS: dict[tuple[str, Kind], tuple[str, str, str]] = {
    # (way out, kind): (summary, description, the 200's description for the HTML ways out)
    ("json", "criminal"): (
        "Where a proposed or actual sentence falls in the estimate (deviation check)",
        """For a prosecutor's recommendation (量刑建议) or a judgment's sentence: the custodial term's ``percentile`` in
the predictive distribution of cases like this, whether it lies outside the 80% and 95% ranges and the band's
legal range (Criminal Law Art. 253-1), P(probation) against a suspended or unsuspended sentence, the fine
against its distribution and the Interp. 2017 Art. 12 guideline, the similar cases below, at and above it with
their sources (reference only), plain sentences, and the whole estimate. Non-binding.""",
        "",
    ),
    ("json", "civil"): (
        "Where a proposed or actual award falls in the estimate, and against the claim",
        """The award's ``percentile`` in the predictive distribution (with the share of judgments that award nothing),
whether it lies outside the 80% and 95% ranges, its share of the claim, the similar judgments below, at and
above it with their sources (reference only), a plain sentence, and the whole estimate. Non-binding.""",
        "",
    ),
    ("view", "criminal"): (
        "The criminal deviation check drawn as HTML (the page's answer)",
        """The answer of ``POST /v1/criminal/estimate`` drawn, led by where the sentence falls: on the estimate's range
bar, its percentile, the ranges it lies in or outside, the similar cases below and above it.""",
        "The estimate drawn with the check of the sentence first (the page's answer)",
    ),
    ("view", "civil"): (
        "The civil deviation check drawn as HTML (the page's answer)",
        "The answer of ``POST /v1/civil/estimate`` drawn, led by where the award falls.",
        "The civil estimate drawn with the check of the award first",
    ),
    ("report", "criminal"): (
        "The criminal report with the deviation check of a sentence (HTML file)",
        "The report of ``POST /v1/criminal/report`` with where the sentence falls printed first.",
        "The report (HTML attachment) with the check of the sentence",
    ),
    ("report", "civil"): (
        "The civil report with the deviation check of an award (HTML file)",
        "The report of ``POST /v1/civil/report`` with where the award falls printed first.",
        "The report (HTML attachment) with the check of the award",
    ),
}


def _check_route(check: _Check, way: str) -> None:
    """Add the route of ``check``'s kind that answers the check the ``way`` given: json, view or report."""
    summary, description, html_what = _CHECK_TEXTS[(way, check.kind)]
    out: Callable[[service.Answered], Response] = {
        "json": lambda answered: service.as_json(answered, counsel.check_first),
        "view": lambda answered: service.fragment(check.kind, answered),
        "report": lambda answered: service.attachment(check.kind, answered),
    }[way]

    def endpoint(body: Any, services: ServicesDep) -> Response:
        return out(counsel.check(check.kind, body.case, check.given(body), services))

    # the body's model is the kind's: FastAPI reads it (and its examples) from the annotation
    endpoint.__annotations__["body"] = Annotated[check.request, Body(openapi_examples=check.examples)]
    suffix = {"json": "", "view": ".html", "report": "/report"}[way]
    router.add_api_route(
        f"/{check.kind}/check{suffix}",
        endpoint,
        methods=["POST"],
        name=f"{check.kind}_check" + {"json": "", "view": "_view", "report": "_report"}[way],
        summary=summary,
        description=description,
        tags=[check.kind if way == "json" else way],
        **(
            {"response_model": check.response, "responses": ESTIMATE_RESPONSES}
            if way == "json"
            else {"response_class": HTMLResponse, "responses": _html_responses(html_what)}
        ),
    )


for _way in ("json", "view", "report"):
    for _check in _CHECKS:
        _check_route(_check, _way)


# ---------------------------------------------------------------------------------------------------- co-defendants
def _given(body: CodefendantsRequest) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The fields the request set: the shared ones and each defendant's own (nothing a default filled in)."""
    return (
        body.shared.model_dump(mode="json", exclude_unset=True),
        [d.model_dump(mode="json", exclude_unset=True) for d in body.defendants],
    )


@router.post(
    "/criminal/codefendants",
    response_model=CodefendantsResponse,
    responses=ESTIMATE_RESPONSES,
    tags=["criminal"],
    summary="Estimate several defendants of one case and compare them",
)
def codefendants(
    body: Annotated[CodefendantsRequest, Body(openapi_examples=CODEFENDANT_EXAMPLES)],
    services: ServicesDep,
) -> Response:
    """The facts of the case once (``shared``), each defendant's own fields (role, own records or gains, own
    circumstances): one estimate per defendant, in one batch, and a table to compare them. On the same facts an
    accessory's estimate is never above a principal's (the accessory adjustment of 法发〔2021〕21号 only lowers it);
    ``ordering`` names the own facts where an accessory is above. A refused field is named where it was entered
    (``shared.records_total``, ``defendants.1.role``)."""
    answered = counsel.codefendants(*_given(body), services)
    return answered if isinstance(answered, Response) else json_response(answered.body())


@router.post(
    "/criminal/codefendants.html",
    response_class=HTMLResponse,
    responses=_html_responses("The co-defendants compared, each defendant's answer below (the page's answer)"),
    tags=["view"],
    summary="Co-defendants drawn as HTML (the page's answer)",
)
def codefendants_view(
    body: Annotated[CodefendantsRequest, Body(openapi_examples=CODEFENDANT_EXAMPLES)],
    services: ServicesDep,
) -> Response:
    """The comparison table of the defendants, then each defendant's drawn answer."""
    answered = counsel.codefendants(*_given(body), services)
    if isinstance(answered, Response):
        return answered
    fragment = render.codefendants_fragment(
        answered.cases, answered.answers, answered.comparison, datetime.now().astimezone()
    )
    return service.html(fragment, headers=service.FRAGMENT_HEADERS)


# ---------------------------------------------------------------------------------------------------- judgments
JUDGMENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A judgment file (multipart/form-data, field `file`) or its pasted text (JSON)",
        "content": {
            "multipart/form-data": {"schema": JudgmentUpload.model_json_schema()},
            JSON_MEDIA: {
                "schema": JudgmentText.model_json_schema(),
                "examples": {"pasted": {"summary": "A pasted judgment", "value": examples.JUDGMENT_REQUEST}},
            },
        },
    }
}
UNSUPPORTED = (
    'send the judgment as multipart/form-data (field `file`) or as JSON {"text": ...} with Content-Type: '
    "application/json"
)


async def _judgment_input(request: Request) -> tuple[bytes | None, str | None, str] | list[dict[str, str]]:
    """(file bytes, pasted text, file name) from the body, or the 422 detail; 415 for another media type."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return [{"field": "file", "reason": "no file was uploaded in the field `file`"}]
        data = await upload.read()
        if not data:
            return [{"field": "file", "reason": "the file is empty"}]
        return data, None, upload.filename or ""
    if media == JSON_MEDIA or media.endswith("+json"):
        try:
            body = JudgmentText.model_validate_json(await request.body())
        except ValidationError as exc:
            return field_errors(exc.errors(), drop_prefix=None)
        return None, body.text, body.filename or ""
    raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=UNSUPPORTED)


@judgment_router.post(
    "/criminal/judgment",
    response_model=JudgmentResponse,
    responses={
        **AUTH_RESPONSES,
        **BODY_RESPONSES,
        415: {"model": BODY_RESPONSES[415]["model"], "description": UNSUPPORTED},
        503: ESTIMATE_RESPONSES[503],
    },
    openapi_extra=JUDGMENT_BODY,
    tags=["criminal"],
    summary="Read a whole judgment and estimate every defendant; check the sentence it states",
)
async def judgment(request: Request, services: ServicesDep) -> Response:
    """Upload a judgment (.txt, .html, .docx, .pdf; simplified or traditional characters) or paste its text: per
    defendant, the case fields read from it (``features.text.judgment``) with the spans they came from and a
    confidence, the estimate, and, when the judgment states the sentence, where that real sentence falls in the
    estimate (``check``). Units (被告单位) are read but not estimated (a fine only). Non-binding; the text is never
    logged."""
    given = await _judgment_input(request)
    if isinstance(given, list):
        return json_response({"detail": given}, status_code=422)
    data, text, filename = given
    answered = await counsel.judgment(data, text, filename, services)
    return answered if isinstance(answered, Response) else json_response(answered)
