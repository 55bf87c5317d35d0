"""Which family a target's estimator takes: a learned family only when it beats the honest baselines on the
same splits.

- Regression targets (custodial months, fine, award): a learned family must have interval coverage within
  ``COVERAGE_TOLERANCE`` of the stated level, a lower primary metric (MAE) than every baseline (the statutory
  rule and the band's empirical quantiles) and a Winkler interval score no worse than the best baseline whose
  coverage is also within the tolerance. The best such family wins; if none qualifies, the best baseline does
  (the README and the answer say so).
- Probation: a model becomes the answer only if its Brier score beats the base rate on the same out-of-fold
  rows with a bootstrap interval of the gain (over judgments) that excludes zero; otherwise P(probation) is told
  as the base rate of similar cases within the legal limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from features.model.targets import TargetData
from training.evaluate import BASELINES, CVResult
from training.metrics import PRIMARY_METRIC
from training.stats import group_bootstrap_mean

COVERAGE_TOLERANCE = 0.05  # not-law: stated level +- this share
WINKLER = {
    "custodial_months": "winkler_months",
    "fine_yuan": "winkler_log10_yuan",
    "awarded_total_yuan": "winkler_log10_yuan",
}


# how a metric reads in a sentence: name, unit, decimals
_SAID = {
    "mae_months": ("MAE", " months", 1),
    "mae_log10_yuan": ("MAE", " log10 yuan", 3),
    "brier": ("Brier score", "", 3),
    "winkler_months": ("Winkler score", " months", 1),
    "winkler_log10_yuan": ("Winkler score", " log10 yuan", 2),
    "coverage": ("coverage", "", 2),
}


def say_metric(metric: str, value: float, *, unit: bool = True) -> str:
    """``MAE 10.7 months``, ``Brier score 0.209``: a metric in words (``unit=False``: the number only)."""
    name, suffix, digits = _SAID.get(metric, (metric, "", 4))
    number = f"{value:.{digits}f}"
    return f"{name} {number}{suffix}" if unit else number


@dataclass(frozen=True)
class Selection:
    family: str
    reason: str


def _metric(result: CVResult, name: str) -> float:
    return float(result.metrics.get(name, float("inf")))


def _covers(result: CVResult, level: float) -> bool:
    return abs(_metric(result, "coverage") - level) <= COVERAGE_TOLERANCE + 1e-12


def select_regression(target: str, results: dict[str, CVResult], level: float) -> Selection:
    metric, winkler = PRIMARY_METRIC[target], WINKLER[target]
    baselines = [results[f] for f in BASELINES[target] if f in results]
    learned = [r for f, r in results.items() if f not in BASELINES[target]]
    if not baselines:
        best = min(results.values(), key=lambda r: _metric(r, metric))
        return Selection(best.family, f"the best {say_metric(metric, _metric(best, metric))}")
    bar_point = min(_metric(r, metric) for r in baselines)
    calibrated = [r for r in baselines if _covers(r, level)]
    bar_winkler = min((_metric(r, winkler) for r in calibrated), default=float("inf"))
    winners = [
        r
        for r in learned
        if _covers(r, level) and _metric(r, metric) < bar_point - 1e-12 and _metric(r, winkler) <= bar_winkler
    ]
    if winners:
        best = min(winners, key=lambda r: _metric(r, metric))
        return Selection(
            best.family,
            f"it beats the baselines on the same splits: {say_metric(metric, _metric(best, metric))} "
            f"< {say_metric(metric, bar_point, unit=False)}, {say_metric(winkler, _metric(best, winkler))} <= "
            f"{say_metric(winkler, bar_winkler, unit=False)}, coverage {_metric(best, 'coverage'):.2f} within "
            f"{COVERAGE_TOLERANCE} of {level}",
        )
    pool = calibrated or baselines
    best = min(pool, key=lambda r: _metric(r, metric))
    why = []
    for r in learned:
        if not _covers(r, level):
            why.append(
                f"{r.family}: coverage {_metric(r, 'coverage'):.2f}, not within {COVERAGE_TOLERANCE} of {level}"
            )
        elif _metric(r, metric) >= bar_point:
            why.append(
                f"{r.family}: {say_metric(metric, _metric(r, metric))} >= {say_metric(metric, bar_point, unit=False)}"
            )
        else:
            why.append(
                f"{r.family}: {say_metric(winkler, _metric(r, winkler))} > "
                f"{say_metric(winkler, bar_winkler, unit=False)}"
            )
    passed_over = [
        f"{r.family} has {say_metric(metric, _metric(r, metric))} but coverage {_metric(r, 'coverage'):.2f}, not "
        f"within {COVERAGE_TOLERANCE} of {level}"
        for r in baselines
        if all(r is not p for p in pool) and _metric(r, metric) < _metric(best, metric)
    ]
    among = f"; of the baselines, {'; '.join(passed_over)}" if passed_over else ""
    return Selection(
        best.family,
        f"a baseline answers ({say_metric(metric, _metric(best, metric))}): no learned family beats the "
        f"baselines on the same splits ({'; '.join(why) or 'none tried'}){among}",
    )


def select_probation(data: TargetData, results: dict[str, CVResult], seed: int = 0) -> Selection:
    reference = results.get("base_rate")
    if reference is None or reference.predictions is None:
        lowest = min(results.values(), key=lambda r: _metric(r, "brier"))
        return Selection(
            lowest.family, f"{lowest.family} has the best {say_metric('brier', _metric(lowest, 'brier'))}"
        )
    y = data.y
    ref_loss = ((reference.predictions.point[-1] - y) ** 2).mean(axis=0)
    best: tuple[float, str, str] | None = None
    tried = []
    for family, result in results.items():
        if family in ("base_rate", "baseline") or result.predictions is None:
            continue
        loss = ((result.predictions.point[-1] - y) ** 2).mean(axis=0)
        gain = group_bootstrap_mean(loss - ref_loss, data.groups, seed=seed)
        tried.append(f"{family} {gain.mean:+.3f} [{gain.ci_low:+.3f}, {gain.ci_high:+.3f}]")
        if gain.ci_high < 0 and (best is None or gain.mean < best[0]):
            best = (gain.mean, family, tried[-1])
    if best is not None:
        return Selection(
            best[1], f"{best[1]} beats the base rate on Brier: {best[2]} (95% bootstrap over judgments)"
        )
    return Selection(
        "base_rate",
        "no model beats the base rate of probation on Brier with a bootstrap interval excluding zero ("
        + ("; ".join(tried) or "none tried")
        + "): P(probation) is told as the base rate",
    )


def select(target: str, data: TargetData, results: dict[str, CVResult], level: float, seed: int = 0) -> Selection:
    if target == "probation":
        return select_probation(data, results, seed)
    return select_regression(target, results, level)


__all__ = ["COVERAGE_TOLERANCE", "Selection", "say_metric", "select"]
