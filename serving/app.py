"""The HTTP service: ``create_app()`` builds it (``uvicorn --factory serving.app:create_app`` or ``exposure serve``).

Champions load at start-up from the MLflow registry (alias ``champion``, tracking URI from the settings). Without
them the service still starts: ``/readyz`` says why and estimates answer 503 with the command to run. A background
task polls the registry every ``EXPOSURE_RELOAD_INTERVAL_S`` and swaps a new champion in without a restart; a
request keeps the champions it started with. Request bodies are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from serving.errors import http_error_handler, validation_error_handler
from serving.holder import ModelHolder
from serving.limits import BodyLimitMiddleware, HeadAsGetMiddleware
from serving.observability import Metrics, ObservabilityMiddleware
from serving.routers import civil, counsel, criminal, docs, extract, health, models, page, report, view
from serving.routers.responses import ANY_PATH_RESPONSES
from serving.settings import Settings

log = logging.getLogger("exposure.serving")

DESCRIPTION = """
Estimates for Chinese personal-information cases: the sentence of a defendant under Criminal Law Art. 253-1
(statutory band and the rules of the 2017 Interpretation that set it, custodial months, probation, fine) and
civil or public-interest awards in yuan, each with calibrated ranges, the drivers of the estimate and the most
similar real cases. **Non-binding**: similar cases are reference only (under the SPC similar-case guidance only
guiding cases bind). Request bodies may hold personal data; the service never logs them.

**Errors.** Every error answer is JSON. Operations list the ones they send: 401 (`ErrorBody`: API keys are
configured and none valid was given), 413 (`TooLargeBody`: the body is larger than the service takes,
`limit_bytes`), 415 (`ErrorBody`: the body is not declared `application/json`), 422 (`ValidationErrorBody`: each
refused field named, never its value; a case that states no fact of a case is refused too, unless `prior=true`)
and 503 (`UnavailableBody`: no champion yet, with the command to run). Any path may answer 404 (no such path) and
405 (no such method; `Allow` lists the methods) with an `ErrorBody` (`components.responses`). `HEAD` is answered
wherever `GET` is.
"""


def _configure_logging(level: str) -> None:
    """Request lines go to stderr unless the host process configured logging (e.g. ``exposure serve``)."""
    log.setLevel(level.upper())
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.propagate = False


def _bound_registry_calls(settings: Settings) -> None:
    """MLflow's HTTP client retries a tracking server that is down for minutes by default: bound it (process-wide,
    read by MLflow at each call) unless the MLFLOW_HTTP_REQUEST_* variables say otherwise."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(settings.registry_timeout_s))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", str(settings.registry_max_retries))
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    _bound_registry_calls(settings)
    holder = ModelHolder(settings.resolved_tracking_uri(), cache_dir=settings.resolved_cache_dir())
    metrics = Metrics(holder)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _configure_logging(settings.log_level)
        await asyncio.to_thread(holder.load)
        # the loaded champions live as long as the process: out of the cyclic collector's reach, so that its
        # full collections do not walk them during a request (refcounting still frees them when replaced)
        gc.collect()
        gc.freeze()
        snapshot = holder.snapshot
        if not snapshot.ready:
            log.warning("not ready: %s", snapshot.reason())
        poller = (
            asyncio.create_task(holder.poll(settings.reload_interval_s))
            if settings.reload_interval_s > 0
            else None
        )
        try:
            yield
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    app = FastAPI(
        title="Exposure",
        version="1",
        summary="Non-binding estimates of sentences and awards in Chinese personal-information cases",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # serving.routers.docs: the same pages, with their assets from this origin
        redoc_url=None,
        exception_handlers={
            RequestValidationError: validation_error_handler,
            StarletteHTTPException: http_error_handler,
        },
    )
    app.state.settings = settings
    app.state.holder = holder
    app.state.metrics = metrics
    # outermost last: metrics and the log line see every answer (413s and HEAD included)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    for module in (criminal, civil, view, report, counsel, extract, models, health, page, docs):
        app.include_router(module.router)
    app.include_router(counsel.judgment_router)  # takes uploads (multipart) as well as JSON
    _document_any_path_errors(app)
    return app


def _document_any_path_errors(app: FastAPI) -> None:
    """Add the answers any path may give (404, 405, 500) to the document's ``components.responses``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            document.setdefault("components", {}).setdefault("responses", {}).update(ANY_PATH_RESPONSES)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
