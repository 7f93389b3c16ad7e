"""`python -m pushd`: run pushd on uvicorn with the settings from the environment."""

from __future__ import annotations

import contextlib
import ctypes
import logging

import uvicorn

from pushd.app import create_app
from shared.settings import PushdSettings


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own malloc arena and rarely hands freed memory
    back; with an event loop plus SQLite threads, capping them (as MALLOC_ARENA_MAX does) keeps
    several MB of resident memory from piling up. A no-op where libc is not glibc."""
    m_arena_max = -8
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(m_arena_max, arenas)


def main() -> None:
    limit_malloc_arenas()
    settings = PushdSettings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        ws_per_message_deflate=settings.ws_compression,
        access_log=False,
    )


if __name__ == "__main__":
    main()
