"""Error answers that never echo what was sent (request bodies hold personal data), and the JSON response helper.

FastAPI's default 422 body repeats each refused ``input``; ours names the field and the reason only, like
``features.tables.describe_validation_error`` does for data files.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

_PROCEEDINGS = ("criminal", "civil", "public_interest")
# tags of discriminated unions: proceedings (features.law.schema.Case) and the two criminal bodies (case | facts)
_UNION_TAGS = (*_PROCEEDINGS, "case", "facts")


def json_response(content: Any, status_code: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """Serialize once with the standard library (no second validation pass of the answer models)."""
    try:
        body = json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN/inf somewhere: JSON has no such numbers
        body = json.dumps(_finite(content), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode("utf-8"), status_code, headers=headers, media_type="application/json")


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def field_errors(
    errors: Iterable[Mapping[str, Any]], drop_prefix: str | None = "body", tags: Iterable[str] = _UNION_TAGS
) -> list[dict[str, str]]:
    """``[{"field", "reason"}]`` from pydantic/FastAPI error dicts, without input values or context."""
    out: list[dict[str, str]] = []
    union_tags = frozenset(tags)
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        kind = str(err.get("type", ""))
        if drop_prefix and loc and loc[0] == drop_prefix:
            loc = loc[1:]
        # the tag of a union (proceeding, or the criminal body's case | facts) is no field, and a lone tag is the
        # case as a whole; but a lone "facts" is the field of a facts body ({} or {"facts": ""} to /v1/extract)
        if loc and loc[0] in union_tags and loc != ["facts"]:
            loc = loc[1:]
        if len(loc) >= 2 and loc[-1] == "[key]":
            loc = [*loc[:-2], "[key]"]  # an invalid dict key is an input value: say where, not what
        reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if kind == "json_invalid":
            loc, reason = [], "the body is not valid JSON"
        elif kind == "union_tag_invalid":  # pydantic's message quotes the tag that was sent
            loc, reason = [*loc[:-1], "proceeding"], "should be one of " + ", ".join(_PROCEEDINGS)
        out.append(
            {"field": ".".join(loc) or ("(body)" if kind == "json_invalid" else "(case)"), "reason": reason}
        )
    return out


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI answers 400 "There was an error parsing the body" when the body is not even text (bytes that are not
    UTF-8): that is the same client error as malformed JSON, so it gets the same documented 422."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        return json_response(
            {"detail": [{"field": "(body)", "reason": "the body is not valid JSON (UTF-8 text expected)"}]},
            status_code=422,
        )
    return await http_exception_handler(request, exc)


def _body_fields(request: Request) -> set[str]:
    """The fields of the matched route's body model (empty for a union body such as case | facts)."""
    body = getattr(request.scope.get("route"), "body_field", None)
    model = getattr(getattr(body, "field_info", None), "annotation", None)
    return set(getattr(model, "model_fields", {}))


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # a body whose own field is named "case" (a check: {"case": ..., "sentence": ...}) keeps it in the names
    tags = [t for t in _UNION_TAGS if t not in _body_fields(request)]
    return json_response({"detail": field_errors(exc.errors(), tags=tags)}, status_code=422)
