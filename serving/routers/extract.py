"""``POST /v1/extract``: the case fields read from a Chinese fact description, with evidence spans."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from starlette.responses import Response

from features.text.facts import Extraction, extract_facts
from serving.deps import require_api_key
from serving.errors import json_response
from serving.limits import require_json
from serving.routers.responses import AUTH_RESPONSES, BODY_RESPONSES
from serving.schemas import FACTS_EXAMPLE, FactsText

router = APIRouter(prefix="/v1", tags=["extract"], dependencies=[Depends(require_api_key), Depends(require_json)])

EXAMPLES: dict[str, Any] = {
    "courier_insider": {"summary": "Facts of a judgment", "value": {"facts": FACTS_EXAMPLE}}
}
ANSWER_EXAMPLE = extract_facts(FACTS_EXAMPLE).model_dump(mode="json")  # pure and fast: the real reading


@router.post(
    "/extract",
    response_model=Extraction,
    responses={
        200: {"content": {"application/json": {"example": ANSWER_EXAMPLE}}},
        **AUTH_RESPONSES,
        **BODY_RESPONSES,
    },
    summary="Read case fields from a Chinese fact description",
)
def extract(body: Annotated[FactsText, Body(openapi_examples=EXAMPLES)]) -> Response:
    """Each field found comes with the spans of the text that support it; ``warnings`` flag uncertain readings.
    Nothing is guessed: a field that is not stated is null. Pass the fields on to ``/v1/criminal/estimate``
    (or send ``{"facts": ...}`` there directly)."""
    return json_response(extract_facts(body.facts).model_dump(mode="json"))
