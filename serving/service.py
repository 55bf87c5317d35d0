"""The service layer under the answer routes: one case's answer, for ``/v1/<kind>/estimate`` (JSON), the page's
``/v1/<kind>/estimate.html`` (drawn) and ``/v1/<kind>/report`` (a file), so the three answer alike and refuse alike.

Each call returns the validated case and the estimator's answer, or the JSON error the API documents: 422 when a
case states no fact of a case (unless the caller asks for the prior with ``?prior=true``; the answer then says
``prior_only``) or when the case read from ``{"facts": ...}`` is refused, 503 without a champion. The answer itself
comes from the kind's estimator (:mod:`features.model.answer`); nothing here computes a part of it.

The three ways out are here once, for every route that answers a case (estimate, deviation check): :func:`as_json`,
:func:`fragment` (the page's drawn answer, :mod:`serving.render`) and :func:`attachment` (the report file,
:mod:`serving.report`); each passes an error response through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from features.law.schema import CivilCase, CriminalCase
from features.model.answer import mark_prior
from features.tables import describe_validation_error
from features.text.facts import extract_facts
from serving import render, report
from serving.batch import champions_or_503, no_fact_errors, refuse
from serving.deps import Services
from serving.errors import json_response
from serving.schemas import FactsRequest

Kind = Literal["criminal", "civil"]
Answered = tuple[Any, dict[str, Any]] | Response
"""The validated case and its answer, or the error response (422, 503) to send as it is."""

# what opening a drawn answer on its own may load: nothing (it is meant to be inserted into the page)
FRAGMENT_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"}


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


async def criminal(
    body: CriminalCase | FactsRequest, services: Services, prior: bool = False, levers: bool = True
) -> Answered:
    """The case (read from the facts when the body is ``{"facts": ...}``) and its answer (with its levers unless
    ``levers`` is false), or the error response."""
    metrics = services.metrics
    refused = no_fact_errors(body) if isinstance(body, CriminalCase) else None
    if refused is not None and not prior:  # a client error whatever the champions: before the 503
        return refuse("criminal", refused, metrics)
    champions = champions_or_503("criminal", services)
    if isinstance(champions, Response):
        return champions
    extraction: dict[str, Any] | None = None
    prior_only = refused is not None
    if isinstance(body, FactsRequest):  # reading a long text takes a while: off the event loop
        read = await run_in_threadpool(case_from_facts, body, prior)
        if isinstance(read, list):
            return refuse("criminal", read, metrics)
        case, extraction, prior_only = read
    else:
        case = body
    # one case is a few milliseconds of CPU: computed inline, which measured faster than a thread hop
    answer = champions.estimate_criminal([case], k=services.settings.similar_k, levers=levers)[0]
    if extraction is not None:
        answer["extraction"] = extraction
    metrics.cases.labels("criminal", "ok").inc()
    return case, mark_prior(answer) if prior_only else answer


def civil(case: CivilCase, services: Services, prior: bool = False) -> Answered:
    """The case and its answer, or the error response (422 without a fact, 503 without a champion)."""
    refused = no_fact_errors(case)
    if refused is not None and not prior:
        return refuse("civil", refused, services.metrics)
    champions = champions_or_503("civil", services)
    if isinstance(champions, Response):
        return champions
    answer = champions.estimate_civil([case], k=services.settings.similar_k)[0]
    services.metrics.cases.labels("civil", "ok").inc()
    return case, mark_prior(answer) if refused is not None else answer


def html(content: str, headers: dict[str, str] | None = None) -> Response:
    """HTML holding a case: never cached, never sniffed, never framed, nothing loaded when opened on its own."""
    return HTMLResponse(
        content,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


# ---------------------------------------------------------------------------------------------------- the ways out
def as_json(answered: Answered, body: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Response:
    """The answer as JSON (``body`` reshapes it, e.g. the check first), or the error response unchanged."""
    if isinstance(answered, Response):
        return answered
    answer = answered[1]
    return json_response(answer if body is None else body(answer))


def fragment(kind: Kind, answered: Answered) -> Response:
    """The answer drawn as the page's HTML fragment (:func:`serving.render.answer_fragment`), or the error."""
    if isinstance(answered, Response):
        return answered
    case, answer = answered
    return html(render.answer_fragment(kind, case, answer, datetime.now().astimezone()), headers=FRAGMENT_HEADERS)


def attachment(kind: Kind, answered: Answered) -> Response:
    """The answer as the report file to attach (:mod:`serving.report`, ``exposure-report-<date>.html``), or the
    error."""
    if isinstance(answered, Response):
        return answered
    case, answer = answered
    generated = datetime.now().astimezone()
    draw = report.render_criminal if kind == "criminal" else report.render_civil
    return html(
        draw(case, answer, None, generated),
        headers={"Content-Disposition": f'attachment; filename="{report.filename(generated)}"'},
    )
