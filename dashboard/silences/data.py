"""Silence reads through `data.load`, so an unreachable pushd marks the connection as every other
read does. Not cached: the page shows a silence it just made or expired at once."""

from __future__ import annotations

from dashboard import data
from shared.silences import Silence


def silences() -> list[Silence] | None:
    return data.load("silences", lambda: data.client().silences())
