"""``GET /healthz`` (the process answers), ``GET /readyz`` (champions loaded) and ``GET /metrics`` (Prometheus).

These stay open when API keys are configured: orchestrators and scrapers call them, and they reveal no case data.
"""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from serving.deps import HolderDep, MetricsDep
from serving.errors import json_response
from serving.holder import TRAIN_COMMAND
from serving.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: the reason and what to run"}},
    summary="Readiness: every target has a loaded champion (from the registry or the disk cache)",
)
async def readyz(holder: HolderDep) -> Response:
    snapshot = holder.snapshot
    ready = snapshot.ready
    return json_response(
        {
            "ready": ready,
            "versions": snapshot.versions(),
            "reason": snapshot.reason() or snapshot.note,
            "command": None if ready else TRAIN_COMMAND,
            "source": snapshot.source if snapshot.champions is not None else None,
        },
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/plain": {
                    "example": 'exposure_http_requests_total{method="POST",route="/v1/criminal/estimate",'
                    'status="200"} 42.0\n'
                }
            }
        }
    },
)
async def metrics(m: MetricsDep) -> Response:
    return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
