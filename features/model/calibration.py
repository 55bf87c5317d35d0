"""Conformal calibration of intervals: Mondrian groups of residuals and the conformal predictive systems (crepes)
fitted on them, ordered by severity where the law orders the groups."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

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


# ---- partial pooling across bands (calibration="partial")
PARTIAL_PRIOR_RESIDUALS = 12.0  # not-law: pseudo-residuals of the pooled distribution added to each band's own
_TIE = 1e-12  # not-law: float noise in comparing a mixture's cumulative share with a percentile


def _mixture_percentile(
    own: NDArray[np.float64], pooled: NDArray[np.float64], weight: float, p: float, higher: bool
) -> float:
    """A percentile ``p`` (share, 0-1) of the mixture ``weight`` x the conformal distribution of ``own`` residuals +
    (1 - weight) x that of ``pooled`` (both sorted), read as crepes reads a standard system without smoothing. With
    m residuals, crepes' upper bound is the ceil(p (m + 1))-th smallest, i.e. the smallest residual t with
    #{a <= t} / (m + 1) >= p, and its lower bound the floor(p (m + 1))-th smallest, i.e. the largest t with
    (#{a < t} + 1) / (m + 1) <= p; for the mixture those shares are mixed with the weights (+inf / -inf when no
    residual qualifies). ``weight`` 1 gives the band's own percentile, 0 the pooled one."""
    values = np.unique(np.concatenate([own, pooled]))
    if not len(values):
        return math.inf if higher else -math.inf
    side: Literal["left", "right"] = "right" if higher else "left"
    extra = 0 if higher else 1
    share = weight * (np.searchsorted(own, values, side=side) + extra) / (len(own) + 1) + (1 - weight) * (
        np.searchsorted(pooled, values, side=side) + extra
    ) / (len(pooled) + 1)
    if higher:
        reach = np.flatnonzero(share >= p - _TIE)
        return float(values[reach[0]]) if len(reach) else math.inf
    below = np.flatnonzero(share <= p + _TIE)
    return float(values[below[-1]]) if len(below) else -math.inf


class PartialCalibrator:
    """Conformal predictive distributions partially pooled across bins: each bin's distribution of residuals is
    the mixture ``w`` x its own + (1 - w) x the pooled one, ``w = n_bin / (n_bin + PARTIAL_PRIOR_RESIDUALS)``, so a
    band with few cases leans on all of them and a large band speaks for itself (every percentile lies between the
    band's own and the pooled one). No bin is merged; a label training did not see gets the pooled distribution.
    ``order`` keeps the law's direction as in :class:`Calibrator` (an upper bound is the largest over the bin and
    the less severe ones, a lower bound the smallest over the bin and the more severe ones, P(Y <= y) the smallest
    over the bin and the less severe ones). Same interface as :class:`Calibrator`; log(1 + y), shape (n,).

    The percentiles do not depend on the point (each row's distribution is ``z_hat`` + residuals), so they are
    computed once per (bin, percentile): a case gets the same numbers alone or in a batch."""

    def __init__(
        self,
        residuals: NDArray[np.float64],
        labels: NDArray[Any],
        order: Sequence[str] | None = None,
        prior: float = PARTIAL_PRIOR_RESIDUALS,
    ) -> None:
        residuals = np.asarray(residuals, dtype=float)
        labels = np.asarray(labels, dtype=object).astype(str)
        self.pooled_ = np.sort(residuals)
        self.own_ = {str(k): np.sort(residuals[labels == k]) for k in sorted(set(labels.tolist()))}
        self.weights_ = {k: len(v) / (len(v) + prior) for k, v in self.own_.items()}
        # the Mondrian groups, as Calibrator names them: every bin its own; an unseen label the pooled residuals
        self.groups_ = {**{k: k for k in self.own_}, UNSEEN_BIN: POOLED}
        self.order_ = list(order) if order is not None else None
        self.n_residuals_ = len(residuals)
        self.pooled_system_ = _standard_system(self.pooled_)
        self.systems_ = {k: _standard_system(v) for k, v in self.own_.items()}

    def _related(self, label: Any, towards: str) -> list[str]:
        """The bin itself and, with an order, every less severe (``"lower"``) or more severe (``"higher"``) one."""
        label = str(label)
        if self.order_ is None or label not in self.order_:
            return [label]
        rank = self.order_.index(label)
        chosen = self.order_[: rank + 1] if towards == "lower" else self.order_[rank:]
        return [b for b in chosen if b in self.own_] or [label]

    def _offset(self, label: str, p: float, higher: bool, percentile: float | None = None) -> float:
        """The residual at share ``p`` of ``label``'s mixture. Where the mixture is the pooled distribution itself (a
        label training did not see, or a bin holding every residual, as the pooled fines) it is read exactly as
        :class:`Calibrator` reads a pooled system: crepes' percentile (``percentile``, 0-100, as ``interval`` passes
        it) or the conformal quantile."""
        own = self.own_.get(label)
        weight = self.weights_.get(label, 0.0)
        if own is None or weight == 0.0 or np.array_equal(own, self.pooled_):
            zero = np.zeros(1)
            if percentile is None:
                return float(conformal.quantile(self.pooled_system_, zero, np.asarray([p]), higher)[0])
            read = conformal.higher_percentile if higher else conformal.lower_percentile
            return float(read(self.pooled_system_, zero, percentile)[0])
        return _mixture_percentile(own, self.pooled_, weight, p, higher)

    def offsets(self, label: Any, p: float, higher: bool, percentile: float | None = None) -> float:
        """The residual at percentile ``p`` (share) of ``label``'s partially pooled distribution, the law's order
        kept: the largest over it and the less severe bins (``higher``), else the smallest over it and the more
        severe ones."""
        if higher:
            return max(self._offset(b, p, True, percentile) for b in self._related(label, "lower"))
        return min(self._offset(b, p, False, percentile) for b in self._related(label, "higher"))

    def interval(
        self, z_hat: NDArray[np.float64], labels: NDArray[Any], level: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        alpha = (1 - level) / 2
        percent = alpha * 100  # as Calibrator passes it to crepes' percentiles
        names, codes = _unique_labels(labels)
        low = np.asarray([self.offsets(lab, alpha, False, percent) for lab in names], dtype=float)[codes]
        high = np.asarray([self.offsets(lab, 1 - alpha, True, 100 - percent) for lab in names], dtype=float)[codes]
        z = np.asarray(z_hat, dtype=float)
        return z + low, z + high

    def _cdf_one(self, label: str, z_hat: NDArray[np.float64], y: float) -> NDArray[np.float64]:
        w = self.weights_.get(label, 0.0)
        pooled = conformal.cdf(self.pooled_system_, z_hat, y)
        if label not in self.systems_ or w == 0.0 or np.array_equal(self.own_[label], self.pooled_):
            return pooled
        return np.asarray(w * conformal.cdf(self.systems_[label], z_hat, y) + (1 - w) * pooled, dtype=float)

    def cdf(self, z_hat: NDArray[np.float64], labels: NDArray[Any], y: float) -> NDArray[np.float64]:
        labels = np.asarray(labels, dtype=object)
        out = np.empty(len(z_hat))
        for label in sorted({str(x) for x in labels.tolist()}):
            idx = np.flatnonzero(labels.astype(str) == label)
            ps = [self._cdf_one(b, np.asarray(z_hat, dtype=float)[idx], y) for b in self._related(label, "lower")]
            out[idx] = np.min(ps, axis=0)
        return np.clip(out, 0.0, 1.0)

    def quantile(
        self, z_hat: NDArray[np.float64], labels: NDArray[Any], q: NDArray[np.float64], higher: bool
    ) -> NDArray[np.float64]:
        """The partially pooled quantile ``q[i]`` of each row's distribution (unordered labels: the kinds of
        suit)."""
        labels = np.asarray(labels, dtype=object).astype(str)
        qs = np.asarray(q, dtype=float)
        cache: dict[tuple[str, float], float] = {}
        offsets = np.empty(len(qs))
        for i, (lab, qi) in enumerate(zip(labels.tolist(), qs.tolist(), strict=True)):
            if (lab, qi) not in cache:
                cache[(lab, qi)] = self._offset(lab, qi, higher)
            offsets[i] = cache[(lab, qi)]
        return np.asarray(np.asarray(z_hat, dtype=float) + offsets, dtype=float)


def _unique_labels(labels: NDArray[Any]) -> tuple[list[str], NDArray[np.int_]]:
    """The distinct labels (as text) and each row's index into them."""
    text = np.asarray(labels, dtype=object).astype(str)
    names, codes = np.unique(text, return_inverse=True) if len(text) else (np.empty(0, dtype=str), np.empty(0))
    return [str(n) for n in names], np.asarray(codes, dtype=np.int64).reshape(-1)


def _standard_system(residuals: NDArray[np.float64]) -> ConformalPredictiveSystem:
    cps = ConformalPredictiveSystem()
    cps.fit(np.asarray(residuals, dtype=float))
    return cps


# ---- conformalized quantile regression (family "cqr")
class CQRCalibrator:
    """Conformalized quantile regression (Romano, Patterson and Candes 2019): the score of a calibration case is
    ``max(q_low - z, z - q_high)`` (how far outside its predicted quantile band it fell, negative inside); the
    correction of a Mondrian group is the ceil(level (n + 1))-th smallest score (+inf when the group is too small),
    and an interval is ``[q_low - correction, q_high + correction]``. Groups as :func:`calibration_groups` (pooled
    when every bin is small). ``order`` keeps the law's direction as in :class:`Calibrator`: the upper bound adds
    the largest correction of the bin and the less severe ones, the lower bound subtracts the largest of the bin
    and the more severe ones. Scores from out-of-fold quantiles; log(1 + y), shape (n,)."""

    def __init__(
        self,
        z: NDArray[np.float64],
        q_low: NDArray[np.float64],
        q_high: NDArray[np.float64],
        labels: NDArray[Any],
        level: float,
        order: Sequence[str] | None = None,
    ) -> None:
        scores = np.maximum(np.asarray(q_low, dtype=float) - z, np.asarray(z, dtype=float) - q_high)
        labels = np.asarray(labels, dtype=object)
        self.groups_ = calibration_groups(labels)
        keys = group_of(labels, self.groups_) if self.groups_ else np.full(len(labels), POOLED, dtype=object)
        self.corrections_: dict[str, float] = {}
        for key in sorted(set(keys.tolist())):
            s = np.sort(scores[keys == key])
            k = math.ceil(level * (len(s) + 1))
            self.corrections_[str(key)] = float(s[k - 1]) if k <= len(s) else math.inf
        self.order_ = list(order) if order is not None else None
        self.n_residuals_ = len(scores)

    def _group(self, label: Any) -> str:
        return self.groups_.get(str(label), self.groups_[UNSEEN_BIN]) if self.groups_ else POOLED

    def correction(self, label: Any, towards: str) -> float:
        """The correction of a row of ``label``: its group's and, with an order, the largest over the groups of every
        less severe (``towards="lower"``, for the upper bound) or more severe (``"higher"``) label."""
        keys = {self._group(label)}
        if self.order_ is not None and self.groups_ and str(label) in self.order_:
            rank = self.order_.index(str(label))
            chosen = self.order_[: rank + 1] if towards == "lower" else self.order_[rank:]
            keys |= {self._group(b) for b in chosen}
        return max(self.corrections_[k] for k in keys if k in self.corrections_)

    def interval(
        self, q_low: NDArray[np.float64], q_high: NDArray[np.float64], labels: NDArray[Any]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        names, codes = _unique_labels(labels)
        down = np.asarray([self.correction(lab, "higher") for lab in names], dtype=float)[codes]
        up = np.asarray([self.correction(lab, "lower") for lab in names], dtype=float)[codes]
        return np.asarray(q_low, dtype=float) - down, np.asarray(q_high, dtype=float) + up
