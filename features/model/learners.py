"""The learners of the model families, with the project's defaults for small data (about a hundred cases).

Families: ``ridge`` (standardized ridge, alpha by leave-one-out), ``forest`` (random forest), ``lightgbm``
(gradient boosting, monotone non-decreasing in the features the law orders), and ``custom``: any
scikit-learn-compatible regressor or classifier named by import path (``my_package.module:MyRegressor``) with its
params, so that researchers run their own model on the same featurization, splits, intervals and baselines.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import numpy as np

LEARNED_FAMILIES = ("ridge", "forest", "lightgbm", "custom")


def load_object(path: str) -> Any:
    """The object named ``module.path:Name`` (or ``module.path.Name``)."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"{path!r}: name an estimator as package.module:ClassName")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"{path!r}: cannot import {module_name} ({exc.name or exc})") from None
    try:
        obj = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except AttributeError:
        raise ValueError(f"{path!r}: {module_name} has no {attr}") from None
    return obj


def custom_learner(path: str, params: dict[str, Any] | None) -> Any:
    """An instance of the scikit-learn-compatible estimator class at ``path`` with ``params``."""
    cls = load_object(path)
    learner = cls(**(params or {}))
    if not (hasattr(learner, "fit") and hasattr(learner, "predict")):
        raise ValueError(f"{path!r} is not a scikit-learn estimator (it needs fit and predict)")
    return learner


# not-law: the LightGBM learners' hyper-parameters (the point model here, the quantile models of
# features/model/quantile.py): small trees and row / column subsampling for about a hundred cases
LIGHTGBM_DEFAULTS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.03,
    "num_leaves": 8,
    "min_child_samples": 5,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "n_jobs": 1,
    "verbose": -1,
}


def make_regressor(
    family: str,
    feature_names: Sequence[str],
    params: dict[str, Any] | None,
    seed: int,
    monotone_increasing: Sequence[str] = (),
    learner: str | None = None,
) -> Any:
    """A fresh learner on log(1 + y) for one family (``learner``: the import path of a ``custom`` one)."""
    params = dict(params or {})
    if family == "custom":
        if not learner:
            raise ValueError("the custom family needs an estimator: package.module:ClassName")
        return custom_learner(learner, params)
    if family == "ridge":
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        alphas = params.pop("alphas", list(np.logspace(-2, 3, 21)))
        return make_pipeline(StandardScaler(), RidgeCV(alphas=alphas, **params))
    if family == "forest":
        from sklearn.ensemble import RandomForestRegressor

        forest_defaults: dict[str, Any] = {
            "n_estimators": 200,
            "min_samples_leaf": 2,
            "max_features": 0.5,
            "n_jobs": 1,
        }
        return RandomForestRegressor(random_state=seed, **{**forest_defaults, **params})
    if family == "lightgbm":
        from lightgbm import LGBMRegressor

        monotone = [1 if name in monotone_increasing else 0 for name in feature_names]
        defaults: dict[str, Any] = dict(LIGHTGBM_DEFAULTS)
        if params.pop("monotone", True):
            defaults["monotone_constraints"] = monotone
            defaults["monotone_constraints_method"] = "advanced"
        return LGBMRegressor(random_state=seed, **{**defaults, **params})
    raise ValueError(f"unknown model family {family!r}")
