"""Similar cases: the training cases nearest to a case in standardized feature space, offered as references
(not binding: SPC similar-case guidance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from features.law.schema import CriminalCase
from features.model.cases import CaseModel


@dataclass
class Reference:
    """A training case offered as a reference (not binding: SPC similar-case guidance)."""

    case_id: str
    summary: str | None
    court: str | None
    year: int | None
    source_url: str | None
    source_title: str | None
    outcome: dict[str, Any]


def _outcome_of(case: CaseModel) -> dict[str, Any]:
    if isinstance(case, CriminalCase):
        return {
            "custodial_months": case.custodial_months,
            "penalty": "imprisonment"
            if case.prison_months
            else "detention"
            if case.detention_months
            else "exempt"
            if case.exempt_from_punishment
            else "fine_only",
            "probation_months": case.probation_months,
            "fine_yuan": case.fine_yuan,
        }
    return {
        "awarded_total_yuan": case.awarded_total_yuan,
        "claimed_yuan": case.claimed_yuan,
        "apology_ordered": case.apology_ordered,
    }


class ReferenceSet:
    """Nearest training cases in standardized feature space; similarity = 1 / (1 + RMS distance)."""

    def __init__(self, features: NDArray[np.float64], cases: Sequence[CaseModel]) -> None:
        self.mean_ = features.mean(axis=0)
        scale = features.std(axis=0)
        self.scale_ = np.where(scale > 1e-9, scale, 1.0)
        self.matrix_ = (features - self.mean_) / self.scale_
        self.references_ = [
            Reference(
                case_id=c.case_id or "",
                summary=c.summary_en,
                court=c.court,
                year=c.year,
                source_url=c.source_url,
                source_title=c.source_title,
                outcome=_outcome_of(c),
            )
            for c in cases
        ]

    def nearest(self, features: NDArray[np.float64], k: int = 5) -> list[list[tuple[Reference, float]]]:
        z = (features - self.mean_) / self.scale_
        d = np.sqrt(((z[:, None, :] - self.matrix_[None, :, :]) ** 2).mean(axis=2))
        out = []
        for row in d:
            idx = np.argsort(row, kind="stable")[:k]
            out.append([(self.references_[i], float(1.0 / (1.0 + row[i]))) for i in idx])
        return out
