"""The law's direction, by construction: the sentencing guideline's adjustments applied to a learned base.

A learned family predicts the *base* of a criminal outcome (custodial months or fine, on log(1 + y)) from the
facts that set and place the band (records, gains, data types, conduct, band, legal range...), never from the
sentencing circumstances. The circumstances enter only here, one coefficient each, additive on the log scale
(a multiplicative adjustment of the base, as 法发〔2021〕21号 adjusts a starting point), each bounded by the
guideline's stated range in the law table:

- mitigating (surrender, truthful confession, guilty plea, restitution, accessory role, attempt): coefficient in
  [ln(1 + range low), ln(1 + range high)] <= 0, so stating one never raises the estimate; the four of them that
  the guideline caps together (plea with surrender, confession, restitution: -60% combined, no double counting)
  are summed and clipped at ln(1 + max_combined_reduction);
- aggravating (recidivism, vulnerable victims, the insider who sells or provides data obtained in duties, 从重
  under Criminal Law Art. 253-1(2)): coefficient in the guideline's range >= 0, so stating one never lowers it.

Unknown is not false: a circumstance is 1 when stated, 0 when stated absent, and 1/2 when not stated (half its
effect; the answer shows both ways). The coefficients are fitted within their bounds by least squares on the
out-of-fold residuals of the base (scipy's ``lsq_linear``), so the data decide how much of the guideline's range
courts use, and the law decides the sign and the limits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import lsq_linear

from features.law.schema import CriminalCase
from features.law.statutory import BandResult, LawTable, insider_could_sell

UNKNOWN = 0.5  # a circumstance not stated counts half (unknown is not false)


@dataclass(frozen=True)
class Circumstance:
    name: str  # the guideline adjustment's name in the law table
    label: str  # what the answer calls it
    mitigating: bool
    capped: bool  # in the guideline's combined cap (plea with surrender, confession, restitution)


CIRCUMSTANCES: tuple[Circumstance, ...] = (
    Circumstance("surrender", "surrender (自首, Criminal Law Art. 67(1))", True, True),
    Circumstance("truthful_confession", "truthful confession (坦白, Criminal Law Art. 67(3))", True, True),
    Circumstance("guilty_plea", "guilty plea (认罪认罚, Criminal Procedure Law Art. 15)", True, True),
    Circumstance("restitution", "restitution (退赃退赔)", True, True),
    Circumstance("accessory", "accessory role (从犯, Criminal Law Art. 27)", True, False),
    Circumstance("attempt", "attempt (未遂, Criminal Law Art. 23)", True, False),
    Circumstance("recidivist", "recidivism (累犯, Criminal Law Art. 65)", False, False),
    Circumstance("vulnerable_victims", "vulnerable victims (minors, elderly)", False, False),
    Circumstance(
        "insider", "insider selling data obtained in duties (从重, Criminal Law Art. 253-1(2))", False, False
    ),
)
NAMES = tuple(c.name for c in CIRCUMSTANCES)
# the three states of each circumstance of CIRCUMSTANCES as case fields: stated, unknown, stated absent
STATES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "surrender": ({"surrender": True}, {"surrender": None}, {"surrender": False}),
    "truthful_confession": (
        {"truthful_confession": True},
        {"truthful_confession": None},
        {"truthful_confession": False},
    ),
    "guilty_plea": ({"guilty_plea": True}, {"guilty_plea": None}, {"guilty_plea": False}),
    "restitution": ({"restitution": True}, {"restitution": None}, {"restitution": False}),
    "accessory": ({"role": "accessory"}, {"role": None}, {"role": "principal"}),
    "attempt": ({"attempt": True}, {"attempt": None}, {"attempt": False}),
    "recidivist": ({"recidivist": True}, {"recidivist": None}, {"recidivist": False}),
    "vulnerable_victims": (
        {"victim_category": "minors"},
        {"victim_category": None},
        {"victim_category": "general_public"},
    ),
    "insider": ({"insider": True}, {"insider": None}, {"insider": False}),
}
VULNERABLE = ("minors", "elderly")


def _state(value: bool | None) -> float:
    return UNKNOWN if value is None else (1.0 if value else 0.0)


def circumstance_values(case: CriminalCase, band: BandResult) -> list[float]:
    """Each circumstance of ``CIRCUMSTANCES`` as 1 (stated), 0 (stated absent) or 1/2 (not stated)."""
    out: list[float] = []
    for c in CIRCUMSTANCES:
        if c.name == "accessory":
            out.append(UNKNOWN if case.role is None else float(case.role == "accessory"))
        elif c.name == "vulnerable_victims":
            out.append(UNKNOWN if case.victim_category is None else float(case.victim_category in VULNERABLE))
        elif c.name == "insider":
            # 从重 applies to the insider who sells or provides (the band's reading says whether it does); not stated,
            # it counts half only where the conduct is one it covers
            if case.insider is None:
                out.append(UNKNOWN if insider_could_sell(case) else 0.0)
            else:
                out.append(1.0 if band.insider_rule else 0.0)
        else:
            out.append(_state(getattr(case, c.name)))
    return out


def circumstance_matrix(cases: Sequence[CriminalCase], bands: Sequence[BandResult]) -> NDArray[np.float64]:
    """Shape (n_cases, len(CIRCUMSTANCES))."""
    return np.asarray([circumstance_values(c, b) for c, b in zip(cases, bands, strict=True)], dtype=float).reshape(
        len(cases), len(CIRCUMSTANCES)
    )


def bounds(law: LawTable) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lower and upper bounds of each coefficient on the log scale, from the guideline's ranges in the law table."""
    low, high = [], []
    for c in CIRCUMSTANCES:
        a, b = law.adjustments[c.name].range
        low.append(math.log1p(a))
        high.append(math.log1p(b))
    return np.asarray(low), np.asarray(high)


class AdjustmentLayer:
    """The circumstances' effect on log(1 + y): ``fit(C, residual)``, ``effect(C)`` -> shape (n,)."""

    def __init__(self, law: LawTable) -> None:
        self.low_, self.high_ = bounds(law)
        self.cap_ = math.log1p(law.max_combined_reduction)
        self.capped_ = np.asarray([c.capped for c in CIRCUMSTANCES])
        self.coef_ = np.clip(np.zeros(len(CIRCUMSTANCES)), self.low_, self.high_)

    def fit(self, C: NDArray[np.float64], residual: NDArray[np.float64]) -> AdjustmentLayer:
        """Coefficients within their bounds minimizing the squared error of ``residual`` (the target minus the base's
        out-of-fold prediction); a circumstance never seen stays at the bound nearest zero."""
        if len(C) == 0:
            return self
        fixed = np.isclose(self.low_, self.high_)
        free = ~fixed
        target = residual - C[:, fixed] @ self.low_[fixed]
        if free.any():
            solution = lsq_linear(C[:, free], target, bounds=(self.low_[free], self.high_[free]), method="bvls")
            self.coef_ = self.coef_.copy()
            self.coef_[free] = solution.x
        self.coef_[fixed] = self.low_[fixed]
        return self

    def effect(self, C: NDArray[np.float64]) -> NDArray[np.float64]:
        """The adjustment of log(1 + y) per case: capped mitigation plus the rest, shape (n,)."""
        parts = C * self.coef_
        capped = np.maximum(parts[:, self.capped_].sum(axis=1), self.cap_)
        return np.asarray(capped + parts[:, ~self.capped_].sum(axis=1), dtype=float)

    def as_dict(self) -> dict[str, Any]:
        return {c.name: float(v) for c, v in zip(CIRCUMSTANCES, self.coef_, strict=True)}
