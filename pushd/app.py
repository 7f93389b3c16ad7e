"""The app factory: `create_app(settings)` builds one pushd, its lifespan owns every long-lived object."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from pushd import __version__, tasks
from pushd.alert_service import AlertService
from pushd.api import (
    alertmanager,
    alerts,
    auth,
    grouping,
    health,
    history,
    incidents,
    ingest,
    metrics,
    runbook_links,
    runbooks,
    silences,
    snapshot,
    users,
    ws,
)
from pushd.api.access import check_rules
from pushd.auth import AuthService
from pushd.body_limit import BodyLimitMiddleware
from pushd.content_type import ContentTypeMiddleware
from pushd.host import HostSampler
from pushd.host_rules import HostRules, default_rules
from pushd.hub import Hub
from pushd.incidents.grouping import Grouping
from pushd.incidents.service import IncidentService
from pushd.request_id import RequestIdMiddleware
from pushd.silences.rules import InvalidSilence
from pushd.silences.service import SilenceService
from pushd.socket_limits import SocketLimits
from pushd.state import State, Trend
from pushd.store import Conflict, NotFound, SQLiteStore, StoreUnavailable
from pushd.store.base import StoreInternalError
from pushd.telemetry import LatencyMiddleware, Telemetry
from pushd.validation import http_error, validation_error
from shared.settings import PushdSettings

log = logging.getLogger("pushd")
# psutil's first cpu_percent() after priming measures this long a window.
FIRST_SAMPLE_DELAY = 0.25


async def _open_state(settings: PushdSettings, telemetry: Telemetry) -> State:
    """Everything one pushd holds, or nothing: a failure after the store opened closes it again."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(settings.db_path, settings.sqlite_synchronous, settings.sqlite_busy_timeout,
                        settings.write_queue_max)
    await store.open()
    try:
        hub = Hub(settings.ws_queue_size, settings.ws_queue_bytes, on_drop=telemetry.slow_dropped.inc,
                  on_send=lambda channel, n: telemetry.messages_pushed.labels(channel).inc(n))
        rules = HostRules(default_rules(settings), settings.alert_for_seconds)
        rules.restore(await store.source_statuses(list(rules.fingerprints())))
        # Trend charts are full right after a restart: reload the recent window from the store.
        window = settings.ws_trend_points * settings.sample_seconds
        recent = await store.metrics_since(time.time() - window, settings.ws_trend_points)
        sampler = await asyncio.to_thread(HostSampler, settings.data_dir)
        access = AuthService(store.access, settings)
        await access.bootstrap()
    except BaseException:
        await store.close()
        raise
    alert_service = AlertService(store, hub, telemetry, settings.ws_recent_alerts)
    incident_service = IncidentService(store, hub)
    grouping_rules = Grouping(store, incident_service)
    silence_service = SilenceService(store, hub, alert_service, settings.silence_retention_hours * 3600)
    try:
        await silence_service.load()
    except BaseException:
        await store.close()
        raise
    alert_service.silencer = silence_service
    alert_service.observe(incident_service.on_alert_changes)  # attached alerts that resolve, first:
    alert_service.observe(grouping_rules.on_alert_changes)  # auto-mitigation reads what it recorded
    alert_service.observe(silence_service.on_alert_changes)  # "expire when resolved"
    silence_service.observe(incident_service.on_silence)
    return State(
        settings=settings, store=store, hub=hub, telemetry=telemetry, alerts=alert_service, auth=access,
        sampler=sampler, rules=rules, trend=Trend(deque(recent, maxlen=settings.ws_trend_points)),
        sockets=SocketLimits(settings.ws_max_per_token, settings.ws_max_total), incidents=incident_service,
        grouping=grouping_rules, silences=silence_service,
    )


def create_app(settings: PushdSettings | None = None) -> FastAPI:
    settings = settings or PushdSettings()
    telemetry = Telemetry()  # made here, not in the lifespan: the middleware needs it at build time

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Startup completes or undoes what it did: from here on, whatever fails closes the store.
        state = await _open_state(settings, telemetry)
        running: list[asyncio.Task] = []
        try:
            app.state.pushd = state
            await asyncio.sleep(FIRST_SAMPLE_DELAY)
            await tasks.sample_host(state)
            running = tasks.start(state)
            log.info("pushd %s ready, data in %s", __version__, settings.data_dir.resolve())
            yield
        finally:
            for t in running:
                t.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await state.store.close()  # joins threads, in a thread: the loop goes on

    app = FastAPI(title="pushd", version=__version__, lifespan=lifespan,
                  description="Alert store, host sampler and WebSocket push daemon.")
    for module in (ingest, alerts, history, metrics, snapshot, health, auth, users, incidents, grouping, runbooks,
                   runbook_links, silences, alertmanager):
        for r in module.routers:
            app.include_router(r)
    check_rules(app)  # every API route says who may call it
    ingest_paths = frozenset(r.path for r in ingest.router.routes)  # only alerts come in large batches
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, large_paths=ingest_paths)
    app.add_middleware(ContentTypeMiddleware)  # outside the size limit and the routes: 415 comes first
    app.add_middleware(LatencyMiddleware, telemetry=telemetry)
    app.add_middleware(RequestIdMiddleware)  # outside the others: a 415 or 413 carries its id too
    app.add_middleware(ws.WebSocketShortcut)  # added last, so it is the outermost of ours

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(grouping.InvalidMatchers, grouping.invalid_matchers)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidSilence, silences.invalid_silence)  # type: ignore[arg-type]
    app.add_exception_handler(silences.SilenceNotFound, silences.silence_not_found)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        # 5xx so that Alertmanager and Prometheus retry instead of dropping the alerts.
        return JSONResponse({"detail": f"store unavailable: {exc}"}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(StoreInternalError)
    async def store_internal_error(request: Request, exc: StoreInternalError) -> JSONResponse:
        # A retry would fail the same way: 500, not a 503 that senders would retry for ever.
        log.error("%s %s failed: %s", request.method, request.url.path, exc, exc_info=exc)
        return JSONResponse({"detail": f"internal error: {exc}"}, status_code=500)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Any other bug. Starlette raises it again after this answer, and uvicorn logs its traceback.
        return JSONResponse({"detail": "internal error (a bug in pushd, logged); retrying will not help"},
                            status_code=500)

    @app.exception_handler(UnicodeEncodeError)
    @app.exception_handler(orjson.JSONEncodeError)
    async def not_unicode(request: Request, exc: Exception) -> JSONResponse:
        # JSON may escape lone surrogates ("\ud800") that no UTF-8 file or socket can hold. In the
        # shape of every other 422 (the OpenAPI schema documents that one).
        msg = "strings must be valid Unicode text (no lone surrogates such as \\ud800)"
        return JSONResponse({"detail": [{"type": "string_unicode", "loc": ["body"], "msg": msg}]}, status_code=422)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    return app
