"""``exposure experiment run``: every configuration of a definition on the same splits, as one MLflow parent run
(experiment ``exposure-experiment-<name>``) with a child run per target x configuration.

A child run holds everything the report needs, so reports are rebuilt from MLflow alone:
- params: target, family, config, feature_set, params (JSON), n_features, level, folds, repeats, seed, data;
- tags: ``mlflow.parentRunId``, ``exposure.kind=experiment-child``, target, config, family, feature_set,
  ``splits_digest`` (equal digests = identical folds);
- metrics: training's names (``training/metrics.py``) as the mean over repeats, ``<metric>_sd`` their sd over
  repeats, ``band_<band>_<metric>`` / ``category_<A|B|C|unstated>_<metric>`` pooled over repeats, and the
  learning curve as histories ``lc_<metric>`` / ``lc_n_train`` (step = index of the fraction);
- artifacts: ``oof.csv`` (out-of-fold predictions of every repeat), ``per_repeat.csv``, ``learning_curve.csv``
  (per fraction and repeat), ``features.json``, ``environment.json`` (``training.environment``: the lock's digest
  and versions, whether the interpreter matches it, platform and NumPy's SIMD set; also the tags
  ``exposure.lock_sha256`` / ``exposure.environment_matches_lock``, on the parent run too).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from experiments.definition import Config, Definition
from experiments.evaluation import ConfigResult, evaluate_config, n_fits
from experiments.sources import ExperimentData, load_experiment_data
from features.model.targets import TargetData, target_data
from features.store import artifact_root, tracking_uri
from training.environment import environment_record, environment_tags
from training.splits import RepeatedGroupKFold

KIND_TAG = "exposure.kind"
PARENT_KIND = "experiment-parent"
CHILD_KIND = "experiment-child"
MIN_ROWS, MIN_GROUPS = 10, 3  # as training: fewer labelled rows make a CV estimate meaningless


class ExperimentProgress:
    """Progress hooks of a run (the CLI draws them with rich); the default does nothing."""

    def start(self, total_fits: int, n_configs: int) -> None:  # pragma: no cover - trivial
        pass

    def advance(self, fits: int, description: str) -> None:  # pragma: no cover - trivial
        pass

    def message(self, text: str) -> None:  # pragma: no cover - trivial
        pass


@dataclass
class ExperimentRun:
    """What a run produced: the MLflow ids and the results per target (in definition order)."""

    name: str
    experiment_id: str
    parent_run_id: str
    tracking_uri: str
    data: ExperimentData
    results: dict[str, list[ConfigResult]] = field(default_factory=dict)
    child_run_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0


def client_for(uri: str | None = None) -> MlflowClient:
    """A client on the Exposure store (``MLFLOW_TRACKING_URI`` or the embedded sqlite store); no global state."""
    return MlflowClient(tracking_uri=uri or tracking_uri(), registry_uri=uri or tracking_uri())


def ensure_experiment(client: MlflowClient, name: str, uri: str) -> str:
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    location = None
    if uri.startswith("sqlite:"):
        root = artifact_root() / name
        root.mkdir(parents=True, exist_ok=True)
        location = root.as_uri()
    return str(client.create_experiment(name, artifact_location=location, tags={KIND_TAG: "experiment"}))


def _finite(values: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}


def _log_batch(
    client: MlflowClient,
    run_id: str,
    metrics: list[Metric] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    metric_list = metrics or []
    for start in range(0, max(len(metric_list), 1), 900):  # MLflow takes at most 1000 metrics per batch
        client.log_batch(
            run_id,
            metrics=metric_list[start : start + 900],
            params=[Param(k, str(v)) for k, v in (params or {}).items()] if start == 0 else [],
            tags=[RunTag(k, v) for k, v in (tags or {}).items()] if start == 0 else [],
        )


def _metric_objects(values: dict[str, float], step: int = 0) -> list[Metric]:
    now = int(time.time() * 1000)
    return [Metric(k, v, now, step) for k, v in _finite(values).items()]


def _target_datasets(definition: Definition, data: ExperimentData) -> dict[str, TargetData]:
    out: dict[str, TargetData] = {}
    for target in definition.targets:
        td = target_data(data.cases, target)
        groups = len(set(td.groups))
        if len(td) < MIN_ROWS or groups < max(MIN_GROUPS, definition.cv.folds):
            raise ValueError(
                f"{target}: only {len(td)} labelled rows in {groups} judgments; need at least {MIN_ROWS} rows "
                f"and {max(MIN_GROUPS, definition.cv.folds)} judgments (cv.folds)"
            )
        out[target] = td
    return out


def _evaluate(data: TargetData, config: Config, folds: int, repeats: int, seed: int, level: float) -> ConfigResult:
    """Worker entry point (module level, so it pickles into a process pool)."""
    splitter = RepeatedGroupKFold(folds, repeats, seed)
    return evaluate_config(data, config, splitter, level, seed, config.feature_set.selection_for(config.target))


RELATIVE_COST = {"baseline": 0.05, "ridge": 0.3, "logistic": 1.0, "lightgbm": 1.0, "forest": 2.5}


def _cost(config: Config) -> float:
    """A rough relative cost of one fit of a configuration (ordering of parallel work only)."""
    trees = float(config.params.get("n_estimators", 1 if config.family != "forest" else 200))
    scale = trees / 200 if config.family == "forest" else 1.0
    return RELATIVE_COST.get(config.family, 1.0) * scale


def _advance_one(progress: ExperimentProgress, description: str) -> Callable[[], None]:
    def advance() -> None:
        progress.advance(1, description)

    return advance


def log_child(
    client: MlflowClient,
    experiment_id: str,
    parent_run_id: str,
    definition: Definition,
    data: ExperimentData,
    result: ConfigResult,
    splits_digest: str,
) -> str:
    config = result.config
    tags = {
        "mlflow.parentRunId": parent_run_id,
        KIND_TAG: CHILD_KIND,
        "exposure.experiment": definition.name,
        "target": config.target,
        "config": config.label,
        "family": config.family,
        "feature_set": config.feature_set.name,
        "splits_digest": splits_digest,
        **environment_tags(),
    }
    run = client.create_run(experiment_id, run_name=f"{config.target}/{config.label}", tags=tags)
    run_id = str(run.info.run_id)
    try:
        client.log_dict(run_id, environment_record(), "environment.json")
        params = {
            "target": config.target,
            "family": config.family,
            "config": config.label,
            "feature_set": config.feature_set.name,
            "params": config.params_json,
            "n_features": len(result.feature_names),
            "level": definition.level,
            "folds": definition.cv.folds,
            "repeats": definition.cv.repeats,
            "seed": definition.seed,
            "data": data.name,
            "data_digest": data.digest,
            "learning_curve_fractions": json.dumps(list(config.fractions)),
        }
        values = {
            **result.metrics,
            **{f"{k}_sd": v for k, v in result.spread.items()},
            **result.breakdown,
            "fit_seconds": result.seconds,
        }
        metric_list = _metric_objects(values)
        if len(config.fractions) > 1 and not result.curve.empty:
            curve = result.curve.drop(columns=["repeat"]).groupby("fraction", sort=True)
            means, sds = curve.mean(), curve.std(ddof=0)
            for step, fraction in enumerate(means.index):
                point = {f"lc_{k}": float(v) for k, v in means.loc[fraction].items()}
                point.update(
                    {f"lc_{k}_sd": float(v) for k, v in sds.loc[fraction].items() if not k.startswith("n_")}
                )
                point["lc_fraction"] = float(fraction)
                metric_list += _metric_objects(point, step=step)
        _log_batch(client, run_id, metric_list, params)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            result.oof.to_csv(folder / "oof.csv", index=False)
            import pandas as pd

            pd.DataFrame([{"repeat": r, **m} for r, m in enumerate(result.per_repeat)]).to_csv(
                folder / "per_repeat.csv", index=False
            )
            if not result.curve.empty:
                result.curve.to_csv(folder / "learning_curve.csv", index=False)
            (folder / "features.json").write_text(json.dumps({"features": result.feature_names}), encoding="utf-8")
            for path in sorted(folder.iterdir()):
                client.log_artifact(run_id, str(path))
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    client.set_terminated(run_id, "FINISHED")
    return run_id


def run_experiment(
    definition: Definition,
    *,
    jobs: int = 1,
    progress: ExperimentProgress | None = None,
    uri: str | None = None,
) -> ExperimentRun:
    """Evaluate every configuration of ``definition`` and log the parent and child runs; returns the ids."""
    progress = progress or ExperimentProgress()
    started = time.perf_counter()
    data = load_experiment_data(definition)
    for error in data.errors:
        progress.message(f"skipped {error}")
    datasets = _target_datasets(definition, data)
    folds, repeats, seed, level = definition.cv.folds, definition.cv.repeats, definition.seed, definition.level
    digests = {t: RepeatedGroupKFold(folds, repeats, seed).digest(td.groups, td.y) for t, td in datasets.items()}
    configs = definition.configs()
    uri = uri or tracking_uri()
    client = client_for(uri)
    experiment_id = ensure_experiment(client, definition.experiment_name, uri)
    parent = client.create_run(
        experiment_id,
        run_name=definition.name,
        tags={
            KIND_TAG: PARENT_KIND,
            "exposure.experiment": definition.name,
            "mlflow.note.content": definition.description or definition.name,
            **{f"splits_digest.{t}": d for t, d in digests.items()},
            **environment_tags(),
        },
    )
    parent_id = str(parent.info.run_id)
    client.log_dict(parent_id, environment_record(), "environment.json")
    run = ExperimentRun(definition.name, experiment_id, parent_id, uri, data)
    try:
        _log_batch(
            client,
            parent_id,
            _metric_objects(
                {
                    "n_configs": float(len(configs)),
                    "n_cases": float(len(data.cases)),
                    "n_skipped_rows": float(len(data.errors)),
                    **{f"n_rows_{t}": float(len(td)) for t, td in datasets.items()},
                }
            ),
            {
                "name": definition.name,
                "targets": ",".join(definition.targets),
                "folds": folds,
                "repeats": repeats,
                "seed": seed,
                "level": level,
                "data": data.name,
                "data_digest": data.digest,
                "data_counts": json.dumps(data.counts),
                "feature_sets": ",".join(fs.name for fs in definition.features),
                "bootstrap_resamples": definition.bootstrap.resamples,
                "bootstrap_ci": definition.bootstrap.ci,
            },
        )
        with tempfile.TemporaryDirectory() as tmp:
            normalized = Path(tmp) / "definition.json"
            normalized.write_text(
                json.dumps(definition.model_dump(mode="json"), indent=2, ensure_ascii=False), encoding="utf-8"
            )
            client.log_artifact(parent_id, str(normalized))
            if definition.source_path is not None and definition.source_path.is_file():
                client.log_artifact(parent_id, str(definition.source_path), artifact_path="source")

        sizes = {
            id(c): n_fits(c, RepeatedGroupKFold(folds, repeats, seed), datasets[c.target].groups) for c in configs
        }
        progress.start(sum(sizes.values()), len(configs))

        def record(result: ConfigResult) -> None:
            config = result.config
            run.results.setdefault(config.target, []).append(result)
            run.child_run_ids[(config.target, config.label)] = log_child(
                client, experiment_id, parent_id, definition, data, result, digests[config.target]
            )

        if jobs <= 1:
            for config in configs:
                desc = f"{config.target}: {config.label}"
                progress.advance(0, desc)
                splitter = RepeatedGroupKFold(folds, repeats, seed)
                keep = config.feature_set.selection_for(config.target)
                result = evaluate_config(
                    datasets[config.target],
                    config,
                    splitter,
                    level,
                    seed,
                    keep,
                    on_fit=_advance_one(progress, desc),
                )
                record(result)
        else:
            # the slowest configurations first, so the last worker is not left with a forest on its own
            ordered = sorted(configs, key=lambda c: -_cost(c) * sizes[id(c)])
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                futures: dict[Future[ConfigResult], Config] = {
                    pool.submit(_evaluate, datasets[c.target], c, folds, repeats, seed, level): c for c in ordered
                }
                for future in as_completed(futures):
                    config = futures[future]
                    result = future.result()
                    progress.advance(sizes[id(config)], f"{config.target}: {config.label}")
                    record(result)
        order = {(c.target, c.label): i for i, c in enumerate(configs)}
        run.results = {
            t: sorted(run.results[t], key=lambda r: order[(r.config.target, r.config.label)])
            for t in definition.targets
            if t in run.results
        }
        run.seconds = time.perf_counter() - started
        _log_batch(client, parent_id, _metric_objects({"seconds": run.seconds}))
    except BaseException:
        client.set_terminated(parent_id, "FAILED")
        raise
    client.set_terminated(parent_id, "FINISHED")
    return run


__all__ = ["ExperimentProgress", "ExperimentRun", "client_for", "run_experiment"]
