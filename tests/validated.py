"""One check for every JSON answer of the service: the body is an instance of the route's response model and says
nothing that model does not document, at any depth (a pydantic model alone ignores unknown fields)."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], answer: httpx.Response | dict[str, Any]) -> M:
    """``answer`` (a JSON response, or its body) parsed by ``model``; fails when the body has a field the model does
    not know (it would be dropped), or a value the model reads as another one."""
    if isinstance(answer, httpx.Response):
        assert answer.headers["content-type"].startswith("application/json"), answer.headers
        body = answer.json()
    else:
        body = answer
    parsed = model.model_validate(body)
    again = parsed.model_dump(mode="json", exclude_unset=True)
    assert again == body, _first_difference(body, again, model.__name__)
    return parsed


def _first_difference(given: Any, read: Any, where: str) -> str:
    """Where the body and the model's reading of it first differ (a path such as ``CriminalEstimate.levers.0``)."""
    if isinstance(given, dict) and isinstance(read, dict):
        for key in given.keys() | read.keys():
            if key not in read:
                return f"{where}.{key}: not in the model"
            if key not in given:
                return f"{where}.{key}: added by the model"
            if given[key] != read[key]:
                return _first_difference(given[key], read[key], f"{where}.{key}")
    if isinstance(given, list) and isinstance(read, list) and len(given) == len(read):
        for i, (a, b) in enumerate(zip(given, read, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}.{i}")
    return f"{where}: {given!r} read as {read!r}"
