import pytest

from shared.fingerprint import fingerprint, fnv1a_64, fnv1a_64_py

# Fingerprints reported by a real Prometheus Alertmanager 0.25 (GET /api/v2/alerts) for these label sets.
ALERTMANAGER_SAYS = [
    ({"alertname": "Test", "env": "prod"}, "f2a15a3958f71c7a"),
    ({"alertname": "HostHighCpu", "instance": "web-1", "severity": "critical", "job": "node"}, "29fa3019530c0032"),
    ({"alertname": "Ünïcode", "path": "/a b"}, "d1a34b67d5dc2931"),
]


def test_matches_alertmanager() -> None:
    for labels, expected in ALERTMANAGER_SAYS:
        assert fingerprint(labels) == expected


def test_order_of_labels_does_not_matter() -> None:
    a = {"alertname": "X", "b": "2", "a": "1"}
    assert fingerprint(a) == fingerprint(dict(reversed(list(a.items()))))
    assert fingerprint(a) != fingerprint({**a, "a": "other"})


def reference(labels: dict[str, str]) -> str:
    """FNV-1a 64 the plain way, a byte at a time, to check the unrolled one against."""
    h = 14695981039346656037
    for name in sorted(labels):
        for byte in name.encode() + b"\xff" + labels[name].encode() + b"\xff":
            h = ((h ^ byte) * 1099511628211) % 2**64
    return f"{h:016x}"


def test_unrolled_loop_equals_the_plain_one_for_every_length() -> None:
    for n in range(40):
        labels = {"alertname": "a" * n, "x": "é" * (n % 5)}
        assert fingerprint(labels) == reference(labels), n
    assert fingerprint({}) == reference({}) == "cbf29ce484222325"


@pytest.mark.skipif(fnv1a_64 is fnv1a_64_py, reason="fnv-c is not installed: nothing to compare")
def test_c_and_python_fnv_agree() -> None:
    for n in range(70):
        data = bytes(range(256))[n:n * 3] + b"\xff" * (n % 3)
        assert fnv1a_64(data) == fnv1a_64_py(data), n
