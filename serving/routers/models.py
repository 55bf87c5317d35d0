"""``GET /v1/models``: the loaded champions, their training data and cross-validated metrics."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from serving.deps import HolderDep, SettingsDep, require_api_key
from serving.errors import json_response
from serving.routers.responses import AUTH_RESPONSES
from serving.schemas import ModelsResponse

router = APIRouter(prefix="/v1", tags=["models"], dependencies=[Depends(require_api_key)])


@router.get("/models", response_model=ModelsResponse, responses=AUTH_RESPONSES, summary="Loaded champion models")
async def models(holder: HolderDep, settings: SettingsDep) -> Response:
    """The loaded estimators (one per kind: its registered name, version and run, the law table and featurization it
    was trained under, its data) and their parts: per target the family, training data digest and size, and CV
    metrics; where they came from (registry or disk cache, and why) and the last new set that was refused."""
    snapshot = holder.snapshot
    cards: dict[str, Any] = {}
    estimators: dict[str, Any] = {}
    if snapshot.champions is not None:
        cards = snapshot.champions.parts()
        for kind, loaded in snapshot.champions.estimators.items():
            info = loaded.estimator.info()
            estimators[kind] = {
                **loaded.identity(),
                "law_digest": info["law_digest"],
                "features_digest": info["features_digest"],
                "data": info["data"],
                "parts": list(info["targets"]),
            }
    missing = dict(snapshot.missing)
    if snapshot.champions is None:
        missing = {"*": snapshot.reason() or "not loaded"}
    return json_response(
        {
            "ready": snapshot.ready,
            "models": cards,
            "estimators": estimators,
            "missing": missing,
            "loaded_at": snapshot.loaded_at,
            "checked_at": snapshot.checked_at,
            "reloads": snapshot.reloads,
            "reload_interval_s": settings.reload_interval_s,
            "source": snapshot.source if snapshot.champions is not None else None,
            "note": snapshot.note,
            "cached_at": snapshot.cached_at,
            "refused": asdict(snapshot.refused) if snapshot.refused is not None else None,
            "refusals": snapshot.refusals,
        }
    )
