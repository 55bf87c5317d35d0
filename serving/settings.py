"""Settings of the HTTP service, from the environment (prefix ``EXPOSURE_``).

``EXPOSURE_TRACKING_URI`` (default: ``features.store.tracking_uri()``, i.e. ``MLFLOW_TRACKING_URI`` or the sqlite
store under ``EXPOSURE_HOME``), ``EXPOSURE_API_KEYS`` (comma-separated; empty = no key needed),
``EXPOSURE_MAX_BODY_BYTES``, ``EXPOSURE_MAX_BATCH``, ``EXPOSURE_RELOAD_INTERVAL_S`` (0 = never poll the registry),
``EXPOSURE_SIMILAR_K``, ``EXPOSURE_HOST``/``EXPOSURE_PORT``/``EXPOSURE_WORKERS`` (``exposure serve``),
``EXPOSURE_LOG_LEVEL``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from features.store import tracking_uri


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
    similar_k: int = Field(5, ge=0, le=50, description="Similar real cases returned per estimate")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    log_level: str = "info"

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(k.strip() for k in value.split(",") if k.strip())
        return value

    def resolved_tracking_uri(self) -> str:
        return self.tracking_uri or tracking_uri()
