"""FastAPI dependencies: settings, model holder and metrics (all on ``app.state``), the three together as the
:class:`Services` a route hands the service layer, and the optional API key."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from serving.holder import ModelHolder
from serving.observability import Metrics
from serving.settings import Settings

_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of EXPOSURE_API_KEYS")
_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <one of EXPOSURE_API_KEYS>")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.holder
    return holder


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def require_api_key(
    settings: Annotated[Settings, Depends(get_settings)],
    header_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """401 unless a configured key is given (as X-API-Key or a bearer token); open when no key is configured."""
    if not settings.api_keys:
        return
    supplied = header_key or (bearer.credentials if bearer is not None else None)
    if supplied:
        given = supplied.encode()
        # compare against every key (no early exit) so timing tells nothing about which one nearly matched
        matches = [hmac.compare_digest(given, key.get_secret_value().encode()) for key in settings.api_keys]
        if any(matches):
            return
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="a valid API key is required (X-API-Key header or Authorization: Bearer)",
        headers={"WWW-Authenticate": "Bearer"},
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]


@dataclass(frozen=True)
class Services:
    """What a route hands the service layer (:mod:`serving.service`, :mod:`serving.counsel`, :mod:`serving.batch`):
    the app's model holder, settings and metrics."""

    holder: ModelHolder
    settings: Settings
    metrics: Metrics


async def get_services(request: Request) -> Services:
    """The three from ``app.state`` at once (one dependency to solve per request instead of three: FastAPI's
    dependency solving is a measurable part of an estimate's time)."""
    state = request.app.state
    return Services(state.holder, state.settings, state.metrics)


ServicesDep = Annotated[Services, Depends(get_services)]
