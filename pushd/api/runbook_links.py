"""Runbook links from alerts' annotations, counted by pushd over every matching alert."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from pushd.api.access import Require, router
from pushd.api.deps import StateDep
from pushd.auth import Permission
from pushd.store import iso
from shared.models import Status
from shared.runbooks import RunbookLink

readers = router(Require(Permission.read), tags=["runbooks"])


@readers.get("/api/v1/runbook-links", response_model=list[RunbookLink])
async def runbook_links(
    state: StateDep,
    status: Annotated[list[Status], Query(description="repeatable; none: every alert")] = [],  # noqa: B006
) -> list[RunbookLink]:
    """One line per link in the `runbook_url` (else `runbook`) annotation of the alerts with these
    statuses: the alert names that carry it, how many of them are open, when one was last seen. Most
    open alerts first, then by link. Every matching alert is counted, not a page of them."""
    rows = await state.store.runbook_links([s.value for s in status])
    return [RunbookLink.model_validate({**r, "last_seen": iso(r["last_seen"])}) for r in rows]


routers = (readers,)
