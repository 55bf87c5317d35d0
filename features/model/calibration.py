"""Conformal calibration of intervals: Mondrian groups of residuals and the conformal predictive system
(crepes) fitted on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from crepes import ConformalPredictiveSystem
from numpy.typing import NDArray

MIN_BIN_RESIDUALS = 12  # a Mondrian bin with fewer calibration residuals is merged with the next smallest
UNSEEN_BIN = "*"  # calibration_groups' entry for labels met only at prediction time


def calibration_groups(bins: Iterable[Any]) -> dict[str, str]:
    """Mondrian calibration groups: ``{bin label: group}``. A bin with fewer than ``MIN_BIN_RESIDUALS`` residuals
    is merged with the next smallest group until every group has enough; one group left means pooled ({}).

    E.g. custodial bins especially_serious 27, none 22, serious 8 -> {especially_serious}, {none, serious}: a
    pooled system had covered especially serious cases 93% and undetermined ones 69% at a stated 80%."""
    counts: dict[str, int] = {}
    for label in bins:
        counts[str(label)] = counts.get(str(label), 0) + 1
    groups = [([label], n) for label, n in counts.items()]
    while len(groups) > 1:
        groups.sort(key=lambda g: (g[1], g[0]))
        if groups[0][1] >= MIN_BIN_RESIDUALS:
            break
        (small, n_small), (next_, n_next) = groups[0], groups[1]
        groups = [(small + next_, n_small + n_next), *groups[2:]]
    if len(groups) < 2:
        return {}
    mapping = {label: "+".join(sorted(labels)) for labels, _ in groups for label in labels}
    largest = max(groups, key=lambda g: g[1])[0]
    mapping[UNSEEN_BIN] = mapping[largest[0]]  # a label met only at prediction time
    return mapping


def group_of(labels: NDArray[Any], groups: dict[str, str]) -> NDArray[Any]:
    """Each label's calibration group (``UNSEEN_BIN``'s for a label training did not see)."""
    return np.asarray([groups.get(str(label), groups[UNSEEN_BIN]) for label in labels], dtype=object)


def fit_cps(
    residuals: NDArray[np.float64], bins: NDArray[Any]
) -> tuple[ConformalPredictiveSystem, dict[str, str]]:
    """The conformal predictive system of the residuals, Mondrian over ``calibration_groups(bins)`` (or pooled)."""
    groups = calibration_groups(bins)
    cps = ConformalPredictiveSystem()
    if groups:
        cps.fit(residuals, bins=group_of(bins, groups))
    else:
        cps.fit(residuals)
    return cps, groups
