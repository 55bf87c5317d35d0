"""Conformal calibration of intervals: Mondrian groups of residuals and the conformal predictive systems (crepes)
fitted on them, ordered by severity where the law orders the groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from crepes import ConformalPredictiveSystem
from numpy.typing import NDArray

from features.model import conformal

MIN_BIN_RESIDUALS = 12  # a Mondrian bin with fewer calibration residuals is merged with the next smallest
UNSEEN_BIN = "*"  # calibration_groups' entry for labels met only at prediction time
POOLED = "all"  # the one group of a pooled calibrator


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


class Calibrator:
    """Conformal predictive distributions of log(1 + y) around a point, from out-of-fold residuals, Mondrian over
    ``calibration_groups`` of the bin labels (pooled when every bin is small): one conformal predictive system
    (crepes, no random smoothing: the same case always gets the same answer) per group.

    ``order`` (bin labels from least to most severe, e.g. the statutory bands) keeps the law's direction: a case
    in a more severe bin never gets a lower bound, a lower upper bound or a higher P(Y <= y) than it would in a
    less severe one. The upper quantile of a bin is the largest of its own and those of the less severe bins, the
    lower quantile the smallest of its own and those of the more severe bins, P(Y <= y) the smallest of its own
    and the less severe bins'. So an aggravating fact that moves a case up a band (an insider's halved thresholds,
    Interp. 2017 Art. 5(1)(8)) never narrows its range downwards.

    ``interval(z_hat, labels, level)`` -> (low, high); ``cdf(z_hat, labels, y)`` -> P(Y <= y);
    ``quantile(z_hat, labels, q, higher)`` -> a per-row quantile (q of shape (n,)); all on log(1 + y), shape (n,).
    """

    def __init__(
        self, residuals: NDArray[np.float64], labels: NDArray[Any], order: Sequence[str] | None = None
    ) -> None:
        residuals = np.asarray(residuals, dtype=float)
        labels = np.asarray(labels, dtype=object)
        self.groups_ = calibration_groups(labels)
        keys = group_of(labels, self.groups_) if self.groups_ else np.full(len(labels), POOLED, dtype=object)
        self.systems_: dict[str, ConformalPredictiveSystem] = {}
        for key in sorted(set(keys.tolist())):
            cps = ConformalPredictiveSystem()
            cps.fit(residuals[keys == key])
            self.systems_[str(key)] = cps
        self.order_ = list(order) if order is not None else None
        self.n_residuals_ = len(residuals)

    def _group(self, label: Any) -> str:
        return self.groups_.get(str(label), self.groups_[UNSEEN_BIN]) if self.groups_ else POOLED

    def _rank(self, label: str) -> int:
        assert self.order_ is not None
        return self.order_.index(label) if label in self.order_ else len(self.order_)

    def _systems_for(self, label: Any, towards: str) -> list[ConformalPredictiveSystem]:
        """The systems whose quantiles bound a row of ``label``: its own group's and, with an order, the groups of
        every less severe (``towards="lower"``) or more severe (``"higher"``) label."""
        own = self._group(label)
        if self.order_ is None or not self.groups_:
            return [self.systems_[own]]
        rank = self._rank(str(label))
        keys = {own}
        for other in self.order_:
            r = self._rank(other)
            if (towards == "lower" and r <= rank) or (towards == "higher" and r >= rank):
                keys.add(self._group(other))
        return [self.systems_[k] for k in sorted(keys) if k in self.systems_]

    def _by_label(self, labels: NDArray[Any]) -> dict[str, NDArray[np.int_]]:
        import pandas as pd

        if not len(labels):
            return {}
        codes, names = pd.factorize(np.asarray(labels, dtype=object), use_na_sentinel=False)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        return {str(name): order[bounds[k] : bounds[k + 1]] for k, name in enumerate(names)}

    def interval(
        self, z_hat: NDArray[np.float64], labels: NDArray[Any], level: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        alpha = (1 - level) / 2 * 100
        low, high = np.empty(len(z_hat)), np.empty(len(z_hat))
        for label, idx in self._by_label(np.asarray(labels, dtype=object)).items():
            z = z_hat[idx]
            # crepes' percentiles, computed for the whole group at once (features.model.conformal)
            lows = [conformal.lower_percentile(c, z, alpha) for c in self._systems_for(label, "higher")]
            highs = [conformal.higher_percentile(c, z, 100 - alpha) for c in self._systems_for(label, "lower")]
            low[idx] = np.min(lows, axis=0)
            high[idx] = np.max(highs, axis=0)
        return low, high

    def cdf(self, z_hat: NDArray[np.float64], labels: NDArray[Any], y: float) -> NDArray[np.float64]:
        out = np.empty(len(z_hat))
        for label, idx in self._by_label(np.asarray(labels, dtype=object)).items():
            ps = [conformal.cdf(c, z_hat[idx], y) for c in self._systems_for(label, "lower")]
            out[idx] = np.min(ps, axis=0)
        return np.clip(out, 0.0, 1.0)

    def quantile(
        self, z_hat: NDArray[np.float64], labels: NDArray[Any], q: NDArray[np.float64], higher: bool
    ) -> NDArray[np.float64]:
        """The conformal quantile ``q[i]`` of each row's distribution (the higher value between two for upper
        bounds, the lower for lower ones, as crepes' percentiles); -inf / +inf beyond the residuals. Unordered
        labels only (the civil award's kinds of suit)."""
        out = np.empty(len(z_hat))
        for label, idx in self._by_label(np.asarray(labels, dtype=object)).items():
            cps = self.systems_[self._group(label)]
            out[idx] = conformal.quantile(cps, z_hat[idx], np.asarray(q, dtype=float)[idx], higher)
        return out
