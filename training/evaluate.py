"""Cross-validation: the one loop every comparison runs (``exposure train`` and the experiments).

``cv_predictions`` fits a model (a scikit-learn estimator over cases, cloned per fold) on every fold of every
repeat of the shared splits, optionally on growing fractions of each training fold's judgments (a learning
curve), and keeps the out-of-fold predictions of every repeat. ``cross_validate`` turns them into the metrics of
training's leaderboard: computed per repeat on pooled out-of-fold rows, then mean and sd over repeats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import clone

from features.law.schema import CriminalCase
from features.law.statutory import statutory_band
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from features.model.featurize import CaseFeaturizer
from features.model.targets import TargetData
from training import metrics
from training.splits import RepeatedGroupKFold

# the honest baselines first (the statutory rule; the band's empirical quantiles; probation's base rate), then
# the learned families; "custom" (a researcher's estimator by import path) is run by experiments only
REGRESSION_FAMILIES = ("baseline", "band_quantile", "band_adjusted", "ridge", "forest", "lightgbm")
CRIMINAL_ONLY_FAMILIES = ("band_adjusted",)  # the circumstances' adjustments: criminal targets only
PROBATION_FAMILIES = ("base_rate", "baseline", "logistic", "lightgbm")
BASELINES = {
    "custodial_months": ("baseline", "band_quantile"),
    "fine_yuan": ("baseline", "band_quantile"),
    "awarded_total_yuan": ("baseline", "band_quantile"),
    "probation": ("base_rate",),
}
MIN_TRAIN_GROUPS = 3  # a learning-curve point with fewer training judgments is skipped

Model = OutcomeRegressor | ProbationClassifier


def families_for(target: str) -> tuple[str, ...]:
    if target == "probation":
        return PROBATION_FAMILIES
    if target == "awarded_total_yuan":
        return tuple(f for f in REGRESSION_FAMILIES if f not in CRIMINAL_ONLY_FAMILIES)
    return REGRESSION_FAMILIES


def make_estimator(
    target: str,
    family: str,
    params: dict[str, Any] | None,
    level: float,
    seed: int,
    featurizer: CaseFeaturizer | None = None,
    learner: str | None = None,
    intervals: dict[str, str] | None = None,
) -> Model:
    """An unfitted model of ``family`` for ``target`` (``featurizer``: e.g. a feature subset of an experiment;
    ``learner``: the import path of a ``custom`` family's scikit-learn estimator; ``intervals``: how a regression
    target's intervals are calibrated, ``{"calibration": "band" | "pooled", "floor": "always" | "facts"}``)."""
    if target == "probation":
        if params and family != "custom":
            raise ValueError("probation families take no hyper-parameters")
        return ProbationClassifier(
            family=family,  # type: ignore[arg-type]
            featurizer=featurizer,
            learner=learner,
            params=params or None,
            random_state=seed,
        )
    return OutcomeRegressor(
        target=target,  # type: ignore[arg-type]
        family=family,  # type: ignore[arg-type]
        level=level,
        params=params or None,
        learner=learner,
        featurizer=featurizer,
        random_state=seed,
        **(intervals or {}),  # type: ignore[arg-type]
    )


def subsample_train(
    train_idx: NDArray[np.int_], groups: Sequence[str], fraction: float, seed: int, repeat: int, fold: int
) -> NDArray[np.int_]:
    """The rows of a random ``fraction`` of the training fold's judgments (groups).

    The same for every model (seeded by seed, repeat and fold), and nested: the judgments of a smaller fraction
    are a subset of those of a larger one, so a learning curve measures data size, not a new draw.
    """
    if fraction >= 1.0:
        return train_idx
    uniq = sorted({groups[i] for i in train_idx})
    order = np.random.default_rng([seed, repeat, fold]).permutation(len(uniq))
    k = max(MIN_TRAIN_GROUPS, round(fraction * len(uniq)))
    chosen = {uniq[j] for j in order[:k]}
    return np.asarray([i for i in train_idx if groups[i] in chosen], dtype=int)


@dataclass
class CVPredictions:
    """Out-of-fold predictions, shape (n_fractions, n_repeats, n_cases): ``point`` (months, yuan or P(probation)),
    ``low``/``high`` (NaN for probation); ``fold_of`` (n_repeats, n_cases); per (fraction, repeat) the training
    sizes of each fold (rows, judgments); the model's feature names."""

    fractions: tuple[float, ...]
    point: NDArray[np.float64]
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    fold_of: NDArray[np.int_]
    n_train: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    feature_names: list[str] = field(default_factory=list)


def cv_predictions(
    data: TargetData,
    model: Model,
    splitter: RepeatedGroupKFold,
    fractions: Sequence[float] = (1.0,),
    seed: int = 0,
    on_fit: Callable[[], None] | None = None,
) -> CVPredictions:
    """Fit a clone of ``model`` on every fold (and fraction) and predict the fold's test cases."""
    n, repeats = len(data), splitter.n_repeats
    shape = (len(fractions), repeats, n)
    out = CVPredictions(
        fractions=tuple(fractions),
        point=np.full(shape, np.nan),
        low=np.full(shape, np.nan),
        high=np.full(shape, np.nan),
        fold_of=np.full((repeats, n), -1),
    )
    fold_counter: dict[int, int] = {}
    for repeat, train_idx, test_idx in splitter.split(data.groups):
        fold = fold_counter.get(repeat, 0)
        fold_counter[repeat] = fold + 1
        out.fold_of[repeat, test_idx] = fold
        test_cases = [data.cases[i] for i in test_idx]
        for fi, fraction in enumerate(fractions):
            idx = subsample_train(train_idx, data.groups, fraction, seed, repeat, fold)
            train_groups = [data.groups[i] for i in idx]
            if len(set(train_groups)) < MIN_TRAIN_GROUPS:
                if on_fit:
                    on_fit()
                continue
            est = clone(model).fit([data.cases[i] for i in idx], data.y[idx], groups=train_groups)
            prepared = est.prepare(test_cases)
            if isinstance(est, ProbationClassifier):
                out.point[fi, repeat, test_idx] = est.proba(prepared)
            else:
                estimate = est.estimate(prepared)
                out.point[fi, repeat, test_idx] = estimate["point"]
                out.low[fi, repeat, test_idx] = estimate["low"]
                out.high[fi, repeat, test_idx] = estimate["high"]
            out.n_train.setdefault((fi, repeat), []).append((len(idx), len(set(train_groups))))
            if not out.feature_names:
                out.feature_names = list(est.feature_names_)
            if on_fit:
                on_fit()
    return out


@dataclass
class CVResult:
    """Metrics averaged over repeats (``metrics``), their spread (``spread``), per-band metrics and the
    out-of-fold predictions of the first repeat (for plots); ``predictions`` holds every repeat."""

    target: str
    family: str
    metrics: dict[str, float]
    spread: dict[str, float]
    by_band: dict[str, dict[str, float]] = field(default_factory=dict)
    oof: dict[str, NDArray[Any]] = field(default_factory=dict)
    per_repeat: list[dict[str, float]] = field(default_factory=list)
    predictions: CVPredictions | None = None


def band_labels(data: TargetData) -> NDArray[Any]:
    """Statutory band (criminal, Interp. 2017 Art. 5) or proceeding (civil / public_interest) of each case."""
    return np.asarray(
        [
            statutory_band(c, contested=False).band.value if isinstance(c, CriminalCase) else c.proceeding
            for c in data.cases
        ],
        dtype=object,
    )


def repeat_metrics(
    target: str, y: NDArray[Any], point: NDArray[Any], low: NDArray[Any], high: NDArray[Any], level: float
) -> dict[str, float]:
    """The metrics of one repeat (training/metrics.py names)."""
    if target == "probation":
        return {"brier": metrics.brier(y, point), "auc": metrics.auc(y, point)}
    return metrics.regression_metrics(target, y, point, low, high, level)


def summarize(per_repeat: list[dict[str, float]]) -> tuple[dict[str, float], dict[str, float]]:
    """Mean and sd over repeats of each metric."""
    keys = per_repeat[0].keys()
    with np.errstate(all="ignore"):
        mean = {k: float(np.nanmean([m[k] for m in per_repeat])) for k in keys}
        spread = {k: float(np.nanstd([m[k] for m in per_repeat])) for k in keys}
    return mean, spread


def result_from(
    data: TargetData, family: str, predictions: CVPredictions, level: float, fraction_index: int = -1
) -> CVResult:
    """Training's leaderboard figures from out-of-fold predictions (at the full training fraction)."""
    fi = len(predictions.fractions) - 1 if fraction_index < 0 else fraction_index
    point, low, high = predictions.point[fi], predictions.low[fi], predictions.high[fi]
    per_repeat = [
        repeat_metrics(data.target, data.y, point[r], low[r], high[r], level) for r in range(point.shape[0])
    ]
    mean, spread = summarize(per_repeat)
    mean["n_cases"] = float(len(data))
    mean["n_groups"] = float(len(set(data.groups)))
    bands = band_labels(data)
    by_band: dict[str, dict[str, float]] = {}
    if data.target != "probation":
        for band in sorted(set(bands)):
            mask = bands == band
            by_band[str(band)] = {
                "n": float(mask.sum()),
                **metrics.regression_metrics(
                    data.target, data.y[mask], point[0][mask], low[0][mask], high[0][mask], level
                ),
            }
    return CVResult(
        target=data.target,
        family=family,
        metrics=mean,
        spread=spread,
        by_band=by_band,
        oof={"y": data.y, "point": point[0], "low": low[0], "high": high[0], "band": bands},
        per_repeat=per_repeat,
        predictions=predictions,
    )


def cross_validate(
    data: TargetData,
    family: str,
    splitter: RepeatedGroupKFold,
    level: float = 0.8,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    featurizer: CaseFeaturizer | None = None,
) -> CVResult:
    """Fit and score ``family`` on every fold; metrics are computed per repeat on pooled out-of-fold rows."""
    model = make_estimator(data.target, family, params, level, seed, featurizer)
    return result_from(data, family, cv_predictions(data, model, splitter, seed=seed), level)
