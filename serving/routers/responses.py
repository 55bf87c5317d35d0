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


def as_json(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The same answers for a route whose own response class is not JSON (the HTML reports): FastAPI would file a
    ``model`` under the route's media type, but these errors are JSON, so their content is spelled out."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, response in responses.items():
        response = dict(response)
        model = response.pop("model", None)
        if model is not None:
            response["content"] = {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            }
        out[status] = response
    return out
