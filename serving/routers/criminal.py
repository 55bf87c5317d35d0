"""``POST /v1/criminal/estimate`` and ``POST /v1/criminal/estimate:batch``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import Discriminator, Tag, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from features.tables import describe_validation_error
from features.text.facts import extract_facts
from serving import examples
from serving.batch import PriorQuery, estimate_batch_response, mark_prior, no_fact_errors, unavailable
from serving.deps import HolderDep, MetricsDep, SettingsDep, require_api_key
from serving.errors import json_response
from serving.estimate import CRIMINAL_TARGETS, ChampionSet, NoChampionError
from serving.limits import require_json
from serving.observability import Metrics
from serving.routers.responses import ESTIMATE_RESPONSES
from serving.schemas import (
    FACTS_EXAMPLE,
    CriminalBatchRequest,
    CriminalBatchResponse,
    CriminalCase,
    CriminalEstimate,
    FactsRequest,
)
from serving.settings import Settings

router = APIRouter(
    prefix="/v1/criminal", tags=["criminal"], dependencies=[Depends(require_api_key), Depends(require_json)]
)

CASE_EXAMPLES: dict[str, Any] = {
    "courier_insider": {
        "summary": "An insider sold parcel data and lodging records",
        "value": examples.CRIMINAL_CASE,
    },
    "few_facts": {
        "summary": "Only a record count and the conduct are known",
        "value": {"records_total": 6000, "data_types": ["contact"], "conduct": ["sell"]},
    },
    "facts": {
        "summary": "A Chinese fact description instead of fields (read by features.text.facts)",
        "value": {"facts": FACTS_EXAMPLE},
    },
}


def _body_kind(value: Any) -> str:
    """A body with a ``facts`` key is text to read; anything else is validated as a case."""
    if isinstance(value, FactsRequest) or (isinstance(value, dict) and "facts" in value):
        return "facts"
    return "case"


CriminalBody = Annotated[
    Annotated[CriminalCase, Tag("case")] | Annotated[FactsRequest, Tag("facts")],
    Discriminator(_body_kind),
]

BATCH_EXAMPLES: dict[str, Any] = {
    "one_good_one_bad": {
        "summary": "The second case is refused in its slot; the first is estimated",
        "value": {"cases": [examples.CRIMINAL_CASE, {"records_total": -5}]},
    }
}


@router.post(
    "/estimate",
    response_model=CriminalEstimate,
    responses=ESTIMATE_RESPONSES,
    summary="Estimate the sentence of one defendant (Criminal Law Art. 253-1)",
)
async def estimate(
    body: Annotated[CriminalBody, Body(openapi_examples=CASE_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    prior: PriorQuery = False,
) -> Response:
    """Statutory band and the rules that set it (Interp. 2017), custodial months with a calibrated range,
    P(custodial <= 36 months), P(probation), fine range, the largest drivers, the most similar real cases
    (reference only) and the models used. Non-binding.

    The body is a case, or ``{"facts": "<Chinese fact description>"}`` (optionally with ``"case": {...}`` fields
    that win over the ones read); the answer then carries the ``extraction`` with its evidence spans. A case must
    state at least one fact (record count, data types, conduct, gains, a circumstance...): otherwise 422 naming the
    fields that can be given, unless ``?prior=true``."""
    refused = no_fact_errors(body) if isinstance(body, CriminalCase) else None
    if refused is not None and not prior:  # a client error whatever the champions: before the 503
        metrics.cases.labels("criminal", "invalid").inc()
        return json_response({"detail": refused}, status_code=422)
    try:
        champions = holder.snapshot.require(CRIMINAL_TARGETS)
    except NoChampionError as exc:
        return unavailable(str(exc), settings)
    if isinstance(body, FactsRequest):  # reading a long text takes a while: off the event loop
        return await run_in_threadpool(_estimate_facts, body, champions, settings, metrics, prior)
    # one case is a few milliseconds of CPU: computed inline, which measured faster than a thread hop
    answer = champions.estimate_criminal([body], k=settings.similar_k)[0]
    metrics.cases.labels("criminal", "ok").inc()
    return json_response(mark_prior(answer) if refused is not None else answer)


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


def _estimate_facts(
    body: FactsRequest, champions: ChampionSet, settings: Settings, metrics: Metrics, prior: bool
) -> Response:
    read = case_from_facts(body, prior)
    if isinstance(read, list):
        metrics.cases.labels("criminal", "invalid").inc()
        return json_response({"detail": read}, status_code=422)
    case, extraction, prior_only = read
    answer = champions.estimate_criminal([case], k=settings.similar_k)[0]
    answer["extraction"] = extraction
    metrics.cases.labels("criminal", "ok").inc()
    return json_response(mark_prior(answer) if prior_only else answer)


@router.post(
    "/estimate:batch",
    response_model=CriminalBatchResponse,
    responses=ESTIMATE_RESPONSES,
    summary="Estimate several defendants; a bad case gets an error in its slot",
)
def estimate_batch(
    body: Annotated[CriminalBatchRequest, Body(openapi_examples=BATCH_EXAMPLES)],
    holder: HolderDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    prior: PriorQuery = False,
) -> Response:
    """Up to ``EXPOSURE_MAX_BATCH`` cases (default 100) per call; one result per case, in order. A case that
    states no fact is refused in its slot unless ``?prior=true``."""
    return estimate_batch_response(body.cases, "criminal", holder, settings, metrics, allow_prior=prior)
