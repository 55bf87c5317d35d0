"""The predictions of a fitted standard conformal predictive system (crepes ``ConformalPredictiveSystem``, neither
normalized nor Mondrian, no smoothing) for a whole batch at once.

crepes computes them row by row in Python (``y_hat[i] + alphas`` per row); these give the same numbers, the same
floating-point operations on the same operands, as array operations: a percentile of each row's distribution is
``y_hat + alphas[k]`` with crepes' index ``k``; P(Y <= y) counts the residuals with ``y_hat + alpha <= y`` (found by
binary search over the sorted residuals, then checked with that exact comparison). ``tests/test_columnar.py``
checks them against ``ConformalPredictiveSystem.predict``. Units are those of ``y_hat`` (log(1 + y) here).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["cdf", "higher_percentile", "lower_percentile", "quantile"]


def _alphas(cps: Any) -> NDArray[np.float64]:
    if getattr(cps, "mondrian", False) or getattr(cps, "normalized", False):
        raise ValueError("only a standard conformal predictive system (not normalized, not Mondrian)")
    return np.asarray(cps.alphas, dtype=float)


def lower_percentile(cps: Any, y_hat: NDArray[np.float64], percentile: float) -> NDArray[np.float64]:
    """``cps.predict(y_hat, lower_percentiles=percentile, smoothing=False)``: -inf when too few residuals."""
    alphas = _alphas(cps)
    k = int(percentile / 100 * (len(alphas) + 1)) - 1
    if k < 0:
        return np.full(len(y_hat), -np.inf)
    return np.asarray(y_hat, dtype=float) + alphas[k]


def higher_percentile(cps: Any, y_hat: NDArray[np.float64], percentile: float) -> NDArray[np.float64]:
    """``cps.predict(y_hat, higher_percentiles=percentile, smoothing=False)``: +inf when too few residuals."""
    alphas = _alphas(cps)
    k = int(np.ceil(percentile / 100 * (len(alphas) + 1))) - 1
    if k > len(alphas) - 1:
        return np.full(len(y_hat), np.inf)
    return np.asarray(y_hat, dtype=float) + alphas[k]


def cdf(cps: Any, y_hat: NDArray[np.float64], y: float) -> NDArray[np.float64]:
    """``cps.predict(y_hat, y=y, smoothing=False)``: (#{alpha: y_hat + alpha <= y} + 1) / (len(alphas) + 1)."""
    alphas = _alphas(cps)
    m = len(alphas)
    z = np.asarray(y_hat, dtype=float)
    count = np.searchsorted(alphas, y - z, side="right").astype(np.int64)
    # y_hat + alpha rounds monotonically in alpha: the residuals meeting the test are a prefix; move the count to
    # its end with the exact comparison crepes makes
    for _ in range(m + 1):
        up = (count < m) & (z + alphas[np.minimum(count, m - 1)] <= y)
        down = (count > 0) & (z + alphas[np.maximum(count - 1, 0)] > y)
        if not (up.any() or down.any()):
            break
        count = count + up - down
    return np.asarray((count + 1) / (m + 1), dtype=float)


def quantile(cps: Any, y_hat: NDArray[np.float64], q: NDArray[np.float64], higher: bool) -> NDArray[np.float64]:
    """The ``q[i]``-th value of each row's conformal predictive distribution (``y_hat[i] + sorted alphas``): rank
    ceil(q (n + 1)) for an upper bound, floor(q (n + 1)) for a lower one; -inf / +inf beyond the residuals."""
    alphas = _alphas(cps)
    m = len(alphas)
    scaled = np.asarray(q, dtype=float) * (m + 1)
    k = (np.ceil(scaled) if higher else np.floor(scaled)).astype(np.int64)
    inside = (k >= 1) & (k <= m)
    values = np.asarray(y_hat, dtype=float) + alphas[np.clip(k - 1, 0, max(m - 1, 0))]
    return np.asarray(np.where(inside, values, np.where(k < 1, -math.inf, math.inf)), dtype=float)
