"""Error answers documented on every estimate endpoint (OpenAPI ``responses``)."""

from __future__ import annotations

from typing import Any

from serving.schemas import ErrorBody, UnavailableBody, ValidationErrorBody

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "API keys are configured and none valid was given"},
}
ESTIMATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    413: {"model": ErrorBody, "description": "The body is larger than EXPOSURE_MAX_BODY_BYTES"},
    422: {"model": ValidationErrorBody, "description": "A field was refused (named, without its value)"},
    503: {"model": UnavailableBody, "description": "No champion is registered yet: run `exposure train`"},
}
