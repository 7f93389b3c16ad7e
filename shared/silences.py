"""Silences as Alertmanager's API v2 writes them (api/v2/openapi.yaml: postableSilence,
gettableSilence), plus pushd's own fields, which Alertmanager's clients (amtool) ignore.

Field names are Alertmanager's camelCase: these are the bodies on the wire, and one definition serves
pushd's routes, the REST client and the dashboard.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from shared.matchers import MatcherIn

MAX_COMMENT_CHARS = 4096


class SilenceState(StrEnum):
    pending = "pending"
    active = "active"
    expired = "expired"


class SilenceStatus(BaseModel):
    state: SilenceState


class SilenceIn(BaseModel):
    """POST /api/v2/silences: a new silence, or with `id` a change to one (Alertmanager's rules)."""

    id: str | None = None
    matchers: Annotated[list[MatcherIn], Field(min_length=1, max_length=64)]
    startsAt: AwareDatetime
    endsAt: AwareDatetime
    createdBy: Annotated[str, Field(min_length=1, max_length=256)]
    comment: Annotated[str, Field(min_length=1, max_length=MAX_COMMENT_CHARS)]
    # pushd: expire the silence once every alert it silences has resolved (Alertmanager has no such field).
    expireWhenResolved: bool = False


class Silence(SilenceIn):
    """GET /api/v2/silences, /api/v2/silence/{id}."""

    id: str  # type: ignore[assignment]
    status: SilenceStatus
    updatedAt: datetime
    # pushd: who made it as pushd authenticated them (`createdBy` is whatever the client typed).
    actor: str | None = None


class SilenceCreated(BaseModel):
    silenceID: str
