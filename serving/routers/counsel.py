"""Counsel's operations: ``POST /v1/criminal/check`` and ``/v1/civil/check`` (where a sentence or an award falls in
the estimate), ``POST /v1/criminal/codefendants`` (several defendants of one case), ``POST /v1/criminal/judgment``
(a whole judgment read, each defendant estimated, the stated sentence checked), the drawn answers the page shows
(``check.html``, ``codefendants.html``) and the reports with a check (``check/report``).

Thin over :mod:`serving.counsel`; the same JSON errors as the estimate endpoints (401, 413, 415, 422 naming the
field, 503). The judgment route takes ``multipart/form-data`` (field ``file``: .txt, .html, .docx, .pdf) or JSON
``{"text": ...}``; the body limit is the service's (``EXPOSURE_MAX_BODY_BYTES``). Bodies are never logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request, status
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse, Response

from serving import counsel, examples, render, report, service
from serving.deps import HolderDep, MetricsDep, SettingsDep, require_api_key
from serving.errors import field_errors, json_response
from serving.limits import JSON_MEDIA, require_json
from serving.routers.responses import AUTH_RESPONSES, BODY_RESPONSES, ESTIMATE_RESPONSES, as_json
from serving.routers.view import FRAGMENT_HEADERS
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

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key), Depends(require_json)])
# the judgment route takes an upload (multipart/form-data) as well as JSON: it checks the media type itself
judgment_router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)])

CHECK_EXAMPLES: dict[str, Any] = {
    "recommendation": {
        "summary": "Is a recommendation of 30 months in line with similar cases?",
        "value": {
            "case": examples.CRIMINAL_CASE,
            "sentence": {"custodial_months": 30, "probation_months": None, "fine_yuan": 20000},
        },
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
        "value": {"case": examples.CIVIL_CASE, "award": {"awarded_total_yuan": 300000}},
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
@router.post(
    "/criminal/check",
    response_model=CriminalCheck,
    responses=ESTIMATE_RESPONSES,
    tags=["criminal"],
    summary="Where a proposed or actual sentence falls in the estimate (deviation check)",
)
def criminal_check(
    body: Annotated[CriminalCheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """For a prosecutor's recommendation (量刑建议) or a judgment's sentence: the custodial term's ``percentile`` in
    the predictive distribution of cases like this, whether it lies outside the 80% and 95% ranges and the band's
    legal range (Criminal Law Art. 253-1), P(probation) against a suspended or unsuspended sentence, the fine
    against its distribution and the Interp. 2017 Art. 12 guideline, the similar cases below, at and above it with
    their sources (reference only), plain sentences, and the whole estimate. Non-binding."""
    answered = counsel.criminal_check(body.case, body.sentence, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    _, answer, check = answered
    return json_response({**check, "estimate": answer})


@router.post(
    "/civil/check",
    response_model=CivilCheck,
    responses=ESTIMATE_RESPONSES,
    tags=["civil"],
    summary="Where a proposed or actual award falls in the estimate, and against the claim",
)
def civil_check(
    body: Annotated[CivilCheckRequest, Body(openapi_examples=CIVIL_CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The award's ``percentile`` in the predictive distribution (with the share of judgments that award nothing),
    whether it lies outside the 80% and 95% ranges, its share of the claim, the similar judgments below, at and
    above it with their sources (reference only), a plain sentence, and the whole estimate. Non-binding."""
    answered = counsel.civil_check(body.case, body.award, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    _, answer, check = answered
    return json_response({**check, "estimate": answer})


@router.post(
    "/criminal/check.html",
    response_class=HTMLResponse,
    responses=_html_responses("The estimate drawn with the check of the sentence first (the page's answer)"),
    tags=["view"],
    summary="The criminal deviation check drawn as HTML (the page's answer)",
)
def criminal_check_view(
    body: Annotated[CriminalCheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The answer of ``POST /v1/criminal/estimate`` drawn, led by where the sentence falls: on the estimate's range
    bar, its percentile, the ranges it lies in or outside, the similar cases below and above it."""
    answered = counsel.criminal_check(body.case, body.sentence, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    case, answer, check = answered
    fragment = render.answer_fragment("criminal", case, {**answer, "check": check}, datetime.now().astimezone())
    return service.html(fragment, headers=FRAGMENT_HEADERS)


@router.post(
    "/civil/check.html",
    response_class=HTMLResponse,
    responses=_html_responses("The civil estimate drawn with the check of the award first"),
    tags=["view"],
    summary="The civil deviation check drawn as HTML (the page's answer)",
)
def civil_check_view(
    body: Annotated[CivilCheckRequest, Body(openapi_examples=CIVIL_CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The answer of ``POST /v1/civil/estimate`` drawn, led by where the award falls."""
    answered = counsel.civil_check(body.case, body.award, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    case, answer, check = answered
    fragment = render.answer_fragment("civil", case, {**answer, "check": check}, datetime.now().astimezone())
    return service.html(fragment, headers=FRAGMENT_HEADERS)


def _attachment(html: str, generated: datetime) -> Response:
    return service.html(
        html, headers={"Content-Disposition": f'attachment; filename="{report.filename(generated)}"'}
    )


@router.post(
    "/criminal/check/report",
    response_class=HTMLResponse,
    responses=_html_responses("The report (HTML attachment) with the check of the sentence"),
    tags=["report"],
    summary="The criminal report with the deviation check of a sentence (HTML file)",
)
def criminal_check_report(
    body: Annotated[CriminalCheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The report of ``POST /v1/criminal/report`` with where the sentence falls printed first."""
    answered = counsel.criminal_check(body.case, body.sentence, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    case, answer, check = answered
    generated = datetime.now().astimezone()
    return _attachment(report.render_criminal(case, {**answer, "check": check}, None, generated), generated)


@router.post(
    "/civil/check/report",
    response_class=HTMLResponse,
    responses=_html_responses("The report (HTML attachment) with the check of the award"),
    tags=["report"],
    summary="The civil report with the deviation check of an award (HTML file)",
)
def civil_check_report(
    body: Annotated[CivilCheckRequest, Body(openapi_examples=CIVIL_CHECK_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The report of ``POST /v1/civil/report`` with where the award falls printed first."""
    answered = counsel.civil_check(body.case, body.award, holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    case, answer, check = answered
    generated = datetime.now().astimezone()
    return _attachment(report.render_civil(case, {**answer, "check": check}, None, generated), generated)


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
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The facts of the case once (``shared``), each defendant's own fields (role, own records or gains, own
    circumstances): one estimate per defendant, in one batch, and a table to compare them. On the same facts an
    accessory's estimate is never above a principal's (the accessory adjustment of 法发〔2021〕21号 only lowers it);
    ``ordering`` names the own facts where an accessory is above. A refused field is named where it was entered
    (``shared.records_total``, ``defendants.1.role``)."""
    answered = counsel.codefendants(*_given(body), holder, settings, metrics)
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
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """The comparison table of the defendants, then each defendant's drawn answer."""
    answered = counsel.codefendants(*_given(body), holder, settings, metrics)
    if isinstance(answered, Response):
        return answered
    fragment = render.codefendants_fragment(
        answered.cases, answered.answers, answered.comparison, datetime.now().astimezone()
    )
    return service.html(fragment, headers=FRAGMENT_HEADERS)


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
async def judgment(request: Request, holder: HolderDep, settings: SettingsDep, metrics: MetricsDep) -> Response:
    """Upload a judgment (.txt, .html, .docx, .pdf; simplified or traditional characters) or paste its text: per
    defendant, the case fields read from it (``features.text.judgment``) with the spans they came from and a
    confidence, the estimate, and, when the judgment states the sentence, where that real sentence falls in the
    estimate (``check``). Units (被告单位) are read but not estimated (a fine only). Non-binding; the text is never
    logged."""
    given = await _judgment_input(request)
    if isinstance(given, list):
        return json_response({"detail": given}, status_code=422)
    data, text, filename = given
    answered = await counsel.judgment(data, text, filename, holder, settings, metrics)
    return answered if isinstance(answered, Response) else json_response(answered)
