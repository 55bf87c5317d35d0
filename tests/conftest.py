"""Shared fixtures of the test suite."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


# ---------------------------------------------------------------------------------------------------------
# trained_home: a small champion for every target, trained once per session (serving tests and others reuse it)
@pytest.fixture(scope="session")
def trained_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An ``EXPOSURE_HOME`` whose sqlite MLflow store has ``exposure-<target>@champion`` for every target
    (families baseline/ridge/logistic, one repeat of the grouped K-fold). Trained by ``exposure train`` in a
    subprocess so that MLflow's process-global tracking URI never leaks into the tests. Treat it as read-only:
    copy it (``shutil.copytree``) before registering or moving aliases."""
    home = tmp_path_factory.mktemp("trained-home")
    env = {**os.environ, "EXPOSURE_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("EXPOSURE_TRACKING_URI", None)
    command = [sys.executable, "-m", "exposure", "train", "--repeats", "1", "--json"]
    for family in ("baseline", "ridge", "logistic"):
        command += ["--family", family]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"exposure train failed:\n{proc.stderr[-3000:]}"
    return home


# ---------------------------------------------------------------------------------------------------------
# spark: one small local Spark session for every Spark test of the run (the JVM starts once, ~10 s)
@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A ``local[2]`` SparkSession shared by the Spark tests (batch scoring, CAIL ingestion); stopped at the end."""
    from serving import scoring_spark

    session = scoring_spark.spark_session("local[2]", app_name="exposure-tests")
    session.conf.set("spark.sql.shuffle.partitions", "4")
    yield session
    session.stop()
    scoring_spark._SESSION = None
