"""Metrics peers use (domain.md 3). Units: months for terms, yuan for money (errors of money in log10 yuan)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

LN_216 = math.log(216.0)


def _a(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=float)


def mae(y: ArrayLike, pred: ArrayLike) -> float:
    return float(np.mean(np.abs(_a(y) - _a(pred))))


def median_ape(y: ArrayLike, pred: ArrayLike) -> float:
    """Median absolute percentage error (%) over rows with y > 0."""
    y_, p_ = _a(y), _a(pred)
    mask = y_ > 0
    if not mask.any():
        return float("nan")
    return float(np.median(np.abs(y_[mask] - p_[mask]) / y_[mask]) * 100)


def lawbench_score(y_months: ArrayLike, pred_months: ArrayLike) -> float:
    """LawBench prison-term score: 1 - mean|ln(y+1) - ln(yhat+1)| / ln 216 (higher is better, max 1)."""
    v = np.abs(np.log1p(_a(y_months)) - np.log1p(np.maximum(_a(pred_months), 0)))
    return float(1 - np.mean(v) / LN_216)


def cail_bucket_score(y_months: ArrayLike, pred_months: ArrayLike) -> float:
    """CAIL2018 term score: v = |ln(y+1) - ln(yhat+1)|; v<=0.2 -> 1.0, <=0.4 -> 0.8, ... <=1.0 -> 0.2, else 0."""
    v = np.abs(np.log1p(_a(y_months)) - np.log1p(np.maximum(_a(pred_months), 0)))
    score = np.select([v <= 0.2, v <= 0.4, v <= 0.6, v <= 0.8, v <= 1.0], [1.0, 0.8, 0.6, 0.4, 0.2], 0.0)
    return float(np.mean(score))


def coverage(y: ArrayLike, low: ArrayLike, high: ArrayLike) -> float:
    y_ = _a(y)
    return float(np.mean((y_ >= _a(low) - 1e-9) & (y_ <= _a(high) + 1e-9)))


def mean_width(low: ArrayLike, high: ArrayLike) -> float:
    return float(np.mean(_a(high) - _a(low)))


def winkler(y: ArrayLike, low: ArrayLike, high: ArrayLike, level: float) -> float:
    """Mean Winkler interval score at coverage ``level`` (lower is better; same units as y)."""
    y_, lo, hi = _a(y), _a(low), _a(high)
    alpha = 1 - level
    score = (hi - lo) + (2 / alpha) * np.maximum(lo - y_, 0) + (2 / alpha) * np.maximum(y_ - hi, 0)
    return float(np.mean(score))


def log10_yuan(x: ArrayLike) -> NDArray[np.float64]:
    return np.log10(1 + np.maximum(_a(x), 0))


def brier(y: ArrayLike, p: ArrayLike) -> float:
    return float(np.mean((_a(p) - _a(y)) ** 2))


def auc(y: ArrayLike, p: ArrayLike) -> float:
    from sklearn.metrics import roc_auc_score

    y_ = _a(y)
    if len(set(y_.tolist())) < 2:
        return float("nan")
    return float(roc_auc_score(y_, _a(p)))


def regression_metrics(
    target: str, y: ArrayLike, point: ArrayLike, low: ArrayLike, high: ArrayLike, level: float
) -> dict[str, float]:
    """All regression metrics for one target; money targets are scored on log10(1 + yuan)."""
    out: dict[str, float] = {"coverage": coverage(y, low, high), "median_ape": median_ape(y, point)}
    if target == "custodial_months":
        out.update(
            mae_months=mae(y, point),
            lawbench_score=lawbench_score(y, point),
            cail_bucket_score=cail_bucket_score(y, point),
            mean_width_months=mean_width(low, high),
            winkler_months=winkler(y, low, high, level),
        )
    else:
        ly, lp, ll, lh = log10_yuan(y), log10_yuan(point), log10_yuan(low), log10_yuan(high)
        out.update(
            mae_log10_yuan=mae(ly, lp),
            mean_width_log10_yuan=mean_width(ll, lh),
            winkler_log10_yuan=winkler(ly, ll, lh, level),
        )
    return out


PRIMARY_METRIC = {
    "custodial_months": "mae_months",
    "probation": "brier",
    "fine_yuan": "mae_log10_yuan",
    "awarded_total_yuan": "mae_log10_yuan",
}
