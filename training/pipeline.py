"""``exposure train``: every target x family on the same repeated grouped K-fold, logged to MLflow; the best
family per target is registered as ``exposure-<target>@champion`` only if it beats the current champion on the
same splits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mlflow

from features.law.schema import CivilCase, CriminalCase
from features.store import TARGETS, registered_name
from training import tracking
from training.evaluate import CVResult, cross_validate, families_for, make_estimator
from training.metrics import PRIMARY_METRIC
from training.splits import RepeatedGroupKFold
from training.targets import TargetData, target_data

CaseModel = CriminalCase | CivilCase
LOWER_IS_BETTER = True  # every primary metric (MAE, Brier) is an error


@dataclass
class TrainConfig:
    targets: Sequence[str] = TARGETS
    families: Sequence[str] | None = None  # None: every family of each target
    n_splits: int = 5
    n_repeats: int = 3
    seed: int = 0
    level: float = 0.8
    register: bool = True
    data_name: str = "seeds"


@dataclass
class TargetOutcome:
    target: str
    results: list[CVResult]
    best_family: str
    primary_metric: str
    promoted: bool
    reason: str
    run_ids: dict[str, str] = field(default_factory=dict)
    version: str | None = None


Progress = Callable[[str], None]


# how a primary metric reads in a sentence: name, unit, decimals
_SAID = {
    "mae_months": ("MAE", " months", 1),
    "mae_log10_yuan": ("MAE", " log10 yuan", 3),
    "brier": ("Brier score", "", 3),
}


def say_metric(metric: str, value: float, *, unit: bool = True) -> str:
    """``MAE 10.7 months``, ``Brier score 0.209``: a primary metric in words (``unit=False``: the number only)."""
    name, suffix, digits = _SAID.get(metric, (metric, "", 4))
    number = f"{value:.{digits}f}"
    return f"{name} {number}{suffix}" if unit else number


def _score(result: CVResult, metric: str) -> float:
    return result.metrics.get(metric, float("inf"))


def _champion_score(
    target: str,
    data: TargetData,
    splitter: RepeatedGroupKFold,
    digest: str,
    level: float,
    results: dict[str, CVResult],
    seed: int,
) -> tuple[dict[str, Any] | None, float | None]:
    """The current champion's primary metric on *these* splits (re-evaluated if its splits differ)."""
    champion = tracking.current_champion(target)
    if champion is None:
        return None, None
    metric = PRIMARY_METRIC[target]
    if champion["splits_digest"] == digest and metric in champion["metrics"]:
        return champion, float(champion["metrics"][metric])
    family = champion["family"]
    if family in results and not champion["params"]:
        return champion, _score(results[family], metric)
    rerun = cross_validate(data, family, splitter, level=level, params=champion["params"] or None, seed=seed)
    return champion, _score(rerun, metric)


def train_target(
    cases: Sequence[CaseModel], target: str, config: TrainConfig, progress: Progress | None = None
) -> TargetOutcome:
    data = target_data(cases, target)
    if len(data) < 10 or len(set(data.groups)) < 3:
        raise ValueError(
            f"{target}: only {len(data)} labelled rows in {len(set(data.groups))} judgments; "
            "need at least 10 rows in 3 judgments"
        )
    splitter = RepeatedGroupKFold(config.n_splits, config.n_repeats, config.seed)
    digest = splitter.digest(data.groups, data.y)
    families = [f for f in (config.families or families_for(target)) if f in families_for(target)]
    if not families:
        raise ValueError(f"{target}: none of the requested families applies; choose from {families_for(target)}")
    metric = PRIMARY_METRIC[target]
    results: dict[str, CVResult] = {}
    run_ids: dict[str, str] = {}
    model_uris: dict[str, str] = {}
    for family in families:
        if progress:
            progress(f"{target}: cross-validating {family}")
        result = cross_validate(data, family, splitter, level=config.level, seed=config.seed)
        results[family] = result
        estimator = make_estimator(target, family, None, config.level, config.seed)
        estimator.fit(data.cases, data.y, groups=data.groups)
        run_ids[family], model_uris[family] = tracking.log_family_run(
            data, config.data_name, result, estimator, {}, config.level, digest
        )
    best = min(results.values(), key=lambda r: _score(r, metric))
    champion, champion_score = _champion_score(target, data, splitter, digest, config.level, results, config.seed)
    best_score = _score(best, metric)
    said = say_metric(metric, best_score)
    if not config.register:
        promoted, reason = False, f"not registered (--no-register); {best.family} has the best {said}"
    elif champion is None:
        promoted, reason = True, f"promoted {best.family} as the first champion: best {said}"
    elif best_score < champion_score - 1e-12:  # type: ignore[operator]
        promoted, reason = (
            True,
            f"promoted {best.family} over champion v{champion['version']} ({champion['family']}): {said} beats "
            f"its {say_metric(metric, champion_score, unit=False)} on the same splits",  # type: ignore[arg-type]
        )
    else:
        promoted, reason = (
            False,
            f"kept champion v{champion['version']} ({champion['family']}): the best new model, {best.family}, "
            f"has {said}, which does not beat its {say_metric(metric, champion_score, unit=False)} on the same "  # type: ignore[arg-type]
            "splits",
        )
    version = None
    if promoted:
        version = tracking.register_champion(target, run_ids[best.family], model_uris[best.family], reason)
    mlflow.MlflowClient().set_tag(run_ids[best.family], "promotion_decision", reason)
    return TargetOutcome(
        target=target,
        results=list(results.values()),
        best_family=best.family,
        primary_metric=metric,
        promoted=promoted,
        reason=reason,
        run_ids=run_ids,
        version=version,
    )


def train_all(
    cases: Sequence[CaseModel], config: TrainConfig, progress: Progress | None = None
) -> list[TargetOutcome]:
    """Train and evaluate every configured target; returns one outcome per target.

    Synthetic rows (``exposure data synth``) are refused: their outcomes are drawn from the statutory bands, so a
    model trained on them would learn the generator, not the courts."""
    n_synthetic = sum(1 for c in cases if c.synthetic)
    if n_synthetic:
        raise ValueError(
            f"{n_synthetic} synthetic rows in the training data; they are for scale tests only "
            "(LoadResult.for_training() leaves them out)"
        )
    tracking.configure()
    return [train_target(cases, target, config, progress) for target in config.targets]


__all__ = ["TargetOutcome", "TrainConfig", "registered_name", "train_all", "train_target"]
