"""Statistics of a comparison, computed from out-of-fold predictions read back from MLflow.

- Paired comparison: per-case error of a configuration minus that of a reference (the statutory baseline) on
  the same out-of-fold rows (same splits), each case's error averaged over repeats; the CI of the mean
  difference comes from a bootstrap over judgments (groups: co-defendants resampled together), fixed seed.
- Learning curve: the primary metric per training-set size, with a verdict on the last step.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.evaluation import case_loss
from training.stats import group_bootstrap_mean


def per_case_errors(target: str, oof: pd.DataFrame) -> pd.DataFrame:
    """One row per case: its loss averaged over repeats (the mean of ``loss`` is the primary metric)."""
    frame = oof.assign(loss=case_loss(target, oof["y"].to_numpy(), oof["point"].to_numpy()))
    out = frame.groupby("row", sort=True).agg(
        case_id=("case_id", "first"), group_id=("group_id", "first"), y=("y", "first"), loss=("loss", "mean")
    )
    return out


@dataclass
class Paired:
    config: str
    reference: str
    n_cases: int
    n_groups: int
    error: float  # mean per-case error of the configuration (= its primary metric)
    reference_error: float
    diff: float  # error - reference_error (negative: the configuration is better)
    ci_low: float
    ci_high: float
    ci: float
    share_better: float  # share of bootstrap resamples in which the configuration is better

    @property
    def verdict(self) -> str:
        if self.ci_high < 0:
            return "better"
        if self.ci_low > 0:
            return "worse"
        return "no clear difference"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def paired_comparison(
    target: str,
    config: str,
    oof: pd.DataFrame,
    reference: str,
    reference_oof: pd.DataFrame,
    resamples: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
) -> Paired:
    """Mean per-case error difference ``config - reference`` with a group-bootstrap CI.

    Raises ValueError when the two runs did not predict the same cases (different data or splits).
    """
    a, b = per_case_errors(target, oof), per_case_errors(target, reference_oof)
    if not a.index.equals(b.index) or not (a["case_id"] == b["case_id"]).all():
        raise ValueError(f"{config} and {reference} were not evaluated on the same cases")
    if not (a["group_id"] == b["group_id"]).all() or not np.allclose(a["y"], b["y"]):
        raise ValueError(f"{config} and {reference} disagree on groups or outcomes")
    d = (a["loss"] - b["loss"]).to_numpy()
    groups = a["group_id"].astype(str).to_numpy()
    boot = group_bootstrap_mean(d, groups, resamples, ci, seed)
    return Paired(
        config=config,
        reference=reference,
        n_cases=len(d),
        n_groups=len(set(groups.tolist())),
        error=float(a["loss"].mean()),
        reference_error=float(b["loss"].mean()),
        diff=boot.mean,
        ci_low=boot.ci_low,
        ci_high=boot.ci_high,
        ci=ci,
        share_better=boot.share_below_zero,
    )


@dataclass
class CurvePoint:
    fraction: float
    n_train: float
    n_train_groups: float
    mean: float
    sd: float
    repeats: int


@dataclass
class CurveVerdict:
    """Does the metric improve with more training cases, and is it still improving at the full folds?"""

    per_doubling: float  # slope of metric vs log2(n_train), mean over repeats: change per doubling of the data
    per_doubling_se: float  # its standard error over repeats (nan with one repeat)
    last_step_change: float  # metric(full) - metric(previous fraction), mean over repeats (negative = better)
    last_step_se: float
    verdict: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def learning_curve(curve: pd.DataFrame, metric: str) -> list[CurvePoint]:
    points: list[CurvePoint] = []
    for fraction, rows in curve.groupby("fraction", sort=True):
        points.append(
            CurvePoint(
                fraction=float(fraction),  # type: ignore[arg-type]
                n_train=float(rows["n_train"].mean()),
                n_train_groups=float(rows["n_train_groups"].mean()),
                mean=float(rows[metric].mean()),
                sd=float(rows[metric].std(ddof=0)),
                repeats=len(rows),
            )
        )
    return points


def _mean_se(values: np.ndarray[Any, Any]) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    se = float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return float(values.mean()), se


def curve_verdict(curve: pd.DataFrame, metric: str) -> CurveVerdict | None:
    """A verdict on whether more data would help, from the per-repeat curves (lower metric is better).

    Per repeat: the slope of the metric against log2(training cases) over the whole curve (change per doubling)
    and the change on the last step (previous fraction -> full folds). A slope below -2 standard errors over
    repeats means the metric improved with data; then "still improving" when the last step also improved,
    "flattening" when it did not. Extrapolating beyond the data is only indicative.
    """
    points = learning_curve(curve, metric)
    if len(points) < 2:
        return None
    prev, last = points[-2].fraction, points[-1].fraction
    slopes, changes = [], []
    for _, rows in curve.groupby("repeat"):
        rows = rows.sort_values("fraction")
        x, y = np.log2(rows["n_train"].to_numpy()), rows[metric].to_numpy(dtype=float)
        slopes.append(float(np.polyfit(x, y, 1)[0]) if len(set(x.tolist())) > 1 else float("nan"))
        by_fraction = dict(zip(rows["fraction"], y, strict=True))
        changes.append(by_fraction.get(last, np.nan) - by_fraction.get(prev, np.nan))
    slope, slope_se = _mean_se(np.asarray(slopes))
    change, change_se = _mean_se(np.asarray(changes))
    if math.isnan(slope_se):
        verdict = "one repeat: no noise estimate" + (" (improving)" if slope < 0 else " (not improving)")
    elif slope < -2 * slope_se:
        verdict = (
            "still improving: more data is likely to help"
            if change < 0
            else "improved with data but flattening at the full folds"
        )
    elif slope > 2 * slope_se:
        verdict = "worse with more data (noise, or the added cases differ from the rest)"
    else:
        verdict = "flat within noise: no measurable gain from more of the same data"
    return CurveVerdict(
        per_doubling=slope,
        per_doubling_se=slope_se,
        last_step_change=change,
        last_step_se=change_se,
        verdict=verdict,
    )
