"""Runbooks (预案) on the wire: what a client sends, what pushd answers. Used by pushd and the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from shared.matchers import Matcher, MatcherIn

# A title must say something: whitespace alone is refused (a 422 naming the field).
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Step(BaseModel):
    """One step: instructions in Markdown, and optionally a command for the operator to copy.
    pushd never runs it."""

    model_config = {"extra": "forbid"}

    title: Title
    body: Annotated[str, Field(max_length=20_000)] = ""
    command: Annotated[str, Field(max_length=4_000)] | None = None


class RunbookIn(BaseModel):
    """Body of POST /api/v1/runbooks and PUT /api/v1/runbooks/{id} (a PUT makes a new version).
    Without matchers a runbook is for no alert; a plan without steps is refused, it has nothing to follow.
    The lists have no maximum of their own: pushd's body limit (413) bounds them, and a smaller
    maxItems would promise a 422 that a body too large for that limit never gets."""

    model_config = {"extra": "forbid"}

    title: Title
    description: Annotated[str, Field(max_length=20_000)] = ""
    matchers: list[MatcherIn] = []
    steps: Annotated[list[Step], Field(min_length=1)]


class Runbook(BaseModel):
    """One version of a runbook; `current_version` is the newest, `deleted_at` set once deleted."""

    id: int
    version: int
    current_version: int
    title: str
    description: str
    matchers: list[MatcherIn]
    steps: list[Step]
    author: str  # who wrote this version
    updated_at: datetime  # when this version was written
    created_at: datetime
    deleted_at: datetime | None = None
    deleted_by: str | None = None

    def compiled(self) -> list[Matcher]:
        return [m.matcher() for m in self.matchers]


class RunbookVersion(BaseModel):
    """A line of GET /api/v1/runbooks/{id}/versions."""

    version: int
    title: str
    author: str
    created_at: datetime


class RunbookLink(BaseModel):
    """A line of GET /api/v1/runbook-links: a link from alerts' `runbook_url` (else `runbook`)
    annotation, as written there without surrounding whitespace; any scheme, so a client decides
    what it lets people click."""

    url: str
    alertnames: list[str]  # the names of the alerts that carry it, sorted
    open_alerts: int  # of those counted, the firing or acknowledged ones
    last_seen: datetime  # when one of them was last sent
