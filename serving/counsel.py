"""The service layer of counsel's questions: the deviation check of a sentence or an award, co-defendants of one
case, and a whole judgment read and estimated. The routes (``serving.routers.counsel``, the HTML views and reports)
call these, so JSON, page and report answer and refuse alike.

Each function returns what its route shows, or the JSON error the API documents: 422 naming the refused field
(never its value), 503 without a champion. The numbers come from the kind's estimator
(:meth:`features.model.answer.CriminalEstimator.check`, ``answer``); nothing here computes a part of an answer.
Request bodies and judgment texts are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from features.law.schema import CivilCase, CriminalCase, no_fact_reason
from features.model.check import Award, Sentence
from features.model.codefendants import compare, merge
from features.tables import describe_validation_error
from features.text.documents import DocumentError
from features.text.judgment import DefendantRow, Judgment, parse_judgment, read_judgment
from serving.batch import champions_or_503, refuse
from serving.deps import Services
from serving.service import Answered, Kind

UNIT_NOT_ESTIMATED = (
    "a unit (被告单位) is punished by a fine only (Criminal Law Art. 253-1(3)); the estimates are for individual "
    "defendants"
)


def _no_fact(case: CriminalCase | CivilCase, where: str) -> list[dict[str, str]] | None:
    reason = no_fact_reason(case)
    return None if reason is None else [{"field": where, "reason": reason}]


def check(kind: Kind, case: CriminalCase | CivilCase, given: Sentence | Award, services: Services) -> Answered:
    """The case and its whole answer with the check of ``given`` (a sentence for criminal, an award for civil) in it
    under ``check``; or the error response (422 when the case states no fact, 503 without a champion)."""
    refused = _no_fact(case, "case")
    if refused is not None:
        return refuse(kind, refused, services.metrics)
    champions = champions_or_503(kind, services)
    if isinstance(champions, Response):
        return champions
    answer, placed = champions.check(kind, [case], [given], k=services.settings.similar_k)[0]
    assert placed is not None
    services.metrics.cases.labels(kind, "ok").inc()
    return case, {**answer, "check": placed}


def check_first(answer: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a check (``serving.schemas.CriminalCheck`` / ``CivilCheck``): the check, then the whole estimate it
    was placed in."""
    return {**answer["check"], "estimate": {k: v for k, v in answer.items() if k != "check"}}


@dataclass
class Codefendants:
    """The defendants' cases, their answers (request order) and the comparison."""

    cases: list[CriminalCase]
    answers: list[dict[str, Any]]
    comparison: dict[str, Any]

    def body(self) -> dict[str, Any]:
        """The JSON answer (``serving.schemas.CodefendantsResponse``)."""
        return {
            "defendants": [
                {"index": i, "defendant": row["defendant"], "estimate": answer}
                for i, (row, answer) in enumerate(
                    zip(sorted(self.comparison["table"], key=lambda r: r["index"]), self.answers, strict=True)
                )
            ],
            **self.comparison,
        }


def codefendants(
    shared: dict[str, Any],
    defendants: list[dict[str, Any]],
    services: Services,
) -> Codefendants | Response:
    """Every defendant's case (shared facts, their own fields on top), estimated in one batch, and compared; or the
    422 naming every refused field (``shared.x``, ``defendants.i.x``), or the 503."""
    settings, metrics = services.settings, services.metrics
    if len(defendants) > settings.max_batch:
        reason = f"{len(defendants)} defendants: at most {settings.max_batch} per call"
        return refuse("criminal", [{"field": "defendants", "reason": reason}], metrics)
    cases, errors = merge(shared, defendants)
    detail = [e for errs in errors for e in errs]
    for i, case in enumerate(cases):
        if case is not None and (refused := _no_fact(case, f"defendants.{i}")) is not None:
            detail += refused
    if detail:
        return refuse("criminal", [dict(e) for e in detail], metrics)
    valid = [c for c in cases if c is not None]
    champions = champions_or_503("criminal", services)
    if isinstance(champions, Response):
        return champions
    answers = champions.estimate_criminal(valid, k=settings.similar_k)
    metrics.cases.labels("criminal", "ok").inc(len(valid))
    return Codefendants(valid, answers, compare(shared, defendants, valid, answers))


# ---------------------------------------------------------------------------------------------------- judgments
def stated_sentence(row: DefendantRow) -> Sentence | None:
    """The sentence a judgment states for a defendant, as a :class:`Sentence` (None when none was read or it is not
    one the law allows, e.g. a probation period the reader misread)."""
    outcome = row.outcome
    if outcome is None:
        return None
    term = outcome.prison_months if outcome.prison_months is not None else outcome.detention_months
    if term is None and (outcome.exempt_from_punishment or outcome.fine_yuan is not None):
        term = 0.0
    if term is None:
        return None
    try:
        return Sentence(
            custodial_months=term, probation_months=outcome.probation_months or None, fine_yuan=outcome.fine_yuan
        )
    except ValidationError:
        return None


def read(data: bytes | None, text: str | None, filename: str) -> Judgment | list[dict[str, str]]:
    """The judgment of an uploaded file or a pasted text, or the 422 detail (the file cannot be read)."""
    try:
        if data is not None:
            return read_judgment(data, filename)
        assert text is not None
        return parse_judgment(text, source=filename)
    except DocumentError as exc:
        return [{"field": "file" if data is not None else "text", "reason": str(exc)}]


def _defendant_case(row: DefendantRow) -> tuple[CriminalCase | None, list[dict[str, str]]]:
    if row.unit:
        return None, [{"field": "(defendant)", "reason": UNIT_NOT_ESTIMATED}]
    fields = {k: v for k, v in row.facts_case().items() if k != "proceeding"}
    try:
        case = CriminalCase.model_validate(fields)
    except ValidationError as exc:
        return None, [dict(e) for e in describe_validation_error(exc)]
    reason = no_fact_reason(case)
    if reason is not None:
        return None, [{"field": "(case)", "reason": reason}]
    return case, []


async def judgment(
    data: bytes | None,
    text: str | None,
    filename: str,
    services: Services,
) -> dict[str, Any] | Response:
    """A whole judgment (an uploaded file's bytes or a pasted text) read and answered per defendant: the case fields
    with their evidence and confidence, the estimate, and where the stated sentence falls in it
    (``serving.schemas.JudgmentResponse``); or 422 (the file cannot be read) / 503."""
    read_ = await run_in_threadpool(read, data, text, filename)  # reading a PDF takes a while: off the event loop
    settings, metrics = services.settings, services.metrics
    if isinstance(read_, list):
        return refuse("criminal", read_, metrics)
    champions = champions_or_503("criminal", services)
    if isinstance(champions, Response):
        return champions
    rows: list[dict[str, Any]] = []
    valid: list[tuple[int, CriminalCase, Sentence | None]] = []
    for i, row in enumerate(read_.defendants):
        case, errors = _defendant_case(row)
        sentence = stated_sentence(row)
        rows.append(
            {
                "defendant": row.defendant,
                "unit": row.unit,
                "case": {k: v for k, v in row.facts_case().items() if k != "proceeding"},
                "evidence": {k: [s.model_dump(mode="json") for s in v] for k, v in row.evidence.items() if v},
                "confidence": row.confidence,
                "stated_sentence": sentence.model_dump(mode="json") if sentence is not None else None,
                "ok": case is not None,
                "errors": errors or None,
                "estimate": None,
                "check": None,
            }
        )
        if case is not None:
            valid.append((i, case, sentence))
    if valid:
        cases, sentences = [c for _, c, _ in valid], [s for _, _, s in valid]
        pairs = champions.check("criminal", cases, sentences, k=settings.similar_k)
        for (i, _, _), (answer, check) in zip(valid, pairs, strict=True):
            rows[i]["estimate"] = answer
            rows[i]["check"] = check
    metrics.cases.labels("criminal", "ok").inc(len(valid))
    return {
        "court": read_.court,
        "case_number": read_.case_number,
        "year": read_.year,
        "instance": read_.instance,
        "appeal_result": read_.appeal_result,
        "personal_information": read_.personal_information,
        "warnings": list(read_.warnings),
        "defendants": rows,
    }
