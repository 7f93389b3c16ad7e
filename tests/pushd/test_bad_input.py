"""Any body whatsoever gets a 4xx that says what was wrong, never a 5xx, and changes nothing; a body
that is not declared JSON gets 415 before anything else looks at it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from tests.pushd.helpers import alert
from tests.servers import AUTH

# Every route that takes a body. A valid body would change something; none below is valid.
BODY_ROUTES = [
    ("POST", "/api/v1/alerts"),
    ("POST", "/api/v2/alerts"),
    ("POST", "/api/v1/webhooks/alertmanager"),
    ("POST", "/api/v1/alerts/{id}/ack"),
    ("POST", "/api/v1/alerts/{id}/resolve"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/users"),
    ("PATCH", "/api/v1/users/admin"),
    ("POST", "/api/v1/tokens"),
]
JSON = {"content-type": "application/json"}

# Bodies that are not JSON pushd can read, and what the 422 must say about each, on every route.
UNREADABLE = {
    "not UTF-8": (b'{"username": "\xff\xfe", "labels": {"alertname": "\xc3\x28"}}', "not UTF-8"),
    "not JSON": (b"{not json", "Invalid JSON"),
    "truncated": (b'{"labels": {"alertname": "A"', "Invalid JSON"),
    "nested arrays": (b"[" * 30_000, "recursion limit"),  # under the 64 KiB of non-ingest routes
    "nested objects": (b'{"a":' * 10_000, "recursion limit"),
    "a number of 5000 digits": (b"1" * 5000, "number out of range"),
}
# JSON that is readable but of the wrong shape for every route: the 422 names the field.
WRONG = {
    "a string": b'"alerts"',
    "a huge float": b'{"labels": {"alertname": 1e999999}, "username": 1e999999, "comment": 1e999999}',
    "a huge integer": b'{"labels": {"alertname": ' + b"9" * 4000 + b'}, "comment": ' + b"9" * 4000 + b"}",
    "wrong types": b'{"labels": ["alertname", "A"], "username": ["x"], "comment": {"a": 1}, "role": 5}',
    "a lone surrogate": b'{"labels": {"alertname": "\\ud800"}, "username": "\\ud800", "comment": "\\udfff"}',
}


@pytest.fixture
def alert_id(client: TestClient) -> int:
    return client.post("/api/v1/alerts", json=alert("Existing")).json()["changed"][0]["id"]


def requests(alert_id: int) -> Iterator[tuple[str, str]]:
    for method, path in BODY_ROUTES:
        yield method, path.format(id=alert_id)


def state(client: TestClient) -> tuple:
    """Everything a body route could change."""
    return (client.get("/api/v1/alerts").json(), client.get("/api/v1/history").json(),
            client.get("/api/v1/users").json(), client.get("/api/v1/tokens").json())


def test_unreadable_bodies_are_422_saying_why_on_every_route(client: TestClient, alert_id: int) -> None:
    before = state(client)
    for name, (body, says) in UNREADABLE.items():
        for method, path in requests(alert_id):
            r = client.request(method, path, content=body, headers=JSON)
            assert r.status_code == 422, (name, method, path, r.status_code, r.text[:300])
            [error] = r.json()["detail"]
            assert error["type"] == "json_invalid", (name, path, error)
            assert says in error["msg"], (name, path, error["msg"])
            assert len(r.content) < 1000, (name, path)  # the body is not echoed back
    for method, path in requests(alert_id):
        if not path.endswith(("/ack", "/resolve")):  # their body is optional
            r = client.request(method, path, content=b"", headers=JSON)
            assert r.status_code == 422, (method, path, r.text)
    assert state(client) == before


def test_wrong_json_is_422_naming_the_field_on_every_route(client: TestClient, alert_id: int) -> None:
    before = state(client)
    for name, body in WRONG.items():
        for method, path in requests(alert_id):
            r = client.request(method, path, content=body, headers=JSON)
            assert r.status_code == 422, (name, method, path, r.status_code, r.text[:300])
            detail = r.json()["detail"]
            assert detail and all(e["msg"] and e["loc"][0] == "body" for e in detail), (name, path, detail)
            assert len(r.content) < 5000, (name, path)  # long inputs are cut, not echoed whole
    assert state(client) == before


NOT_JSON_TYPES = [None, "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
                  "multipart/form-data; boundary=x", "text/json", "application/jsonp", "application/json-seq", "json"]


def test_a_body_not_declared_json_is_415_on_every_route(client: TestClient, alert_id: int) -> None:
    before = state(client)
    body = b'{"labels": {"alertname": "Sneaky"}}'
    for content_type in NOT_JSON_TYPES:
        headers = {} if content_type is None else {"content-type": content_type}
        for method, path in requests(alert_id):
            r = client.request(method, path, content=body, headers=headers)
            assert r.status_code == 415, (content_type, method, path, r.status_code)
            assert "application/json" in r.json()["detail"]
    assert state(client) == before


def test_json_types_with_parameters_and_any_case_are_accepted(client: TestClient) -> None:
    for i, content_type in enumerate(["application/json; charset=utf-8", "Application/JSON",
                                      "application/vnd.pushd+json", "application/merge-patch+JSON ; q=1"]):
        r = client.post("/api/v1/alerts", content=f'{{"labels": {{"alertname": "A{i}"}}}}'.encode(),
                        headers={"content-type": content_type})
        assert r.status_code == 200, (content_type, r.text)
    assert client.get("/api/v1/alerts").json()["total"] == 4


def test_a_request_without_a_body_needs_no_content_type(client: TestClient, alert_id: int) -> None:
    assert client.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 200
    r = client.post(f"/api/v1/alerts/{alert_id}/resolve", content=b"",
                    headers={"content-type": "text/plain", "content-length": "0"})
    assert r.status_code == 200
    assert client.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "resolved"


def test_415_comes_before_authentication_and_the_size_limit(client: TestClient) -> None:
    no_token = {"Authorization": ""}
    r = client.post("/api/v1/alerts", content=b'{"labels": {"alertname": "A"}}',
                    headers={**no_token, "content-type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/v1/alerts", content=b'{"labels": {"alertname": "A"}}', headers={**no_token, **JSON})
    assert r.status_code == 401
    r = client.post("/api/v1/alerts", content=b"x" * (2 * 1024 * 1024), headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert client.get("/api/v1/alerts").json()["total"] == 0


def test_chunked_bodies_are_judged_by_their_bytes(live_url: str) -> None:
    """Without Content-Length the middleware reads up to the first byte: a non-empty body of the wrong
    type is refused, an empty one passes, and a JSON one arrives whole."""
    def chunks(*parts: bytes) -> Iterator[bytes]:
        yield from parts

    with httpx.Client(base_url=live_url, headers=AUTH, timeout=10) as http:
        alert_id = http.post("/api/v1/alerts", json=alert("Chunked")).json()["changed"][0]["id"]
        r = http.post(f"/api/v1/alerts/{alert_id}/ack", content=chunks(b"", b'{"comment": "x"}'),
                      headers={"content-type": "text/plain"})
        assert r.status_code == 415
        r = http.post(f"/api/v1/alerts/{alert_id}/ack", content=chunks(), headers={"content-type": "text/plain"})
        assert r.status_code == 200, r.text
        r = http.post("/api/v1/alerts", content=chunks(b'[{"labels": ', b'{"alertname": "Two"}}]'), headers=JSON)
        assert r.status_code == 200, r.text
        assert http.get("/api/v1/alerts").json()["total"] == 2


def test_an_alert_too_large_to_push_is_refused(client: TestClient) -> None:
    """Labels and annotations over 32 KiB as JSON: a push message carrying it could pass the 1 MiB that
    WebSocket clients take by default (an alerts_update holds up to 30 alerts)."""
    huge = {"labels": {"alertname": "Huge"}, "annotations": {"description": "x" * (32 * 1024)}}
    ok = {"labels": {"alertname": "Fine"}, "annotations": {"description": "x" * (30 * 1024)}}
    r = client.post("/api/v1/alerts", json=[ok, huge])
    assert r.status_code == 422
    assert "at most 32768" in r.text
    r = client.post("/api/v2/alerts", json=[ok, huge])
    assert r.status_code == 400
    assert [i["index"] for i in r.json()["invalid"]] == [1]
    assert [a["alertname"] for a in client.get("/api/v1/alerts").json()["items"]] == ["Fine"]
    big_labels = {"labels": {"alertname": "Wide", "dump": "y" * (32 * 1024)}}  # and no annotations
    assert client.post("/api/v1/alerts", json=big_labels).status_code == 422


def test_the_size_bound_is_the_same_on_every_ingest_route(client: TestClient) -> None:
    """Labels of exactly 32 KiB as JSON and no annotations: taken by the native route and by API v2 alike."""
    labels = {"alertname": "EdgeA", "dump": ""}
    labels["dump"] = "y" * (32 * 1024 - len(orjson.dumps(labels)))
    assert len(orjson.dumps(labels)) == 32 * 1024
    assert client.post("/api/v1/alerts", json={"labels": labels}).status_code == 200
    assert client.post("/api/v2/alerts", json=[{"labels": {**labels, "alertname": "EdgeB"}}]).status_code == 200
    one_more = {**labels, "alertname": "EdgeCC"}
    assert client.post("/api/v1/alerts", json={"labels": one_more}).status_code == 422
    r = client.post("/api/v2/alerts", json=[{"labels": one_more}])
    assert r.status_code == 400
    assert r.json()["detail"] == ("1 of 1 alerts invalid, not stored: [0] labels and annotations take 32769 bytes "
                                  "as JSON; at most 32768 are taken")
