"""Error answers of the operations (OpenAPI ``responses``), each with the body the service really sends.

Every operation of ``/v1`` may answer 401 (API keys configured, none valid). Every operation with a body may also
answer 413 (``TooLargeBody``: larger than ``EXPOSURE_MAX_BODY_BYTES``, by Content-Length or counted while
streaming), 415 (not declared JSON) and 422 (a field refused, named without its value). Estimates answer 503
without champions. Any path may answer 404 (no such path) and 405 (no such method on it), with an ``ErrorBody``:
those are in the document's ``components.responses`` (``ANY_PATH_RESPONSES``) and its description.
"""

from __future__ import annotations

from typing import Any

from serving.schemas import ErrorBody, TooLargeBody, UnavailableBody, ValidationErrorBody

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorBody,
        "description": "API keys are configured and none valid was given (header WWW-Authenticate: Bearer)",
    },
}
BODY_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {
        "model": TooLargeBody,
        "description": "The body is larger than EXPOSURE_MAX_BODY_BYTES (declared by Content-Length or counted "
        "while it streamed in); `limit_bytes` says the limit",
    },
    415: {"model": ErrorBody, "description": "The body is not declared JSON (Content-Type: application/json)"},
    422: {
        "model": ValidationErrorBody,
        "description": "A field was refused (named, without its value), the body is not JSON, or the case states "
        "no fact (field `(case)`, or `facts` when nothing could be read from a text; `?prior=true` opts into "
        "the prior)",
    },
}
ESTIMATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    **BODY_RESPONSES,
    503: {
        "model": UnavailableBody,
        "description": "No champion is registered yet: run `exposure train` (header Retry-After: seconds)",
    },
}

_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
ANY_PATH_RESPONSES: dict[str, dict[str, Any]] = {
    "NotFound": {"description": "404 on any path the service does not have", "content": _ERROR_BODY},
    "MethodNotAllowed": {
        "description": "405 on a path that has no such method (header Allow: the methods it has); HEAD is "
        "answered wherever GET is",
        "content": _ERROR_BODY,
    },
    "InternalError": {
        "description": "500 on an unexpected failure; logged by type and code location only",  # not-law: HTTP
        "content": _ERROR_BODY,
    },
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
