"""``exposure train``: every target x family on the same repeated grouped K-fold, logged to MLflow; then one
estimator per kind (criminal: custodial months, probation, fine; civil: the award) is fitted from the chosen
family of each target on one featurization and one law table, logged as a pyfunc and registered as
``exposure-<kind>@champion`` when it improves on the current champion.

Selection, per target (``training.selection``): every family, the honest baselines and the current champion's
family are cross-validated on the *same* splits; a learned family is chosen only when it beats the baselines
(points on MAE, intervals on Winkler at coverage within 0.05 of the stated level; probation: Brier with a
bootstrap interval of the gain excluding zero), else the best baseline answers. Promotion, per kind: a new
estimator is registered when a target's choice changed, when the training data changed (the chosen families are
re-fitted on the new data), or when the champion was trained under another law table or featurization (it cannot
serve answers under today's law); otherwise the champion stays. The run records why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import mlflow

from features.law.schema import CivilCase, CriminalCase
from features.model import direction
from features.model.answer import KIND_TARGETS, CivilEstimator, CriminalEstimator, Estimator, cases_digest
from features.model.featurize import CaseFeaturizer
from features.model.targets import TargetData, target_data
from features.store import TARGETS, registered_name
from training import tracking
from training.evaluate import BASELINES, CVResult, cross_validate, families_for, make_estimator
from training.metrics import PRIMARY_METRIC
from training.selection import say_metric, select
from training.splits import RepeatedGroupKFold

CaseModel = CriminalCase | CivilCase
KIND_OF = {t: kind for kind, targets in KIND_TARGETS.items() for t in targets}
DIRECTED = ("custodial_months", "fine_yuan", "probation")  # targets the sentencing circumstances move
EXAMPLE_ROWS = 2


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
    """One target's leaderboard and the family its kind's estimator takes (``chosen``) and why."""

    target: str
    results: list[CVResult]
    best_family: str
    primary_metric: str
    chosen: dict[str, Any]
    reason: str
    run_ids: dict[str, str] = field(default_factory=dict)
    promoted: bool = False
    version: str | None = None


@dataclass
class KindOutcome:
    """A kind's estimator: whether it became the champion, why, and its registered version."""

    kind: str
    promoted: bool
    reason: str
    run_id: str | None = None
    version: str | None = None


Progress = Callable[[str], None]


def _score(result: CVResult, metric: str) -> float:
    return result.metrics.get(metric, float("inf"))


def _check_data(data: TargetData) -> None:
    if len(data) < 10 or len(set(data.groups)) < 3:
        raise ValueError(
            f"{data.target}: only {len(data)} labelled rows in {len(set(data.groups))} judgments; "
            "need at least 10 rows in 3 judgments"
        )


def train_target(
    cases: Sequence[CaseModel],
    target: str,
    config: TrainConfig,
    champion: dict[str, Any] | None,
    progress: Progress | None = None,
) -> TargetOutcome:
    """Cross-validate every family of ``target`` (and the current champion's, if it is not among them) on the
    same splits, log their runs, and choose the family its estimator takes (``training.selection``)."""
    data = target_data(cases, target)
    _check_data(data)
    splitter = RepeatedGroupKFold(config.n_splits, config.n_repeats, config.seed)
    digest = splitter.digest(data.groups, data.y)
    families = [f for f in (config.families or families_for(target)) if f in families_for(target)]
    if not families:
        raise ValueError(f"{target}: none of the requested families applies; choose from {families_for(target)}")
    for baseline in BASELINES[target]:  # the honest baselines are always on the leaderboard
        if baseline not in families:
            families.insert(0, baseline)
    part = champion["targets"].get(target) if champion is not None else None
    if part is not None and part["family"] not in families and part["family"] in families_for(target):
        families.append(part["family"])  # the champion's family is compared on the same splits
    metric = PRIMARY_METRIC[target]
    results: dict[str, CVResult] = {}
    run_ids: dict[str, str] = {}
    refused: dict[str, str] = {}
    for family in families:
        if progress:
            progress(f"{target}: cross-validating {family}")
        result = cross_validate(data, family, splitter, level=config.level, seed=config.seed)
        results[family] = result
        model = make_estimator(target, family, None, config.level, config.seed)
        model.fit(data.cases, data.y, groups=data.groups)
        run_ids[family] = tracking.log_family_run(data, config.data_name, result, model, {}, config.level, digest)
        if target in DIRECTED and family not in BASELINES[target]:
            problems = direction.violations(model, [c for c in data.cases if isinstance(c, CriminalCase)])
            if problems:  # a family that breaks the law's direction may not answer
                refused[family] = (
                    f"{family} breaks the law's direction ({len(problems)} cases, e.g. {problems[0]})"
                )
                mlflow.MlflowClient().set_tag(run_ids[family], "refused", refused[family])
    best = min(results.values(), key=lambda r: _score(r, metric))
    eligible = {f: r for f, r in results.items() if f not in refused}
    selection = select(target, data, eligible, config.level, config.seed)
    chosen_result = results[selection.family]
    reason = selection.reason + "".join(f"; {why}" for why in refused.values())
    if part is not None and part["family"] == selection.family:
        reason += "; the champion's family, kept"
    chosen: dict[str, Any] = {
        "family": selection.family,
        "params": {},
        "metrics": dict(chosen_result.metrics),
        "splits_digest": digest,
        "run_id": run_ids[selection.family],
        "reason": reason,
    }
    mlflow.MlflowClient().set_tag(run_ids[selection.family], "selection", reason)
    return TargetOutcome(
        target=target,
        results=list(results.values()),
        best_family=best.family,
        primary_metric=metric,
        chosen=chosen,
        reason=reason,
        run_ids=run_ids,
    )


def build_estimator(kind: str, decisions: dict[str, dict[str, Any]], level: float, seed: int) -> Estimator:
    """An unfitted estimator of ``kind`` from each target's chosen family and params."""
    parts = {t: make_estimator(t, d["family"], d.get("params") or None, level, seed) for t, d in decisions.items()}
    featurizer = CaseFeaturizer(kind)  # type: ignore[arg-type]
    if kind == "criminal":
        return CriminalEstimator(
            custodial=parts["custodial_months"],
            probation=parts["probation"],
            fine=parts["fine_yuan"],
            featurizer=featurizer,
        )
    return CivilEstimator(award=parts["awarded_total_yuan"], featurizer=featurizer)


def _promotion(
    kind: str, champion: dict[str, Any] | None, estimator: Estimator, decisions: dict[str, dict[str, Any]]
) -> tuple[bool, str]:
    info = estimator.info()
    if champion is None:
        return True, "registered as the first champion"
    if champion["law_digest"] != info["law_digest"]:
        return True, "the champion was trained under another law table; retrained under today's"
    if champion["features_digest"] != info["features_digest"]:
        return True, "the champion was trained on another featurization; retrained on today's"
    changed = [
        t
        for t, d in decisions.items()
        if t not in champion["targets"]
        or (champion["targets"][t]["family"], champion["targets"][t]["params"]) != (d["family"], d["params"])
    ]
    if changed:
        return True, f"promoted over champion v{champion['version']}: better families for " + ", ".join(changed)
    if champion["data_digest"] != info["data"]["digest"]:
        return (
            True,
            f"promoted over champion v{champion['version']}: the same families re-fitted on new training data",
        )
    return False, f"kept champion v{champion['version']}: no target improved and the training data are the same"


def train_kind(
    kind: str,
    cases: Sequence[CaseModel],
    outcomes: list[TargetOutcome],
    champion: dict[str, Any] | None,
    config: TrainConfig,
    progress: Progress | None = None,
) -> KindOutcome:
    """Fit, log and (when it improves) register the kind's estimator from its targets' choices."""
    decisions = {o.target: o.chosen for o in outcomes}
    if champion is not None:  # a target not trained this time keeps the champion's family
        for target in KIND_TARGETS[kind]:
            if target not in decisions and target in champion["targets"]:
                part = champion["targets"][target]
                decisions[target] = {**part, "run_id": "", "splits_digest": part["splits_digest"] or ""}
    for target in KIND_TARGETS[kind]:  # a target neither trained now nor by the champion: its honest baseline
        if target not in decisions:
            family = BASELINES[target][-1] if target == "probation" else BASELINES[target][0]
            decisions[target] = {
                "family": family,
                "params": {},
                "metrics": {},
                "splits_digest": "",
                "run_id": "",
                "reason": f"not trained this time: its baseline ({family}) answers",
            }
    if progress:
        progress(f"{kind}: fitting the estimator")
    estimator = build_estimator(kind, decisions, config.level, config.seed)
    own = [c for c in cases if (c.proceeding == "criminal") == (kind == "criminal")]
    estimator.fit(own, data_name=config.data_name)
    example = [c.model_dump(mode="json", exclude_none=True) for c in own[:EXAMPLE_ROWS]]
    for row in example:  # an input example is a case to estimate: its outcome is not an input
        for name in ("prison_months", "detention_months", "probation_months", "fine_yuan", "awarded_total_yuan"):
            row.pop(name, None)
    run_id, model_uri = tracking.log_estimator_run(estimator, decisions, example, own)
    promoted, reason = _promotion(kind, champion, estimator, decisions)
    if not config.register:
        promoted, reason = False, "registration disabled (--no-register)"
    version = tracking.register_champion(kind, run_id, model_uri, reason) if promoted else None
    mlflow.MlflowClient().set_tag(run_id, "promotion_decision", reason)
    return KindOutcome(kind, promoted, reason, run_id, version)


def train_all(
    cases: Sequence[CaseModel], config: TrainConfig, progress: Progress | None = None
) -> tuple[list[TargetOutcome], list[KindOutcome]]:
    """Train and evaluate every configured target, then each kind's estimator.

    Synthetic rows (``exposure data synth``) are refused: their outcomes are drawn from the statutory bands, so a
    model trained on them would learn the generator, not the courts."""
    n_synthetic = sum(1 for c in cases if c.synthetic)
    if n_synthetic:
        raise ValueError(
            f"{n_synthetic} synthetic rows in the training data; they are for scale tests only "
            "(LoadResult.for_training() leaves them out)"
        )
    tracking.configure()
    targets: list[TargetOutcome] = []
    kinds: list[KindOutcome] = []
    for kind, kind_targets in KIND_TARGETS.items():
        wanted = [t for t in kind_targets if t in config.targets]
        if not wanted:
            continue
        champion = tracking.current_champion(kind)
        outcomes = [train_target(cases, t, config, champion, progress) for t in wanted]
        result = train_kind(kind, cases, outcomes, champion, config, progress)
        for outcome in outcomes:
            outcome.promoted, outcome.version = result.promoted, result.version
        targets.extend(outcomes)
        kinds.append(result)
    return targets, kinds


__all__ = [
    "KindOutcome",
    "TargetOutcome",
    "TrainConfig",
    "build_estimator",
    "cases_digest",
    "registered_name",
    "say_metric",
    "train_all",
    "train_target",
]
