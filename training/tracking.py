"""MLflow: experiments per target, logged runs, pyfunc models, registry and the ``champion`` alias."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

import features
from features.model.answer import KIND_TARGETS, Estimator
from features.model.cases import cases_to_frame
from features.model.flavor import ESTIMATOR_ARTIFACT, ExposureModel, quiet_type_hints, save_estimator
from features.model.targets import TargetData
from features.store import CHAMPION_ALIAS, artifact_root, registered_name, tracking_uri
from training import report
from training.environment import environment_record, environment_tags
from training.evaluate import CVResult


def configure() -> str:
    """Point MLflow at the embedded default store (or ``MLFLOW_TRACKING_URI``); returns the URI.

    Against a tracking server MLflow prints a "View run ... at: <url>" line to stdout at the end of every run;
    stdout is the CLI's output (``exposure train --json``), so that is switched off unless asked for."""
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def experiment_id(target: str) -> str:
    """One experiment per target (``exposure-<target>``: the families' CV runs) and per kind
    (``exposure-criminal`` / ``exposure-civil``: the estimators), with local artifacts under the Exposure home."""
    name = registered_name(target)
    client = MlflowClient()
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    location = None
    if tracking_uri().startswith("sqlite:"):
        root = artifact_root() / name
        root.mkdir(parents=True, exist_ok=True)
        location = root.as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def dataset_frame(data: TargetData) -> pd.DataFrame:
    frame = cases_to_frame(data.cases)
    frame["__target__"] = data.y
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, list)).any():
            frame[col] = frame[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v)
    return frame


# What a saved pyfunc imports when loaded (features.model.flavor and features.model.estimators). Listing them saves MLflow's
# requirement inference, which re-imports the model in a subprocess for every logged model (~6 s each).
MODEL_PACKAGES = ("mlflow", "numpy", "pandas", "scipy", "scikit-learn", "lightgbm", "crepes", "pydantic", "joblib")


def model_requirements() -> list[str]:
    """The pip requirements of a logged model: ``MODEL_PACKAGES`` pinned to the installed versions."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in MODEL_PACKAGES:
        try:
            out.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            continue
    return out


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(v)}


def log_family_run(
    data: TargetData,
    data_name: str,
    result: CVResult,
    estimator: Any,
    params: dict[str, Any],
    level: float,
    splits_digest: str,
    parent_run_id: str | None = None,
) -> str:
    """Log one family's CV metrics, dataset, plots and model card (its model is fitted on all rows for the
    feature importance); returns the run id. The model that serves is the kind's estimator
    (``log_estimator_run``), not this one."""
    exp = experiment_id(data.target)
    frame = dataset_frame(data)
    dataset = mlflow.data.from_pandas(frame, name=data_name, targets="__target__")  # type: ignore[attr-defined]
    tags = {"target": data.target, "family": result.family, "splits_digest": splits_digest, **environment_tags()}
    if parent_run_id:
        tags["mlflow.parentRunId"] = parent_run_id
    with mlflow.start_run(experiment_id=exp, run_name=f"{data.target}-{result.family}", tags=tags) as run:
        mlflow.log_input(dataset, context="training")
        mlflow.log_dict(environment_record(), "environment.json")  # the lock, its digest, versions, platform
        mlflow.log_params(
            {
                "target": data.target,
                "family": result.family,
                "level": level,
                "params": json.dumps(params, sort_keys=True),
                "n_cases": len(data),
                "dataset_digest": dataset.digest,
                "dataset_name": data_name,  # e.g. seeds+user(123 rows): for answers to name the data
            }
        )
        mlflow.log_metrics(_finite(result.metrics))
        mlflow.log_metrics(_finite({f"{k}_sd": v for k, v in result.spread.items()}))
        for band, values in result.by_band.items():
            mlflow.log_metrics(_finite({f"band_{band}_{k}": v for k, v in values.items()}))
        names = list(estimator.feature_names_)
        mlflow.log_dict({"features": names}, "features.json")
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            report.plot_predicted_vs_actual(result, tmpdir / "predicted_vs_actual.png")
            if result.by_band:
                report.plot_coverage_by_band(result, level, tmpdir / "coverage_by_band.png")
            importance = report.feature_importance(estimator)
            if importance:
                report.plot_feature_importance(
                    importance, f"{data.target}: {result.family}", tmpdir / "feature_importance.png"
                )
                mlflow.log_dict(importance, "feature_importance.json")
            card = report.model_card(
                data.target, result.family, result, level, data_name, dataset.digest, len(data), names
            )
            (tmpdir / "model_card.md").write_text(card, encoding="utf-8")
            for f in tmpdir.iterdir():
                mlflow.log_artifact(str(f), artifact_path="report")
        return str(run.info.run_id)


def log_estimator_run(
    estimator: Estimator,
    decisions: dict[str, dict[str, Any]],
    example: list[dict[str, Any]],
    cases: list[Any] | None = None,
) -> tuple[str, str]:
    """Log a kind's estimator (the served model) as a pyfunc with its signature and input example, with what it
    was trained on (per target family, params, training cases, the family runs' metrics), the featurization and
    law table digests; returns (run id, model URI)."""
    kind = estimator.kind
    info = estimator.info()
    exp = experiment_id(kind)
    tags = {
        "kind": kind,
        "law_digest": info["law_digest"],
        "features_digest": info["features_digest"],
        "data_digest": info["data"]["digest"],
        **environment_tags(),
    }
    with mlflow.start_run(experiment_id=exp, run_name=f"{kind}-estimator", tags=tags) as run:
        mlflow.log_dict(environment_record(), "environment.json")  # the lock, its digest, versions, platform
        if cases:
            frame = cases_to_frame(cases)
            for col in frame.columns:
                if frame[col].map(lambda v: isinstance(v, list | dict)).any():
                    frame[col] = frame[col].map(
                        lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                    )
            dataset = mlflow.data.from_pandas(frame, name=info["data"]["name"])  # type: ignore[attr-defined]
            mlflow.log_input(dataset, context="training")
        params: dict[str, Any] = {
            "data_name": info["data"]["name"],
            "dataset_name": info["data"]["name"],  # as the family runs name it: answers name the data
            "n_cases": info["data"]["n_cases"],
        }
        for target, decision in decisions.items():
            params[f"{target}.family"] = decision["family"]
            params[f"{target}.params"] = json.dumps(decision.get("params") or {}, sort_keys=True)
            params[f"{target}.n_train"] = info["targets"][target]["n_train"]
            params[f"{target}.dataset_digest"] = info["targets"][target]["dataset_digest"]
            mlflow.set_tag(f"{target}.splits_digest", decision["splits_digest"])
            mlflow.set_tag(f"{target}.family_run", decision["run_id"])
            metrics = {f"{target}.{k}": v for k, v in decision["metrics"].items()}
            mlflow.log_metrics(_finite(metrics))
        mlflow.log_params(params)
        mlflow.log_dict(info, "estimator_info.json")
        mlflow.log_text(report.estimator_card(info, decisions, info["data"]["name"]), "report/model_card.md")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "estimator.joblib"
            save_estimator(estimator, path)
            with quiet_type_hints():
                model = mlflow.pyfunc.log_model(
                    name="model",
                    python_model=ExposureModel(kind),
                    artifacts={ESTIMATOR_ARTIFACT: str(path)},
                    model_config={"name": registered_name(kind), "run_id": run.info.run_id},
                    input_example=example,
                    code_paths=[str(Path(features.__file__).parent)],
                    pip_requirements=model_requirements(),
                )
        mlflow.set_tag("model_uri", model.model_uri)
        return str(run.info.run_id), str(model.model_uri)


def current_champion(kind: str) -> dict[str, Any] | None:
    """The registered champion estimator of a kind: version, run id, per target its family, params, metrics and
    splits digest, and the law table, featurization and data digests it was trained with."""
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(registered_name(kind), CHAMPION_ALIAS)
    except MlflowException:
        return None
    run = client.get_run(str(version.run_id))
    params, tags, metrics = run.data.params, run.data.tags, run.data.metrics
    targets = {}
    for target in KIND_TARGETS[kind]:
        if f"{target}.family" not in params:
            continue
        prefix = f"{target}."
        targets[target] = {
            "family": params[f"{target}.family"],
            "params": json.loads(params.get(f"{target}.params", "{}")),
            "metrics": {k.removeprefix(prefix): v for k, v in metrics.items() if k.startswith(prefix)},
            "splits_digest": tags.get(f"{target}.splits_digest"),
        }
    return {
        "version": version.version,
        "run_id": version.run_id,
        "targets": targets,
        "law_digest": tags.get("law_digest"),
        "features_digest": tags.get("features_digest"),
        "data_digest": tags.get("data_digest"),
    }


MLFLOW_TEXT_LIMIT = 5000  # not-law: characters of a description or tag value MLflow keeps


def register_champion(kind: str, run_id: str, model_uri: str, reason: str) -> str:
    """Register the run's estimator as a new version of ``exposure-<kind>`` and point ``champion`` at it."""
    client = MlflowClient()
    name = registered_name(kind)
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description=f"Exposure {kind} estimator (non-binding estimates)")
    # MLflow 3 logs models as LoggedModels (models:/m-...), not under the run's artifacts: a runs:/<id>/model
    # source registers a version that cannot be loaded
    model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
    version = client.create_model_version(
        name, source=model_uri, run_id=run_id, model_id=model_id, description=reason[:MLFLOW_TEXT_LIMIT]
    )
    client.set_registered_model_alias(name, CHAMPION_ALIAS, str(version.version))
    client.set_tag(run_id, "promotion", reason[:MLFLOW_TEXT_LIMIT])
    return str(version.version)
