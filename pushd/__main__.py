"""`python -m pushd`: run pushd on uvicorn with the settings from the environment."""

from __future__ import annotations

import logging

import uvicorn

from pushd.app import create_app
from shared.settings import PushdSettings


def main() -> None:
    settings = PushdSettings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        access_log=False,
    )


if __name__ == "__main__":
    main()
