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
from features.model.cases import cases_to_frame
from features.model.estimators import TARGET_KIND
from features.model.flavor import CaseModelPyfunc, example_frame, save_estimator, signature
from features.store import CHAMPION_ALIAS, artifact_root, registered_name, tracking_uri
from training import report
from training.environment import environment_record, environment_tags
from training.evaluate import CVResult
from training.targets import TargetData


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
    """One experiment per target, ``exposure-<target>``, with local artifacts under the Exposure home."""
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
) -> tuple[str, str]:
    """Log one family's CV metrics, dataset, plots, model card and the final pyfunc model; returns run id."""
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
            }
        )
        mlflow.log_metrics(_finite(result.metrics))
        mlflow.log_metrics(_finite({f"{k}_sd": v for k, v in result.spread.items()}))
        for band, values in result.by_band.items():
            mlflow.log_metrics(_finite({f"band_{band}_{k}": v for k, v in values.items()}))
        names = [str(n) for n in estimator.featurizer_.get_feature_names_out()]
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
            est_path = tmpdir / "estimator.joblib"
            save_estimator(estimator, str(est_path))
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=CaseModelPyfunc(data.target),
                artifacts={"estimator": str(est_path)},
                signature=signature(TARGET_KIND[data.target]),
                input_example=example_frame(data.cases[:2]),
                code_paths=[str(Path(features.__file__).parent)],
                pip_requirements=model_requirements(),
            )
        mlflow.set_tag("model_uri", info.model_uri)
        return str(run.info.run_id), str(info.model_uri)


def current_champion(target: str) -> dict[str, Any] | None:
    """The registered champion of a target: version, run id, its params, metrics and splits digest."""
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(registered_name(target), CHAMPION_ALIAS)
    except MlflowException:
        return None
    run = client.get_run(str(version.run_id))
    return {
        "version": version.version,
        "run_id": version.run_id,
        "family": run.data.params.get("family"),
        "params": json.loads(run.data.params.get("params", "{}")),
        "metrics": run.data.metrics,
        "splits_digest": run.data.tags.get("splits_digest"),
    }


def register_champion(target: str, run_id: str, model_uri: str, reason: str) -> str:
    """Register the run's model as a new version of ``exposure-<target>`` and point ``champion`` at it."""
    client = MlflowClient()
    name = registered_name(target)
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description=f"Exposure champion for {target} (non-binding estimates)")
    # MLflow 3 logs models as LoggedModels (models:/m-...), not under the run's artifacts: a runs:/<id>/model
    # source registers a version that cannot be loaded
    model_id = model_uri.removeprefix("models:/") if model_uri.startswith("models:/m-") else None
    version = client.create_model_version(
        name, source=model_uri, run_id=run_id, model_id=model_id, description=reason
    )
    client.set_registered_model_alias(name, CHAMPION_ALIAS, str(version.version))
    client.set_tag(run_id, "promotion", reason)
    return str(version.version)
