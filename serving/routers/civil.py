"""``POST /v1/civil/estimate`` and ``POST /v1/civil/estimate:batch``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.responses import Response

from serving import examples, service
from serving.batch import PriorQuery, estimate_batch_response
from serving.deps import ServicesDep, require_api_key
from serving.limits import require_json
from serving.routers.responses import ESTIMATE_RESPONSES
from serving.schemas import CivilBatchRequest, CivilBatchResponse, CivilCase, CivilEstimate

router = APIRouter(
    prefix="/v1/civil", tags=["civil"], dependencies=[Depends(require_api_key), Depends(require_json)]
)

CASE_EXAMPLES: dict[str, Any] = {
    "public_interest": {
        "summary": "A procuratorate sues the operators of a site selling minors' ID numbers",
        "value": examples.CIVIL_CASE,
    },
    "individual": {
        "summary": "A user sues an app for collecting contacts without consent",
        "value": {
            "plaintiff_type": "individual",
            "defendant_type": "company",
            "conduct": ["collect_without_consent"],
            "data_types": ["contact"],
            "claimed_yuan": 20000,
        },
    },
}

BATCH_EXAMPLES: dict[str, Any] = {
    "one_good_one_bad": {
        "summary": "The second case is refused in its slot; the first is estimated",
        "value": examples.CIVIL_BATCH_REQUEST,
    }
}


@router.post(
    "/estimate",
    response_model=CivilEstimate,
    responses=ESTIMATE_RESPONSES,
    summary="Estimate the award of one civil or public-interest case, in yuan",
)
async def estimate(
    case: Annotated[CivilCase, Body(openapi_examples=CASE_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """Award range in yuan (never above the claim), the award/claim ratio when a claim is given, the largest
    drivers, the most similar real cases (reference only) and the model used. Non-binding. A case must state at
    least one fact (claim, conduct, data, records, parties...): otherwise 422, unless ``?prior=true``."""
    return service.as_json(service.civil(case, services, prior))


@router.post(
    "/estimate:batch",
    response_model=CivilBatchResponse,
    responses=ESTIMATE_RESPONSES,
    summary="Estimate several civil cases; a bad case gets an error in its slot",
)
def estimate_batch(
    body: Annotated[CivilBatchRequest, Body(openapi_examples=BATCH_EXAMPLES)],
    services: ServicesDep,
    prior: PriorQuery = False,
) -> Response:
    """Up to ``EXPOSURE_MAX_BATCH`` cases (default 100) per call; one result per case, in order. A case that
    states no fact is refused in its slot unless ``?prior=true``."""
    return estimate_batch_response(body.cases, "civil", services, allow_prior=prior)
