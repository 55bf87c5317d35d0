"""Training targets drawn from labelled cases. Units: months (custodial), yuan (fine, award), 0/1 (probation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from features.law.schema import CivilCase, CriminalCase
from features.store import TARGETS

CaseModel = CriminalCase | CivilCase
# Sources that record the term but not whether it was suspended: their null probation_months means "unknown",
# not "not suspended", so they are left out of the probation target (CAIL2018 has no probation field).
PROBATION_UNKNOWN_ID_PREFIXES = ("cail-",)
# civil orders besides money, told against their base rate (no model selection: too few judgments record them)
ORDER_TARGETS = ("apology_ordered", "injunction")


@dataclass
class TargetData:
    target: str
    cases: list[CaseModel]
    y: NDArray[np.float64]
    groups: list[str]

    def __len__(self) -> int:
        return len(self.cases)


def target_data(cases: Sequence[CaseModel], target: str) -> TargetData:
    """The labelled rows for one target.

    - ``custodial_months``: criminal rows whose custodial term is known (0 = fine only / exempt);
    - ``probation``: criminal rows with a custodial term > 0 from sources that record probation; y = 1 when
      suspended;
    - ``fine_yuan``: criminal rows with a fine > 0;
    - ``awarded_total_yuan``: civil and public-interest rows whose total award is known (0 = rejected);
    - ``apology_ordered`` / ``injunction`` (``ORDER_TARGETS``): civil rows that record whether the order was made.
    """
    if target not in (*TARGETS, *ORDER_TARGETS):
        raise ValueError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
    rows: list[tuple[CaseModel, float]] = []
    for case in cases:
        value: Any = None
        if isinstance(case, CriminalCase):
            custodial = case.custodial_months
            if target == "custodial_months":
                value = custodial
            elif (
                target == "probation"
                and custodial
                and not (case.case_id or "").startswith(PROBATION_UNKNOWN_ID_PREFIXES)
            ):
                value = 1.0 if case.probation_months else 0.0
            elif target == "fine_yuan" and case.fine_yuan:
                value = case.fine_yuan
        elif target == "awarded_total_yuan":
            value = case.awarded_total_yuan
        elif target in ORDER_TARGETS:
            order = getattr(case, target)
            value = None if order is None else float(order)
        if value is not None:
            rows.append((case, float(value)))
    return TargetData(
        target=target,
        cases=[c for c, _ in rows],
        y=np.asarray([v for _, v in rows], dtype=float),
        groups=[c.group_id or c.case_id or str(i) for i, (c, _) in enumerate(rows)],
    )
