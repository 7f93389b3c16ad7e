"""Acknowledge or resolve alerts through pushd, one or many; plain functions over the REST client."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from dashboard.alert_query import API_PAGE, MAX_EXPORT, AlertFilter
from shared.client import PushdAuthError, PushdClient, PushdError, PushdUnavailable
from shared.models import Alert

Action = Literal["acknowledge", "resolve"]


@dataclass
class Outcome:
    """What a bulk action did: ids done, ids pushd refused (e.g. 409 already resolved) with its reason."""

    action: Action
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    offline: bool = False
    signed_out: bool = False  # pushd refused the session's token: nothing more can be done as this user


def apply(client: PushdClient, action: Action, ids: Iterable[int], comment: str | None) -> Outcome:
    """Each id in turn, as the client's user (pushd records who); a refusal does not stop the rest,
    pushd being down or the token being refused does (the rest would fail too)."""
    outcome = Outcome(action)
    call = client.acknowledge if action == "acknowledge" else client.resolve
    for alert_id in ids:
        try:
            call(alert_id, comment or None)
        except PushdAuthError:
            outcome.signed_out = True
            break
        except PushdError as exc:
            outcome.refused.append((alert_id, str(exc.detail)))
        except PushdUnavailable:
            outcome.offline = True
            break
        else:
            outcome.done.append(alert_id)
    return outcome


def iter_matching(client: PushdClient, flt: AlertFilter, limit: int = MAX_EXPORT) -> Iterator[Alert]:
    """Every alert the filter matches (newest first, at most `limit`), read page by page from pushd."""
    offset = 0
    while offset < limit:
        page = client.list_alerts(status=flt.statuses, severity=flt.severities, labels=dict(flt.labels),
                                  q=flt.text or None, since=flt.since(), limit=min(API_PAGE, limit - offset),
                                  offset=offset)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
