"""Request metrics (Prometheus), one log line per request, and a last-resort 500 that logs no message.

The log line holds method, route path, status and latency only: never the body, the query string or headers
(this service handles personal data). An unexpected exception is logged by type and code location only, because
exception messages (pydantic's among them) may quote input values.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.metrics_core import Metric

from features.model.answer import KIND_TARGETS
from serving.holder import ModelHolder

log = logging.getLogger("exposure.serving")
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self, holder: ModelHolder) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "exposure_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "exposure_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cases = Counter(
            "exposure_estimated_cases",
            "Cases estimated, by kind and result (ok / invalid / failed)",
            ["kind", "result"],
            registry=self.registry,
        )
        self.registry.register(_ModelCollector(holder))


class _ModelCollector(Collector):
    """Loaded champion versions and readiness, read from the holder at scrape time."""

    def __init__(self, holder: ModelHolder) -> None:
        self.holder = holder

    def collect(self) -> Iterator[Metric]:
        snapshot = self.holder.snapshot
        ready = GaugeMetricFamily("exposure_models_ready", "1 when every target has a loaded champion")
        ready.add_metric([], 1.0 if snapshot.ready else 0.0)
        yield ready
        version = GaugeMetricFamily(
            "exposure_model_version", "Loaded champion version per target (absent: none)", labels=["target"]
        )
        for kind, value in snapshot.versions().items():
            if value is not None and value.isdigit():
                for target in KIND_TARGETS[kind]:  # a target's champion is its kind's estimator
                    version.add_metric([target], float(value))
        yield version
        reloads = GaugeMetricFamily("exposure_model_reloads", "Champion swaps since start")
        reloads.add_metric([], float(snapshot.reloads))
        yield reloads
        cached = GaugeMetricFamily(
            "exposure_models_from_cache",
            "1 when the champions come from the disk cache (tracking store unreachable)",
        )
        cached.add_metric([], 1.0 if snapshot.source == "cache" and snapshot.champions is not None else 0.0)
        yield cached
        refused = CounterMetricFamily(
            "exposure_model_swaps_refused", "Champion sets refused (unloadable or failing the check)"
        )
        refused.add_metric([], float(snapshot.refusals))
        yield refused

    def describe(self) -> Iterator[Metric]:
        return iter(
            [
                GaugeMetricFamily("exposure_models_ready", ""),
                GaugeMetricFamily("exposure_model_version", "", labels=["target"]),
                GaugeMetricFamily("exposure_model_reloads", ""),
                GaugeMetricFamily("exposure_models_from_cache", ""),
                CounterMetricFamily("exposure_model_swaps_refused", ""),
            ]
        )


def route_label(scope: Scope) -> str:
    """The route template of a request (``/v1/criminal/estimate``, ``/static/{name}``, ``/openapi.json``), never the
    raw path (unbounded label values); ``(unmatched)`` when no route has the path.

    FastAPI routes leave themselves in ``scope["route"]``; plain Starlette routes (``/openapi.json``) and requests
    answered before routing (a 413 by Content-Length) do not, so the app's routes are matched here."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return str(path)
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", ())
    partial = None
    for candidate in routes:
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", "(unmatched)"))
        if match is Match.PARTIAL and partial is None:  # the path exists, not with this method (405)
            partial = str(getattr(candidate, "path", "(unmatched)"))
    return partial or "(unmatched)"


class ObservabilityMiddleware:
    """Pure ASGI middleware: counts, times and logs every HTTP request; turns an unhandled error into a 500."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # not-law: HTTP status
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            status = 500  # not-law: HTTP status
            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
            log.error("unhandled %s at %s (message withheld: it may quote input)", type(exc).__name__, where)
            if not started:
                body = b'{"detail":"internal error"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,  # not-law: HTTP status
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"27")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - start
            path = route_label(scope)
            method = str(scope.get("method", "?"))
            self.metrics.requests.labels(method, path, str(status)).inc()
            self.metrics.latency.labels(method, path).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %d %.1fms", method, path, status, elapsed * 1000)
