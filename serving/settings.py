"""Settings of the HTTP service, from the environment (prefix ``EXPOSURE_``).

``EXPOSURE_TRACKING_URI`` (default: ``features.store.tracking_uri()``, i.e. ``MLFLOW_TRACKING_URI`` or the sqlite
store under ``EXPOSURE_HOME``), ``EXPOSURE_API_KEYS`` (comma-separated; empty = no key needed),
``EXPOSURE_MAX_BODY_BYTES``, ``EXPOSURE_MAX_BATCH``, ``EXPOSURE_RELOAD_INTERVAL_S`` (0 = never poll the registry),
``EXPOSURE_SIMILAR_K``, ``EXPOSURE_HOST``/``EXPOSURE_PORT``/``EXPOSURE_WORKERS`` (``exposure serve``),
``EXPOSURE_LOG_LEVEL``, ``EXPOSURE_MODEL_CACHE_DIR`` (the last good champions on disk, served when the tracking
store is unreachable at start; default ``$EXPOSURE_HOME/serving-cache``; ``off`` disables it),
``EXPOSURE_REGISTRY_TIMEOUT_S`` / ``EXPOSURE_REGISTRY_MAX_RETRIES`` (HTTP calls to an MLflow tracking server;
MLflow's own defaults retry for about four minutes, which would stall start-up and polling when it is down;
``MLFLOW_HTTP_REQUEST_TIMEOUT`` / ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``, when set, win).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from features.store import exposure_home, tracking_uri


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EXPOSURE_", extra="ignore", frozen=True)

    tracking_uri: str | None = Field(
        None, description="MLflow tracking/registry URI; default MLFLOW_TRACKING_URI or $EXPOSURE_HOME/mlflow.db"
    )
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (), description="Accepted API keys (X-API-Key or Authorization: Bearer); none configured = open"
    )
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="Larger request bodies answer 413")
    max_batch: int = Field(100, ge=1, le=10_000, description="Most cases in one :batch call")
    reload_interval_s: float = Field(
        30.0, ge=0, description="How often to look for a new champion in the registry (0: never)"
    )
    similar_k: int = Field(5, ge=0, le=50, description="Similar real cases returned per estimate")  # not-law: cap
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    log_level: str = "info"
    model_cache_dir: str | None = Field(
        None, description="Folder of the last good champions (default $EXPOSURE_HOME/serving-cache; off: none)"
    )
    registry_timeout_s: int = Field(
        10, ge=1, description="Timeout of one HTTP call to the tracking server, seconds"
    )
    registry_max_retries: int = Field(1, ge=0, le=10, description="Retries of a failed HTTP call to it")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(k.strip() for k in value.split(",") if k.strip())
        return value

    def resolved_tracking_uri(self) -> str:
        return self.tracking_uri or tracking_uri()

    def resolved_cache_dir(self) -> Path | None:
        if self.model_cache_dir is None or not self.model_cache_dir.strip():
            return exposure_home() / "serving-cache"
        if self.model_cache_dir.strip().lower() in ("off", "none", "false", "0"):
            return None
        return Path(self.model_cache_dir).expanduser().resolve()
