"""The law's direction, checked: a mitigating circumstance never raises an estimate, an aggravating one never
lowers it, and unknown lies between stated and stated absent.

For each case and each circumstance of :data:`features.model.adjust.CIRCUMSTANCES`, the case is estimated three
times, with the circumstance stated (true), not stated (unknown) and stated absent (false); the point, the range
and the fine must be ordered the law's way, and P(probation) the other way round (mitigation never lowers it).
Training runs this audit on every learned family before it may answer (a family that breaks the direction is
refused), and the test suite runs it on the seed cases and synthetic ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from features.law.schema import CriminalCase, parse_case
from features.model.adjust import CIRCUMSTANCES, STATES
from features.model.estimators import OutcomeRegressor, ProbationClassifier

TOLERANCE = 1e-9  # not-law: float noise

OUTCOME_FIELDS = ("prison_months", "detention_months", "probation_months", "fine_yuan", "exempt_from_punishment")


@dataclass(frozen=True)
class Violation:
    case_id: str | None
    circumstance: str
    what: str  # e.g. "custodial_months.point"

    def __str__(self) -> str:
        return f"{self.case_id or '?'}: {self.circumstance} moves {self.what} against the law's direction"


def variants(case: CriminalCase) -> list[tuple[str, CriminalCase, CriminalCase, CriminalCase]]:
    """(circumstance, stated, unknown, absent) versions of ``case`` for every circumstance (outcome removed)."""
    base = {k: v for k, v in case.model_dump(mode="json").items() if k not in OUTCOME_FIELDS and v is not None}
    out = []
    for c in CIRCUMSTANCES:
        three = []
        for state in STATES[c.name]:
            row = {**base, **state}
            row = {k: v for k, v in row.items() if v is not None}
            parsed = parse_case(row)
            assert isinstance(parsed, CriminalCase)
            three.append(parsed)
        out.append((c.name, three[0], three[1], three[2]))
    return out


def _ordered(stated: np.ndarray, unknown: np.ndarray, absent: np.ndarray, mitigating: bool) -> np.ndarray:
    """Rows where stated <= unknown <= absent (mitigating) or the reverse (aggravating) fails."""
    if mitigating:
        ok = (stated <= unknown + TOLERANCE) & (unknown <= absent + TOLERANCE)
    else:
        ok = (stated >= unknown - TOLERANCE) & (unknown >= absent - TOLERANCE)
    return np.asarray(~ok)


def violations(model: OutcomeRegressor | ProbationClassifier, cases: Sequence[CriminalCase]) -> list[Violation]:
    """Every way ``model`` breaks the law's direction on ``cases`` (an empty list: it never does)."""
    rows: list[CriminalCase] = []
    index: list[tuple[str | None, str, bool]] = []
    mitigating = {c.name: c.mitigating for c in CIRCUMSTANCES}
    for case in cases:
        for name, stated, unknown, absent in variants(case):
            rows += [stated, unknown, absent]
            index.append((case.case_id, name, mitigating[name]))
    if not rows:
        return []
    prepared = model.prepare(rows)
    found: list[Violation] = []
    if isinstance(model, ProbationClassifier):
        outputs = {"probation_probability": model.proba(prepared)}
        flip = {"probation_probability": True}  # mitigation never lowers P(probation)
    else:
        est = model.estimate(prepared)
        outputs = {f"{model.target}.{k}": est[k] for k in ("point", "low", "high")}
        flip = dict.fromkeys(outputs, False)
    for what, values in outputs.items():
        triples = np.asarray(values, dtype=float).reshape(-1, 3)
        for k, (case_id, name, mit) in enumerate(index):
            stated, unknown, absent = triples[k]
            direction = mit != flip[what]  # P(probation) runs the other way round
            bad = _ordered(np.array([stated]), np.array([unknown]), np.array([absent]), direction)
            if bad[0]:
                found.append(Violation(case_id, name, what))
    return found
