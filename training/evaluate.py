"""Cross-validation of one model family on one target, on splits shared by every family."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from features.law.schema import CriminalCase
from features.law.statutory import statutory_band
from features.model.estimators import OutcomeRegressor, ProbationClassifier
from training import metrics
from training.splits import RepeatedGroupKFold
from training.targets import TargetData

REGRESSION_FAMILIES = ("baseline", "ridge", "forest", "lightgbm")
PROBATION_FAMILIES = ("baseline", "logistic", "lightgbm")


def families_for(target: str) -> tuple[str, ...]:
    return PROBATION_FAMILIES if target == "probation" else REGRESSION_FAMILIES


def make_estimator(
    target: str, family: str, params: dict[str, Any] | None, level: float, seed: int
) -> OutcomeRegressor | ProbationClassifier:
    if target == "probation":
        return ProbationClassifier(family=family, random_state=seed)  # type: ignore[arg-type]
    return OutcomeRegressor(
        target=target,  # type: ignore[arg-type]
        family=family,  # type: ignore[arg-type]
        level=level,
        params=params,
        random_state=seed,
    )


@dataclass
class CVResult:
    """Metrics averaged over repeats (``metrics``), their spread (``spread``), per-band metrics and the
    out-of-fold predictions of the first repeat (for plots)."""

    target: str
    family: str
    metrics: dict[str, float]
    spread: dict[str, float]
    by_band: dict[str, dict[str, float]] = field(default_factory=dict)
    oof: dict[str, NDArray[Any]] = field(default_factory=dict)
    per_repeat: list[dict[str, float]] = field(default_factory=list)


def _bands(data: TargetData) -> NDArray[Any]:
    return np.asarray(
        [
            statutory_band(c, contested=False).band.value if isinstance(c, CriminalCase) else c.proceeding
            for c in data.cases
        ],
        dtype=object,
    )


def cross_validate(
    data: TargetData,
    family: str,
    splitter: RepeatedGroupKFold,
    level: float = 0.8,
    params: dict[str, Any] | None = None,
    seed: int = 0,
) -> CVResult:
    """Fit and score ``family`` on every fold; metrics are computed per repeat on pooled out-of-fold rows."""
    n = len(data)
    n_repeats = splitter.n_repeats
    point = np.full((n_repeats, n), np.nan)
    low = np.full((n_repeats, n), np.nan)
    high = np.full((n_repeats, n), np.nan)
    for repeat, train_idx, test_idx in splitter.split(data.groups):
        est = make_estimator(data.target, family, params, level, seed)
        train_cases = [data.cases[i] for i in train_idx]
        test_cases = [data.cases[i] for i in test_idx]
        est.fit(train_cases, data.y[train_idx], groups=[data.groups[i] for i in train_idx])
        if isinstance(est, ProbationClassifier):
            crim = [c for c in test_cases if isinstance(c, CriminalCase)]
            point[repeat, test_idx] = est.predict_proba_cases(crim)
        else:
            prepared = est._prepare(test_cases)
            out = est.estimate_prepared(*prepared)
            point[repeat, test_idx], low[repeat, test_idx], high[repeat, test_idx] = (
                out["point"],
                out["low"],
                out["high"],
            )
    per_repeat: list[dict[str, float]] = []
    for r in range(n_repeats):
        if data.target == "probation":
            per_repeat.append({"brier": metrics.brier(data.y, point[r]), "auc": metrics.auc(data.y, point[r])})
        else:
            per_repeat.append(metrics.regression_metrics(data.target, data.y, point[r], low[r], high[r], level))
    keys = per_repeat[0].keys()
    mean = {k: float(np.nanmean([m[k] for m in per_repeat])) for k in keys}
    spread = {k: float(np.nanstd([m[k] for m in per_repeat])) for k in keys}
    mean["n_cases"] = float(n)
    mean["n_groups"] = float(len(set(data.groups)))
    by_band: dict[str, dict[str, float]] = {}
    bands = _bands(data)
    if data.target != "probation":
        for band in sorted(set(bands)):
            mask = bands == band
            if mask.sum() == 0:
                continue
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
    )
