"""Querying alerts and moving them through firing -> acknowledged -> resolved."""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Path, Query, Response
from pydantic import StringConstraints

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.alert_json import alert_page
from pushd.api.deps import SQLITE_MAX_INT, Offset, StateDep, Timestamp
from pushd.auth import Permission
from pushd.responses import errors
from pushd.runbooks import runbooks_for
from pushd.store import AlertQuery
from shared.models import LABEL_NAME, Alert, AlertDetail, AlertPage, Severity, Status, Transition

readers = router(Require(Permission.read), prefix="/api/v1/alerts", tags=["alerts"])
actors = router(Require(Permission.act), prefix="/api/v1/alerts", tags=["alerts"])
AlertId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]
# name=value, the name as Alertmanager accepts it; checked by FastAPI, so a bad one is a documented 422.
LabelFilter = Annotated[str, StringConstraints(pattern=LABEL_NAME.pattern.removesuffix("$") + "=")]


def parse_labels(pairs: list[str]) -> dict[str, str]:
    return dict(pair.partition("=")[::2] for pair in pairs)


@readers.get("", response_model=AlertPage)
async def list_alerts(
    state: StateDep,
    status: Annotated[list[Status], Query(description="repeatable")] = [],  # noqa: B006 - FastAPI copies it
    severity: Annotated[list[Severity], Query(description="repeatable")] = [],  # noqa: B006
    label: Annotated[list[LabelFilter], Query(description="name=value, repeatable")] = [],  # noqa: B006
    q: Annotated[str | None, Query(max_length=200, description=(
        "text in the values of the labels (the alert name among them) and annotations, in any case"))] = None,
    seen_since: Annotated[Timestamp | None, Query(description="last seen at or after")] = None,
    started_before: Annotated[Timestamp | None, Query(description="started before")] = None,
    since: Annotated[Timestamp | None, Query(deprecated=True, description="the old name of seen_since")] = None,
    until: Annotated[Timestamp | None, Query(deprecated=True, description="the old name of started_before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> Response:
    """Newest first (by when pushd first saw the alert), paged; rows carry no history. Each time
    filter is named after the field it filters; `since` and `until` are their old names."""
    seen_since, started_before = seen_since or since, started_before or until
    query = AlertQuery(
        statuses=[s.value for s in status], severities=[s.value for s in severity], labels=parse_labels(label),
        text=q or None, seen_since=seen_since.timestamp() if seen_since else None,
        started_before=started_before.timestamp() if started_before else None, limit=limit, offset=offset)
    items, total = await state.store.list_alerts(query)
    return alert_page(state.alerts.mark_all(items), total)


@readers.get("/{alert_id}", response_model=AlertDetail)
async def get_alert(state: StateDep, alert_id: AlertId) -> AlertDetail:
    alert = await state.store.get_alert(alert_id)
    if alert is None:
        raise HTTPException(404, f"no alert with id {alert_id}")
    found = await runbooks_for(state.store, alert["labels"])
    return AlertDetail.model_validate({**state.alerts.mark(alert), "runbooks": found})


@actors.post("/{alert_id}/ack", response_model=Alert, responses=errors(409))
async def acknowledge(state: StateDep, principal: PrincipalDep, alert_id: AlertId,
                      body: Transition | None = None) -> Alert:
    """firing -> acknowledged; 409 from any other state. The actor is the caller."""
    comment = body.comment if body else None
    change = await state.alerts.transition(alert_id, "acknowledge", principal.actor, comment)
    return Alert.model_validate(state.alerts.mark(dict(change.alert)))


@actors.post("/{alert_id}/resolve", response_model=Alert, responses=errors(409))
async def resolve(state: StateDep, principal: PrincipalDep, alert_id: AlertId, body: Transition | None = None) -> Alert:
    """firing or acknowledged -> resolved; 409 when already resolved. The actor is the caller."""
    comment = body.comment if body else None
    change = await state.alerts.transition(alert_id, "resolve", principal.actor, comment)
    return Alert.model_validate(state.alerts.mark(dict(change.alert)))


routers = (readers, actors)
