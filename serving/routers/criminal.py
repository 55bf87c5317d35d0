"""``POST /v1/criminal/estimate`` and ``POST /v1/criminal/estimate:batch``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import Discriminator, Tag
from starlette.responses import Response

from serving import examples, service
from serving.batch import PriorQuery, estimate_batch_response
from serving.deps import ServicesDep, require_api_key
from serving.limits import require_json
from serving.routers.responses import ESTIMATE_RESPONSES
from serving.schemas import (
    FACTS_EXAMPLE,
    CriminalBatchRequest,
    CriminalBatchResponse,
    CriminalCase,
    CriminalEstimate,
    FactsRequest,
)

LeversQuery = Annotated[
    bool,
    Query(
        description="With false, the answer leaves out the levers (each lever's other states are estimated in the "
        "same batch as the case; leaving them out makes the call faster)"
    ),
]

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
        "value": examples.CRIMINAL_BATCH_REQUEST,
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
    services: ServicesDep,
    prior: PriorQuery = False,
    levers: LeversQuery = True,
) -> Response:
    """Statutory band and the rules that set it (Interp. 2017), custodial months with a calibrated range,
    P(custodial <= 36 months), P(probation), fine range, the largest drivers, the levers (what changes if the
    defendant pleads, returns the gains, surrenders, or contests a role, insider status or the record count), the
    most similar real cases (reference only) and the models used. Non-binding.

    The body is a case, or ``{"facts": "<Chinese fact description>"}`` (optionally with ``"case": {...}`` fields
    that win over the ones read); the answer then carries the ``extraction`` with its evidence spans. A case must
    state at least one fact (record count, data types, conduct, gains, a circumstance...): otherwise 422 naming the
    fields that can be given, unless ``?prior=true``."""
    return service.as_json(await service.criminal(body, services, prior, levers))


@router.post(
    "/estimate:batch",
    response_model=CriminalBatchResponse,
    responses=ESTIMATE_RESPONSES,
    summary="Estimate several defendants; a bad case gets an error in its slot",
)
def estimate_batch(
    body: Annotated[CriminalBatchRequest, Body(openapi_examples=BATCH_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """Up to ``EXPOSURE_MAX_BATCH`` cases (default 100) per call; one result per case, in order. A case that
    states no fact is refused in its slot unless ``?prior=true``."""
    return estimate_batch_response(body.cases, "criminal", services, allow_prior=prior)
