"""How hard a criminal case is to place: the number of band-deciding facts it does not state, and the scale of
its residuals that normalized conformal intervals (``OutcomeRegressor(difficulty="missing_facts")``) use.

The band of Criminal Law Art. 253-1 is set by the thresholds of Interp. 2017 Art. 5: records counted by the
category of their data type, illegal gains, and the conduct (selling, providing, obtaining...). A case that leaves
one of them unstated may sit in another band or at another place in its band, so its outcome is less certain. The
facts counted (each 0 or 1 per case):

- ``records_by_type``: the records cannot be put in a threshold category (Art. 5(1)(3)-(5)): no split by type and
  not a single data type with a stated total;
- ``gains``: neither the illegal profit nor the sales are stated (Art. 5(1)(6));
- ``conduct``: no conduct is stated.

The insider (Art. 5(1)(8), halved thresholds; 从重 under Art. 253-1(2)) is not counted although it decides bands:
it is also a sentencing circumstance, and the law's direction (:mod:`features.model.direction`) requires the
range of an insider not stated to lie between those of an insider stated and stated absent; a wider range for
"not stated" would put its upper bound above the stated insider's.

The scale is ``1 + slope x missing`` (no unit: it multiplies residuals of log(1 + y)), with ``slope`` >= 0 from
the least-squares line of the absolute out-of-fold residuals on the count (slope / intercept), so a training set
where missing facts do not make errors larger gives every case the scale 1 (plain conformal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from features.law.columnar import CaseFacts

MISSING_FACTS = ("records_by_type", "gains", "conduct")
MAX_SLOPE = 2.0  # not-law: a case missing every fact is at most 1 + 3 x 2 = 7 times as uncertain as a complete one


def missing_facts(facts: CaseFacts) -> NDArray[np.int64]:
    """The number of :data:`MISSING_FACTS` each case does not state, shape (n,), values 0-3."""
    records = facts.numbers["records_total"]
    one_type_with_total = np.isfinite(records) & (facts.n_data_types == 1)
    no_category = ~facts.has_split & ~one_type_with_total
    no_gains = np.isnan(facts.numbers["illegal_profit_yuan"]) & np.isnan(facts.numbers["sales_yuan"])
    no_conduct = facts.conduct == 0
    return np.asarray(no_category.astype(np.int64) + no_gains + no_conduct, dtype=np.int64)


@dataclass(frozen=True)
class DifficultyScale:
    """``sigma = 1 + slope x missing`` per case (see module docstring); ``slope`` >= 0, no unit."""

    slope: float

    @staticmethod
    def fit(missing: NDArray[np.int64], residuals: NDArray[np.float64]) -> DifficultyScale:
        """The slope of |residual| on the missing count relative to its intercept, clipped to [0, MAX_SLOPE]; 0
        when the count does not vary."""
        k = np.asarray(missing, dtype=float)
        r = np.abs(np.asarray(residuals, dtype=float))
        if len(k) < 2 or np.ptp(k) == 0:
            return DifficultyScale(0.0)
        slope, intercept = np.polyfit(k, r, 1)
        if intercept <= 0:  # errors grow from nothing: the largest slope allowed
            return DifficultyScale(MAX_SLOPE if slope > 0 else 0.0)
        return DifficultyScale(float(np.clip(slope / intercept, 0.0, MAX_SLOPE)))

    def sigma(self, missing: NDArray[np.int64]) -> NDArray[np.float64]:
        """The scale of each case's residuals, shape (n,), >= 1."""
        return np.asarray(1.0 + self.slope * np.asarray(missing, dtype=float), dtype=float)
