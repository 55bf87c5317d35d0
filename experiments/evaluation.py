"""Cross-validation of one configuration on the experiment's shared splits.

The loop is training's own (``training.evaluate.cv_predictions``: repeated grouped K-fold, metrics per repeat on
pooled out-of-fold rows, mean and sd over repeats); this module adds what a comparison needs: the out-of-fold
predictions of *every* repeat (for paired statistics), errors by statutory band and data-type category, and a
learning curve (the same test folds, models trained on growing fractions of each training fold's judgments).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from experiments.definition import Config
from experiments.selection import featurizer_for
from features.law.schema import CriminalCase
from features.law.statutory import load_law_table, statutory_band
from features.law.vocab import DataType
from features.model.targets import CaseModel, TargetData
from training import metrics
from training.evaluate import cv_predictions, make_estimator, repeat_metrics, summarize
from training.splits import RepeatedGroupKFold

UNSTATED = "unstated"


def case_loss(target: str, y: NDArray[Any], pred: NDArray[Any]) -> NDArray[np.float64]:
    """Per-case loss whose mean is the target's primary metric: |months|, |log10 yuan| or squared error."""
    y_, p_ = np.asarray(y, dtype=float), np.asarray(pred, dtype=float)
    if target == "custodial_months":
        return np.abs(y_ - p_)
    if target == "probation":
        return (p_ - y_) ** 2
    return np.abs(metrics.log10_yuan(y_) - metrics.log10_yuan(p_))


def band_of(case: CaseModel) -> str:
    """Statutory band (criminal, Interp. 2017 Art. 5) or proceeding (civil / public_interest)."""
    return statutory_band(case).band.value if isinstance(case, CriminalCase) else case.proceeding


def category_of(case: CaseModel) -> str:
    """The most sensitive Interp. 2017 threshold category among the case's data types (A < B < C records)."""
    law = load_law_table()
    names = {law.category_of(DataType(t)).name for t in case.data_types}
    for category in law.categories:  # most sensitive first
        if category.name in names:
            return category.name
    return UNSTATED


@dataclass
class ConfigResult:
    """One configuration's cross-validation: ``metrics``/``spread`` (mean and sd over repeats, training's names),
    ``breakdown`` (by band and category, pooled over repeats), out-of-fold rows of every repeat and the curve."""

    config: Config
    metrics: dict[str, float]
    spread: dict[str, float]
    per_repeat: list[dict[str, float]]
    breakdown: dict[str, float]
    oof: pd.DataFrame
    curve: pd.DataFrame
    feature_names: list[str] = field(default_factory=list)
    seconds: float = 0.0


def n_fits(config: Config, splitter: RepeatedGroupKFold, groups: list[str]) -> int:
    return splitter.folds_for(groups) * splitter.n_repeats * len(config.fractions)


def _breakdown(
    target: str,
    labels: NDArray[Any],
    prefix: str,
    y: NDArray[Any],
    point: NDArray[Any],
    low: NDArray[Any],
    high: NDArray[Any],
    level: float,
) -> dict[str, float]:
    """Metrics per label value, pooled over repeats (every row is tested once per repeat, so this is also the
    mean over repeats of the per-repeat value for means such as MAE and coverage)."""
    primary = metrics.PRIMARY_METRIC[target]
    out: dict[str, float] = {}
    repeats = point.shape[0]
    for value in sorted(set(labels.tolist())):
        mask = labels == value
        key = f"{prefix}_{value}"
        out[f"{key}_n"] = float(mask.sum())
        yy = np.tile(y[mask], repeats)
        pp = point[:, mask].ravel()
        if target == "probation":
            out[f"{key}_{primary}"] = metrics.brier(yy, pp)
            continue
        m = metrics.regression_metrics(target, yy, pp, low[:, mask].ravel(), high[:, mask].ravel(), level)
        width = "mean_width_months" if target == "custodial_months" else "mean_width_log10_yuan"
        out.update({f"{key}_{primary}": m[primary], f"{key}_coverage": m["coverage"], f"{key}_{width}": m[width]})
    return out


def evaluate_config(
    data: TargetData,
    config: Config,
    splitter: RepeatedGroupKFold,
    level: float,
    seed: int,
    feature_keep: tuple[str, ...] | None,
    on_fit: Callable[[], None] | None = None,
) -> ConfigResult:
    """Fit and score ``config`` on every fold of every repeat, for every learning-curve fraction."""
    started = time.perf_counter()
    n, repeats = len(data), splitter.n_repeats
    fractions = config.fractions
    model = make_estimator(
        config.target,
        config.family,
        config.params,
        level,
        seed,
        featurizer_for(config.target, feature_keep),
        learner=config.estimator,
        intervals=config.intervals if config.target != "probation" else None,
    )
    predictions = cv_predictions(data, model, splitter, fractions=fractions, seed=seed, on_fit=on_fit)
    point, low, high = predictions.point, predictions.low, predictions.high
    fold_of, n_train, feature_names = predictions.fold_of, predictions.n_train, predictions.feature_names

    full = len(fractions) - 1  # fractions are sorted and end with 1.0
    per_repeat = [
        repeat_metrics(config.target, data.y, point[full, r], low[full, r], high[full, r], level)
        for r in range(repeats)
    ]
    mean, spread = summarize(per_repeat)
    mean["n_cases"] = float(n)
    mean["n_groups"] = float(len(set(data.groups)))

    bands = np.asarray([band_of(c) for c in data.cases], dtype=object)
    categories = np.asarray([category_of(c) for c in data.cases], dtype=object)
    breakdown = {
        **_breakdown(config.target, bands, "band", data.y, point[full], low[full], high[full], level),
        **_breakdown(config.target, categories, "category", data.y, point[full], low[full], high[full], level),
    }

    rows: list[pd.DataFrame] = []
    for r in range(repeats):
        rows.append(
            pd.DataFrame(
                {
                    "row": np.arange(n),
                    "case_id": [c.case_id or "" for c in data.cases],
                    "group_id": data.groups,
                    "repeat": r,
                    "fold": fold_of[r],
                    "y": data.y,
                    "point": point[full, r],
                    "low": low[full, r],
                    "high": high[full, r],
                    "band": bands,
                    "category": categories,
                }
            )
        )
    oof = pd.concat(rows, ignore_index=True)

    curve_rows: list[dict[str, Any]] = []
    for fi, fraction in enumerate(fractions):
        for r in range(repeats):
            sizes = n_train.get((fi, r))
            if not sizes or np.isnan(point[fi, r]).any():
                continue  # a fold was skipped (too few judgments): no pooled metric for this repeat
            curve_rows.append(
                {
                    "fraction": fraction,
                    "repeat": r,
                    "n_train": float(np.mean([s[0] for s in sizes])),
                    "n_train_groups": float(np.mean([s[1] for s in sizes])),
                    **repeat_metrics(config.target, data.y, point[fi, r], low[fi, r], high[fi, r], level),
                }
            )
    return ConfigResult(
        config=config,
        metrics=mean,
        spread=spread,
        per_repeat=per_repeat,
        breakdown=breakdown,
        oof=oof,
        curve=pd.DataFrame(curve_rows),
        feature_names=feature_names,
        seconds=time.perf_counter() - started,
    )
