"""A quantile of log(1 + y) by gradient boosting that keeps monotone constraints: LightGBM on the pinball loss given
as a custom objective (gradient ``1{pred > y} - q``, unit hessian), started from the training quantile.

LightGBM's own ``objective="quantile"`` refuses monotone constraints (it re-estimates each leaf as a quantile of
its residuals after the split, which can break the order), and scikit-learn's histogram boosting with the quantile
loss does the same leaf update without refusing: on the seed data its lower tail fell when the records' multiple
of the threshold rose. With a unit hessian every leaf is a constrained gradient step, so the constraints hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, RegressorMixin

from features.model.learners import LIGHTGBM_DEFAULTS


class Pinball:
    """The pinball (quantile) loss's gradient and a unit hessian, as LightGBM's custom objective (picklable)."""

    def __init__(self, quantile: float) -> None:
        self.quantile = quantile

    def __call__(self, y_true: NDArray[Any] | None, y_pred: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
        assert y_true is not None  # LightGBM always passes the labels to a training objective
        grad = (y_pred > y_true).astype(float) - self.quantile
        return grad, np.ones_like(grad)


class QuantileBoost(RegressorMixin, BaseEstimator):
    """The ``quantile`` (share, 0-1) of the target given the features, shape (n,) from ``predict``; ``monotone``:
    one of -1, 0, 1 per feature (LightGBM's ``monotone_constraints``); ``params``: other LightGBM parameters."""

    def __init__(
        self,
        quantile: float = 0.5,
        monotone: Sequence[int] | None = None,
        params: dict[str, Any] | None = None,
        random_state: int = 0,
    ) -> None:
        self.quantile = quantile
        self.monotone = monotone
        self.params = params
        self.random_state = random_state

    def fit(self, X: NDArray[np.float64], y: NDArray[np.float64]) -> QuantileBoost:
        from lightgbm import LGBMRegressor

        y = np.asarray(y, dtype=float)
        self.start_ = float(np.quantile(y, self.quantile)) if len(y) else 0.0
        defaults: dict[str, Any] = dict(LIGHTGBM_DEFAULTS)
        if self.monotone is not None:
            defaults["monotone_constraints"] = list(self.monotone)
            defaults["monotone_constraints_method"] = "advanced"
        self.model_ = LGBMRegressor(
            objective=Pinball(self.quantile), random_state=self.random_state, **{**defaults, **(self.params or {})}
        ).fit(np.asarray(X, dtype=float), y - self.start_)
        return self

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.model_.predict(np.asarray(X, dtype=float)), dtype=float) + self.start_
