"""How often the outcome parser gets a defendant's whole sentence right, on hand-coded quotes.

The file is JSON lines, one object per defendant: ``text`` (a quote stating the sentence), ``defendant`` and the
hand-coded ``prison_months``, ``detention_months``, ``probation_months``, ``fine_yuan`` (null when the quote
gives none) and ``exempt_from_punishment`` (the format of ../shared/data/quotes/outcomes.jsonl). Rows sharing a
quote are read with one parse.

A defendant is *fully right* when the parser returns an outcome for that defendant (the name in simplified
characters; an outcome without a name counts only when it is the quote's only outcome and the quote has only
this defendant) whose five fields all equal the hand-coded ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from features.text.script import to_simplified
from features.text.sentences import FIELDS, DefendantOutcome, parse_outcomes


class OutcomeError(BaseModel):
    line: int
    defendant: str
    problem: str = Field(description="'not found' or the fields that differ")
    got: dict[str, Any] | None = None
    expected: dict[str, Any]


class OutcomeReport(BaseModel):
    file: str
    defendants: int
    fully_right: int
    field_right: dict[str, int]
    errors: list[OutcomeError]

    @property
    def accuracy(self) -> float:
        return self.fully_right / self.defendants if self.defendants else 0.0


def _match(outcomes: list[DefendantOutcome], name: str, alone: bool) -> DefendantOutcome | None:
    for o in outcomes:
        if o.defendant == name:
            return o
    if alone and len(outcomes) == 1 and outcomes[0].defendant is None:
        return outcomes[0]
    return None


def _equal(got: Any, expected: Any) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    if isinstance(expected, bool) or isinstance(got, bool):
        return bool(got) == bool(expected)
    return abs(float(got) - float(expected)) < 1e-6


def evaluate_outcomes(path: Path) -> OutcomeReport:
    """Score :func:`parse_outcomes` on a quotes file (raises ValueError naming the line of a malformed row)."""
    rows: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj.get("defendant"):
                raise ValueError(f"{path}:{lineno}: needs 'text' and 'defendant'")
            rows.append((lineno, obj))
    by_text: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for item in rows:
        by_text[item[1]["text"]].append(item)
    errors: list[OutcomeError] = []
    right = 0
    field_right = dict.fromkeys(FIELDS, 0)
    for text, items in by_text.items():
        outcomes = parse_outcomes(text)
        for lineno, obj in items:
            name = to_simplified(str(obj["defendant"]))
            expected = {f: obj.get(f) for f in FIELDS}
            if expected["exempt_from_punishment"] is None:
                expected["exempt_from_punishment"] = False
            o = _match(outcomes, name, alone=len(items) == 1)
            if o is None:
                errors.append(OutcomeError(line=lineno, defendant=name, problem="not found", expected=expected))
                continue
            got = {f: getattr(o, f) for f in FIELDS}
            if got["exempt_from_punishment"] is None:
                got["exempt_from_punishment"] = False
            wrong = [f for f in FIELDS if not _equal(got[f], expected[f])]
            for f in FIELDS:
                field_right[f] += f not in wrong
            if wrong:
                errors.append(
                    OutcomeError(line=lineno, defendant=name, problem=", ".join(wrong), got=got, expected=expected)
                )
            else:
                right += 1
    errors.sort(key=lambda e: e.line)
    return OutcomeReport(
        file=str(path), defendants=len(rows), fully_right=right, field_right=field_right, errors=errors
    )


__all__ = ["OutcomeReport", "evaluate_outcomes"]
