"""AlertService.observe: what follows from alert changes (incidents, grouping) sees every write's changes."""

from starlette.testclient import TestClient

from pushd.store import Change
from tests.pushd.helpers import alert


def test_observers_see_each_write_after_its_commit(client: TestClient) -> None:
    state = client.app.state.pushd
    seen: list[list[tuple[str, str, int]]] = []

    async def observer(changes: list[Change]) -> None:
        seen.append([(c.event, c.alert["alertname"], c.alert["id"]) for c in changes])

    state.alerts.observe(observer)
    first = client.post("/api/v1/alerts", json=[alert("One"), alert("Two")]).json()["changed"]
    client.post("/api/v1/alerts", json=alert("One"))
    assert client.post(f"/api/v1/alerts/{first[0]['id']}/ack", json={}).status_code == 200
    assert seen == [
        [("created", "One", first[0]["id"]), ("created", "Two", first[1]["id"])],
        [("repeated", "One", first[0]["id"])],
        [("acknowledged", "One", first[0]["id"])],
    ]
