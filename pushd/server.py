"""The uvicorn configuration of a pushd: one place, used by `python -m pushd` and by the tests."""

from __future__ import annotations

import logging
from typing import Any

import uvicorn

from pushd.app import create_app
from shared.settings import PushdSettings


class DeniedHandshakeFilter(logging.Filter):
    """uvicorn 0.54's websockets-sansio protocol logs "ASGI callable returned without completing
    handshake" at ERROR after every handshake the app refused with a denial response (401, 403, 429,
    503 from pushd.api.ws_access), because it only counts an accepted handshake as complete. pushd
    always accepts or refuses, so the line is noise that would hide real errors; it is dropped here.
    Remove this filter when uvicorn stops logging it (tests/pushd/test_ws_access.py checks the log)."""

    MESSAGE = "ASGI callable returned without completing handshake."

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.MESSAGE


def uvicorn_config(settings: PushdSettings, **overrides: Any) -> uvicorn.Config:
    """The app plus the server settings that are part of pushd's behaviour (keepalive, inbound frame
    limit, compression), so that tests serve exactly what users run."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "ws_ping_interval": settings.ws_ping_interval,
        "ws_ping_timeout": settings.ws_ping_timeout,
        "ws_per_message_deflate": settings.ws_compression,
        "ws_max_size": settings.ws_max_frame_bytes,  # larger inbound messages close the socket with 1009
        "access_log": False,
        **overrides,
    }
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DeniedHandshakeFilter) for f in error_log.filters):
        error_log.addFilter(DeniedHandshakeFilter())
    return uvicorn.Config(create_app(settings), **options)
