"""Reproducibility: an experiment run twice on the same pinned environment writes the same report, byte for byte
(the only thing that differs is the MLflow parent run id, which is new for every run and is named in the report as
its provenance); every MLflow run records the lock it ran on (``training.environment``)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mlflow import MlflowClient
from servers import registry_client

from features.store import CHAMPION_ALIAS, registered_name
from training.environment import LOCK, TAG_LOCK, TAG_MATCHES

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
# the forest is the family whose trees amplify last-bit differences (a one-ulp change of the targets moved the
# families report's custodial MAE by 0.001-0.004 months): it is the one to run twice
DEFINITION = """
name: twice
description: a forest and the statutory baseline on custodial months, run twice
target: custodial_months
models:
  - family: forest
    params: {n_estimators: 20}
  - family: ridge
cv: {folds: 3, repeats: 1}
bootstrap: {resamples: 300}
seed: 5
"""


def _run(definition: Path, home: Path, out: Path) -> list[str]:
    """Run the experiment into ``home``, its report into ``out``; returns the MLflow run ids the report names (the
    parent first, then the child runs of its configurations)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPOSURE_", "MLFLOW_"))}
    env.update({"EXPOSURE_HOME": str(home), "COLUMNS": "120", "NO_COLOR": "1"})
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "experiment", "run", str(definition), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    children: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("run_id"), str):
                children.append(node["run_id"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(report)
    return [report["parent_run_id"], *children]


def test_an_experiment_run_twice_writes_the_same_report(tmp_path: Path) -> None:
    """Byte for byte, once the MLflow run ids are masked: new runs get new ids (the report names them as its
    provenance); every number, table, plot and text is the same."""
    definition = tmp_path / "twice.yaml"
    definition.write_text(textwrap.dedent(DEFINITION), encoding="utf-8")
    homes, outs = [tmp_path / "home1", tmp_path / "home2"], [tmp_path / "out1", tmp_path / "out2"]
    ids = [_run(definition, home, out) for home, out in zip(homes, outs, strict=True)]
    assert len(ids[0]) == len(ids[1]) >= 4 and not set(ids[0]) & set(ids[1])  # parent + 3 configurations
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir())
    assert {"report.md", "report.html", "report.json"} <= set(names) and any(n.endswith(".png") for n in names)
    for name in names:
        first, second = [(out / name).read_bytes() for out in outs]
        for i, (a, b) in enumerate(zip(ids[0], ids[1], strict=True)):
            first, second = first.replace(a.encode(), b"<run %d>" % i), second.replace(b.encode(), b"<run %d>" % i)
        assert first == second, f"{name} differs between two runs of the same experiment"


def test_every_run_records_the_lock_it_ran_on(tmp_path: Path, trained_home: Path) -> None:
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    client = registry_client(trained_home)  # runs of `exposure train`: the registered estimator's
    version = client.get_model_version_by_alias(registered_name("criminal"), CHAMPION_ALIAS)
    run = client.get_run(str(version.run_id))
    assert run.data.tags[TAG_LOCK] == digest
    assert run.data.tags[TAG_MATCHES] in ("true", "false")
    path = client.download_artifacts(run.info.run_id, "environment.json", str(tmp_path))
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    assert record["lock_sha256"] == digest
    assert record["locked"]["scikit-learn"] and record["locked"]["numpy"]
    assert record["python"].startswith("3.11") and isinstance(record["numpy_simd"], list)
    assert record["matches_lock"] == (record["differences"] == [])


def test_experiment_runs_record_the_lock_too(tmp_path: Path) -> None:
    definition = tmp_path / "twice.yaml"
    definition.write_text(textwrap.dedent(DEFINITION), encoding="utf-8")
    home = tmp_path / "home"
    parent_id = _run(definition, home, tmp_path / "out")[0]
    uri = f"sqlite:///{home / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    parent = client.get_run(parent_id)
    experiment = parent.info.experiment_id
    runs = client.search_runs([experiment])
    assert len(runs) >= 3  # the parent, the baseline, the forest and ridge
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    for run in runs:
        assert run.data.tags[TAG_LOCK] == digest, run.info.run_name
        files = {f.path for f in client.list_artifacts(run.info.run_id)}
        assert "environment.json" in files, run.info.run_name
