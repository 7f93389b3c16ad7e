"""The REST client for pushd, used by the dashboard and by scripts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from shared.models import Actor, Alert, AlertDetail, AlertIn, AlertPage, LogPage, MetricSample, Snapshot


class PushdUnavailable(Exception):
    """pushd could not be reached, or answered 5xx."""


class PushdError(Exception):
    """pushd refused the request (4xx); `detail` says why."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


class PushdClient:
    """Synchronous client over one keep-alive connection pool."""

    def __init__(self, base_url: str, timeout: float = 3.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PushdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise PushdUnavailable(f"{self.base_url}: {exc}") from exc
        if r.status_code >= 500:
            raise PushdUnavailable(f"{self.base_url}: HTTP {r.status_code}")
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail")
            except ValueError:
                detail = r.text
            raise PushdError(r.status_code, detail)
        return r.json() if r.content else None

    # --- reads ---
    def health(self) -> dict[str, Any]:
        return self._request("GET", "/healthz")

    def snapshot(self) -> Snapshot:
        return Snapshot.model_validate(self._request("GET", "/api/v1/snapshot"))

    def list_alerts(
        self,
        status: Iterable[str] = (),
        severity: Iterable[str] = (),
        labels: dict[str, str] | None = None,
        q: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AlertPage:
        params: list[tuple[str, str | int]] = [("limit", limit), ("offset", offset)]
        params += [("status", s) for s in status] + [("severity", s) for s in severity]
        params += [("label", f"{k}={v}") for k, v in (labels or {}).items()]
        if q:
            params.append(("q", q))
        if since:
            params.append(("since", since.isoformat()))
        if until:
            params.append(("until", until.isoformat()))
        return AlertPage.model_validate(self._request("GET", "/api/v1/alerts", params=params))

    def get_alert(self, alert_id: int) -> AlertDetail:
        return AlertDetail.model_validate(self._request("GET", f"/api/v1/alerts/{alert_id}"))

    def metrics_latest(self) -> MetricSample:
        return MetricSample.model_validate(self._request("GET", "/api/v1/metrics/latest"))

    def metrics_history(self, minutes: float, max_points: int = 720) -> list[MetricSample]:
        rows = self._request("GET", "/api/v1/metrics/history", params={"minutes": minutes, "max_points": max_points})
        return [MetricSample.model_validate(r) for r in rows]

    def history(self, actor: str | None = None, action: str | None = None, alert_id: int | None = None,
                since: datetime | None = None, limit: int = 50, offset: int = 0) -> LogPage:
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        for name, value in (("actor", actor), ("action", action), ("alert_id", alert_id)):
            if value is not None:
                params[name] = value
        if since:
            params["since"] = since.isoformat()
        return LogPage.model_validate(self._request("GET", "/api/v1/history", params=params))

    def actors(self) -> list[Actor]:
        return [Actor.model_validate(a) for a in self._request("GET", "/api/v1/actors")]

    # --- writes ---
    def post_alerts(self, alerts: list[AlertIn]) -> dict[str, Any]:
        body = [a.model_dump(mode="json", exclude_none=True) for a in alerts]
        return self._request("POST", "/api/v1/alerts", json=body)

    def acknowledge(self, alert_id: int, by: str, comment: str | None = None) -> Alert:
        return Alert.model_validate(
            self._request("POST", f"/api/v1/alerts/{alert_id}/ack", json={"by": by, "comment": comment}))

    def resolve(self, alert_id: int, by: str, comment: str | None = None) -> Alert:
        return Alert.model_validate(
            self._request("POST", f"/api/v1/alerts/{alert_id}/resolve", json={"by": by, "comment": comment}))
