"""The REST client for pushd, used by the dashboard and by scripts.

Errors, one place to learn them all:

- `PushdUnavailable`: pushd could not be reached, answered 5xx, or answered something that is not
  what its API promises (not JSON, wrong shape: `PushdBadAnswer`). Worth retrying later.
- `PushdError`: pushd refused the request (4xx); `status` and `detail` say why.
  - `PushdAuthError` (401): no valid credential: wrong login, or a token that is unknown, expired or
    revoked. A dashboard sends its user back to the login page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.accounts import Me, NewToken, Session, Token, TokenRole, User, UserRole
from shared.grouping import GroupingRule, GroupingRuleIn
from shared.incidents import IncidentDetail, IncidentPage, IncidentStats, RunbookRun, TimelineEntry
from shared.models import Actor, Alert, AlertDetail, AlertIn, AlertPage, LogPage, MetricSample, Snapshot
from shared.runbooks import Runbook, RunbookIn, RunbookLink, RunbookVersion
from shared.silences import Silence, SilenceCreated, SilenceIn

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class PushdUnavailable(Exception):
    """pushd could not be reached, or answered 5xx."""


class PushdBadAnswer(PushdUnavailable):
    """pushd answered, but not with what its API promises (not JSON, or not the expected shape)."""


class PushdError(Exception):
    """pushd refused the request (4xx); `detail` says why."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class PushdAuthError(PushdError):
    """401: wrong username or password, or a token that is missing, unknown, expired or revoked."""


class PushdClient:
    """Synchronous client over one keep-alive connection pool; `token` goes out as `Authorization: Bearer`."""

    def __init__(self, base_url: str, timeout: float = 3.0, transport: httpx.BaseTransport | None = None, *,
                 token: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._owns_http = True

    def with_token(self, token: str | None) -> PushdClient:
        """The same pushd and connection pool, acting as another caller; closing it leaves the pool open."""
        other = object.__new__(PushdClient)
        other.base_url, other.token, other._http, other._owns_http = self.base_url, token, self._http, False
        return other

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> PushdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """The answer to one request with the token; an error status raised as the matching exception."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            r = self._http.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise PushdUnavailable(f"{self.base_url}: {exc}") from exc
        if r.status_code >= 500:
            raise PushdUnavailable(f"{self.base_url}: HTTP {r.status_code}")
        if r.status_code >= 400:
            raise (PushdAuthError if r.status_code == 401 else PushdError)(r.status_code, _detail(r))
        return r

    def _request(self, method: str, path: str, **kw: Any) -> Any:
        r = self._send(method, path, **kw)
        if not r.content:
            return None
        try:
            return r.json()
        except ValueError as exc:
            raise PushdBadAnswer(f"{self.base_url}: {method} {path} answered {r.status_code} without JSON") from exc

    def _get(self, model: type[M], method: str, path: str, **kw: Any) -> M:
        return self._parse_json(model.model_validate_json, method, path, **kw)

    def _list(self, model: type[M], path: str, **kw: Any) -> list[M]:
        return self._parse_json(TypeAdapter(list[model]).validate_json, "GET", path, **kw)  # type: ignore[valid-type]

    def _parse_json(self, validate: Callable[[bytes], T], method: str, path: str, **kw: Any) -> T:
        """The answer parsed and validated in one pass by pydantic-core (a quarter faster than
        json.loads then validation on a page of 500 alerts); not JSON, or not the promised shape:
        PushdBadAnswer."""
        r = self._send(method, path, **kw)
        try:
            return validate(r.content)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise PushdBadAnswer(f"{self.base_url}: {method} {path} answered {r.status_code} without JSON") from exc
            raise PushdBadAnswer(f"{path}: unexpected answer ({exc.error_count()} problems)") from exc

    # --- access ---
    def login(self, username: str, password: str) -> Session:
        """A session token for the user; PushdAuthError for a wrong password or a disabled user."""
        return self._get(Session, "POST", "/api/v1/auth/login", json={"username": username, "password": password})

    def logout(self) -> None:
        """Revokes this client's token."""
        self._request("POST", "/api/v1/auth/logout")

    def me(self) -> Me:
        return self._get(Me, "GET", "/api/v1/me")

    def users(self) -> list[User]:
        return self._list(User, "/api/v1/users")

    def create_user(self, username: str, password: str, role: UserRole) -> User:
        return self._get(User, "POST", "/api/v1/users", json={"username": username, "password": password, "role": role})

    def update_user(self, username: str, *, role: UserRole | None = None, disabled: bool | None = None,
                    password: str | None = None) -> User:
        """Changes only what is given; a new password or disabling ends the user's sessions."""
        body = {k: v for k, v in (("role", role), ("disabled", disabled), ("password", password)) if v is not None}
        return self._get(User, "PATCH", f"/api/v1/users/{_segment(username)}", json=body)

    def delete_user(self, username: str) -> None:
        self._request("DELETE", f"/api/v1/users/{_segment(username)}")

    def tokens(self) -> list[Token]:
        return self._list(Token, "/api/v1/tokens")

    def create_token(self, name: str, role: TokenRole, expires_in_days: float | None = None) -> NewToken:
        """The answer holds the secret, which pushd never shows again."""
        body: dict[str, Any] = {"name": name, "role": role}
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        return self._get(NewToken, "POST", "/api/v1/tokens", json=body)

    def revoke_token(self, token_id: int) -> None:
        self._request("DELETE", f"/api/v1/tokens/{int(token_id)}")

    # --- reads ---
    def health(self) -> dict[str, Any]:
        return _parse(TypeAdapter(dict[str, Any]).validate_python, self._request("GET", "/healthz"), "/healthz")

    def snapshot(self) -> Snapshot:
        return self._get(Snapshot, "GET", "/api/v1/snapshot")

    def list_alerts(
        self,
        status: Iterable[str] = (),
        severity: Iterable[str] = (),
        labels: dict[str, str] | None = None,
        q: str | None = None,
        seen_since: datetime | None = None,
        started_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> AlertPage:
        """`seen_since`: last seen at or after; `started_before`: started before. `since` and `until`
        are their old names, still taken."""
        seen_since, started_before = seen_since or since, started_before or until
        params: list[tuple[str, str | int]] = [("limit", limit), ("offset", offset)]
        params += [("status", s) for s in status] + [("severity", s) for s in severity]
        params += [("label", f"{k}={v}") for k, v in (labels or {}).items()]
        if q:
            params.append(("q", q))
        if seen_since:
            params.append(("seen_since", seen_since.isoformat()))
        if started_before:
            params.append(("started_before", started_before.isoformat()))
        return self._get(AlertPage, "GET", "/api/v1/alerts", params=params)

    def get_alert(self, alert_id: int) -> AlertDetail:
        return self._get(AlertDetail, "GET", f"/api/v1/alerts/{int(alert_id)}")

    # --- runbooks ---
    def runbooks(self) -> list[Runbook]:
        return self._list(Runbook, "/api/v1/runbooks")

    def runbook(self, runbook_id: int, version: int | None = None) -> Runbook:
        """The current version, or `version` (also of a deleted runbook)."""
        tail = f"/versions/{int(version)}" if version is not None else ""
        return self._get(Runbook, "GET", f"/api/v1/runbooks/{int(runbook_id)}{tail}")

    def runbook_versions(self, runbook_id: int) -> list[RunbookVersion]:
        return self._list(RunbookVersion, f"/api/v1/runbooks/{int(runbook_id)}/versions")

    def runbook_matches(self, runbook_id: int) -> list[Alert]:
        return self._list(Alert, f"/api/v1/runbooks/{int(runbook_id)}/matches")

    def runbook_links(self, status: Iterable[str] = ()) -> list[RunbookLink]:
        """The links in alerts' runbook annotations, counted by pushd over every alert of these
        statuses (none: all), most open alerts first."""
        return self._list(RunbookLink, "/api/v1/runbook-links", params=[("status", s) for s in status])

    def create_runbook(self, runbook: RunbookIn) -> Runbook:
        return self._get(Runbook, "POST", "/api/v1/runbooks", json=runbook.model_dump(mode="json"))

    def edit_runbook(self, runbook_id: int, runbook: RunbookIn) -> Runbook:
        """Writes a new version."""
        return self._get(Runbook, "PUT", f"/api/v1/runbooks/{int(runbook_id)}", json=runbook.model_dump(mode="json"))

    def delete_runbook(self, runbook_id: int) -> None:
        self._request("DELETE", f"/api/v1/runbooks/{int(runbook_id)}")

    def metrics_latest(self) -> MetricSample:
        return self._get(MetricSample, "GET", "/api/v1/metrics/latest")

    def metrics_history(self, minutes: float, max_points: int = 720) -> list[MetricSample]:
        params = {"minutes": minutes, "max_points": max_points}
        return self._list(MetricSample, "/api/v1/metrics/history", params=params)

    def history(self, actor: str | None = None, action: str | None = None, alert_id: int | None = None,
                since: datetime | None = None, limit: int = 50, offset: int = 0) -> LogPage:
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        for name, value in (("actor", actor), ("action", action), ("alert_id", alert_id)):
            if value is not None:
                params[name] = value
        if since:
            params["since"] = since.isoformat()
        return self._get(LogPage, "GET", "/api/v1/history", params=params)

    def actors(self) -> list[Actor]:
        return self._list(Actor, "/api/v1/actors")

    # --- writes ---
    def post_alerts(self, alerts: list[AlertIn]) -> dict[str, Any]:
        body = [a.model_dump(mode="json", exclude_none=True) for a in alerts]
        return _parse(TypeAdapter(dict[str, Any]).validate_python, self._request("POST", "/api/v1/alerts", json=body),
                      "/api/v1/alerts")

    def acknowledge(self, alert_id: int, comment: str | None = None) -> Alert:
        """firing -> acknowledged; pushd records this client's user or token as the actor."""
        return self._get(Alert, "POST", f"/api/v1/alerts/{int(alert_id)}/ack", json=_transition(comment))

    def resolve(self, alert_id: int, comment: str | None = None) -> Alert:
        return self._get(Alert, "POST", f"/api/v1/alerts/{int(alert_id)}/resolve", json=_transition(comment))

    # --- incidents ---
    def list_incidents(self, status: Iterable[str] = (), severity: Iterable[str] = (), assignee: str | None = None,
                       limit: int = 50, offset: int = 0) -> IncidentPage:
        params: list[tuple[str, str | int]] = [("limit", limit), ("offset", offset)]
        params += [("status", s) for s in status] + [("severity", s) for s in severity]
        if assignee:
            params.append(("assignee", assignee))
        return self._get(IncidentPage, "GET", "/api/v1/incidents", params=params)

    def get_incident(self, incident_id: int) -> IncidentDetail:
        return self._get(IncidentDetail, "GET", f"/api/v1/incidents/{int(incident_id)}")

    def create_incident(self, title: str, severity: str = "warning", assignee: str | None = None,
                        alert_ids: Iterable[int] = ()) -> IncidentDetail:
        body = {"title": title, "severity": severity, "alert_ids": [int(a) for a in alert_ids]}
        if assignee:
            body["assignee"] = assignee
        return self._get(IncidentDetail, "POST", "/api/v1/incidents", json=body)

    def update_incident(self, incident_id: int, **changes: Any) -> IncidentDetail:
        """title, severity, assignee (None unassigns); only those given change."""
        return self._get(IncidentDetail, "PATCH", f"/api/v1/incidents/{int(incident_id)}", json=changes)

    def incident_action(self, incident_id: int, action: str) -> IncidentDetail:
        """ack, mitigate, resolve or reopen; a move the status does not allow is PushdError 409."""
        if action not in ("ack", "mitigate", "resolve", "reopen"):
            raise ValueError(f"unknown incident action {action!r}")
        return self._get(IncidentDetail, "POST", f"/api/v1/incidents/{int(incident_id)}/{action}")

    def attach_alerts(self, incident_id: int, alert_ids: Iterable[int]) -> IncidentDetail:
        body = {"alert_ids": [int(a) for a in alert_ids]}
        return self._get(IncidentDetail, "POST", f"/api/v1/incidents/{int(incident_id)}/alerts", json=body)

    def detach_alert(self, incident_id: int, alert_id: int) -> IncidentDetail:
        return self._get(IncidentDetail, "DELETE", f"/api/v1/incidents/{int(incident_id)}/alerts/{int(alert_id)}")

    def add_note(self, incident_id: int, text: str) -> TimelineEntry:
        return self._get(TimelineEntry, "POST", f"/api/v1/incidents/{int(incident_id)}/notes", json={"text": text})

    def start_runbook_run(self, incident_id: int, runbook_id: int) -> RunbookRun:
        """Follow the runbook's current version for the incident; 409 when the incident is resolved."""
        return self._get(RunbookRun, "POST", f"/api/v1/incidents/{int(incident_id)}/runbook-runs",
                         json={"runbook_id": int(runbook_id)})

    def mark_runbook_step(self, incident_id: int, run_id: int, n: int, state: str,
                          note: str | None = None) -> RunbookRun:
        """Step `n` (from 1) is "done" or "skipped"; the run after it."""
        body: dict[str, Any] = {"state": state}
        if note:
            body["note"] = note
        path = f"/api/v1/incidents/{int(incident_id)}/runbook-runs/{int(run_id)}/steps/{int(n)}"
        return self._get(RunbookRun, "PATCH", path, json=body)

    def incident_timeline(self, incident_id: int, after: int = 0) -> list[TimelineEntry]:
        return self._list(TimelineEntry, f"/api/v1/incidents/{int(incident_id)}/timeline", params={"after": after})

    def incident_stats(self) -> IncidentStats:
        return self._get(IncidentStats, "GET", "/api/v1/incident-stats")

    def export_incident(self, incident_id: int, lang: str = "en") -> str:
        """The Markdown postmortem draft."""
        return self._send("GET", f"/api/v1/incidents/{int(incident_id)}/export", params={"lang": lang}).text

    # --- silences (Alertmanager's API v2) ---
    def silences(self, matchers: Iterable[str] = ()) -> list[Silence]:
        """Every silence pushd keeps, expired ones included; `matchers` as Alertmanager's `filter`
        (`name="value"`, …): only silences that have each of them."""
        return self._list(Silence, "/api/v2/silences", params=[("filter", m) for m in matchers])

    def silence(self, silence_id: str) -> Silence:
        return self._get(Silence, "GET", f"/api/v2/silence/{_segment(silence_id)}")

    def create_silence(self, silence: SilenceIn) -> str:
        """The new silence's id (with `silence.id` set: Alertmanager's update, which may give a new id)."""
        body = silence.model_dump(mode="json", exclude_none=True)
        return self._get(SilenceCreated, "POST", "/api/v2/silences", json=body).silenceID

    def expire_silence(self, silence_id: str) -> None:
        self._request("DELETE", f"/api/v2/silence/{_segment(silence_id)}")

    # --- grouping rules (admin) ---
    def grouping_rules(self) -> list[GroupingRule]:
        return self._list(GroupingRule, "/api/v1/grouping-rules")

    def create_grouping_rule(self, rule: GroupingRuleIn) -> GroupingRule:
        return self._get(GroupingRule, "POST", "/api/v1/grouping-rules", json=rule.model_dump(mode="json"))

    def grouping_rule(self, rule_id: int) -> GroupingRule:
        return self._get(GroupingRule, "GET", f"/api/v1/grouping-rules/{int(rule_id)}")

    def replace_grouping_rule(self, rule_id: int, rule: GroupingRuleIn) -> GroupingRule:
        return self._get(GroupingRule, "PUT", f"/api/v1/grouping-rules/{int(rule_id)}",
                         json=rule.model_dump(mode="json"))

    def delete_grouping_rule(self, rule_id: int) -> None:
        self._request("DELETE", f"/api/v1/grouping-rules/{int(rule_id)}")


def _transition(comment: str | None) -> dict[str, str]:
    return {"comment": comment} if comment else {}


def _segment(value: str) -> str:
    """A path segment: a name with `/`, `?` or `#` must not address another route."""
    return quote(value, safe="")


def _detail(r: httpx.Response) -> Any:
    """pushd's `detail`, or the text of an answer that is not pushd's JSON."""
    try:
        body = r.json()
    except ValueError:
        return r.text[:500]
    return body.get("detail", body) if isinstance(body, dict) else body


def _parse(validate: Callable[[Any], T], body: Any, path: str) -> T:
    try:
        return validate(body)
    except ValidationError as exc:
        raise PushdBadAnswer(f"{path}: unexpected answer ({exc.error_count()} problems)") from exc
