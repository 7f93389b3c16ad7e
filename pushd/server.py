"""The uvicorn configuration of a pushd: one place, used by `python -m pushd` and by the tests."""

from __future__ import annotations

import logging
import re
from typing import Any

import uvicorn

from pushd.app import create_app
from pushd.logs import uvicorn_log_config
from shared.settings import PushdSettings


class UvicornLogFilter(logging.Filter):
    """Two fixes to what uvicorn logs, on its `uvicorn.error` logger.

    - Secrets: at debug level, the websockets protocol under uvicorn logs every handshake header,
      `authorization: Bearer <token>` and a browser's `sec-websocket-protocol: pushd.ticket.<ticket>`
      among them. Those header values are replaced by "[redacted]".
    - Noise: uvicorn 0.54's websockets-sansio protocol logs "ASGI callable returned without completing
      handshake" at ERROR after every handshake the app refused with a denial response (401, 403,
      429, 503 from pushd.api.ws_access), because it only counts an accepted handshake as complete.
      pushd always accepts or refuses, so the line would only hide real errors; it is dropped.
    Both are tested against a real `python -m pushd` (tests/pushd/test_logs.py, test_ws_access.py).
    """

    DENIED = "ASGI callable returned without completing handshake."
    SECRET_HEADER = re.compile(r"^([<>] )?(authorization|cookie|set-cookie|sec-websocket-protocol): .*$",
                               re.IGNORECASE | re.MULTILINE)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message == self.DENIED:
            return False
        if record.levelno <= logging.DEBUG and ": " in message:
            redacted = self.SECRET_HEADER.sub(r"\1\2: [redacted]", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


def uvicorn_config(settings: PushdSettings, **overrides: Any) -> uvicorn.Config:
    """The app plus the server settings that are part of pushd's behaviour (keepalive, inbound frame
    limit, compression, logging, trusted proxies), so that tests serve exactly what users run."""
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "ws_ping_interval": settings.ws_ping_interval,
        "ws_ping_timeout": settings.ws_ping_timeout,
        "ws_per_message_deflate": settings.ws_compression,
        "ws_max_size": settings.ws_max_frame_bytes,  # larger inbound messages close the socket with 1009
        "access_log": settings.access_log,
        "log_config": uvicorn_log_config(settings),
        # X-Forwarded-For/-Proto only from these proxies (docs/deploy.md); none when empty.
        "proxy_headers": bool(settings.forwarded_allow_ips.strip()),
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        **overrides,
    }
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, UvicornLogFilter) for f in error_log.filters):
        error_log.addFilter(UvicornLogFilter())
    return uvicorn.Config(create_app(settings), **options)
