"""pushd's own metrics, served at /metrics in Prometheus text format.

Each app gets its own registry, so several apps in one test process do not collide.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Receive, Scope, Send


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.alerts_ingested = Counter(
            "pushd_alerts_ingested", "Alerts received, by ingest path.", ["source"], registry=r)
        self.alert_events = Counter(
            "pushd_alert_events", "Alert changes, by kind (created, updated, repeated, reopened, ...).", ["event"],
            registry=r)
        self.messages_pushed = Counter(
            "pushd_messages_pushed", "Messages queued to WebSocket subscribers, by channel.", ["channel"], registry=r)
        self.subscribers = Gauge(
            "pushd_subscribers", "WebSocket subscribers connected, by channel.", ["channel"], registry=r)
        self.slow_dropped = Counter(
            "pushd_slow_subscribers_dropped", "Subscribers closed because they could not keep up.", registry=r)
        self.request_latency = Histogram(
            "pushd_http_request_duration_seconds", "HTTP request latency by route and method.",
            ["method", "route", "status"], registry=r,
            buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5))


class LatencyMiddleware:
    """Times every HTTP request, labelled by the route template (not the raw path, to bound cardinality)."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            self.telemetry.request_latency.labels(scope["method"], path, str(status)).observe(
                time.perf_counter() - start)
