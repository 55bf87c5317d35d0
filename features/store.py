"""Where models are tracked: the embedded default is a local sqlite MLflow store under ``$EXPOSURE_HOME``
(default ``./.exposure``), created on first use; ``MLFLOW_TRACKING_URI`` overrides it. Shared by training
(which writes) and serving (which reads).

Registered models: ``exposure-criminal`` and ``exposure-civil`` (one estimator per kind, alias ``champion``);
each target's families are tracked in the experiment ``exposure-<target>``.
"""

from __future__ import annotations

import os
from pathlib import Path

REGISTERED_PREFIX = "exposure-"
CHAMPION_ALIAS = "champion"
TARGETS = ("custodial_months", "probation", "fine_yuan", "awarded_total_yuan")
KINDS = ("criminal", "civil")


def exposure_home() -> Path:
    return Path(os.environ.get("EXPOSURE_HOME", ".exposure")).resolve()


def tracking_uri() -> str:
    """``$MLFLOW_TRACKING_URI`` or ``sqlite:///$EXPOSURE_HOME/mlflow.db`` (the folder is created)."""
    env = os.environ.get("MLFLOW_TRACKING_URI")
    if env:
        return env
    home = exposure_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'mlflow.db'}"


def artifact_root() -> Path:
    return exposure_home() / "artifacts"


def registered_name(name: str) -> str:
    """The registered model of a kind (``exposure-criminal``) or the experiment of a target or kind."""
    return f"{REGISTERED_PREFIX}{name}"
