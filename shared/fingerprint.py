"""Alert identity as Prometheus computes it, so pushd and Alertmanager agree on fingerprints."""

from __future__ import annotations

from collections.abc import Mapping

_OFFSET64 = 14695981039346656037
_PRIME64 = 1099511628211
_MASK64 = (1 << 64) - 1
_SEPARATOR = b"\xff"


def fingerprint(labels: Mapping[str, str]) -> str:
    """FNV-1a 64 over sorted names and values, each followed by 0xff (prometheus/common model.LabelSet.Fingerprint)."""
    parts = [s.encode() for name in sorted(labels) for s in (name, labels[name])]
    data = _SEPARATOR.join(parts) + _SEPARATOR if parts else b""
    h, p, m = _OFFSET64, _PRIME64, _MASK64
    # Ingest runs this for every alert. Four bytes a step and one mask per step are a quarter faster
    # than a mask per byte, and equal: the low 64 bits of a product depend only on the low 64 bits
    # of its factors, and XOR with a byte touches only the low 8.
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        h = (((((((h ^ data[i]) * p) ^ data[i + 1]) * p) ^ data[i + 2]) * p ^ data[i + 3]) * p) & m
    for byte in data[whole:]:
        h = ((h ^ byte) * p) & m
    return f"{h:016x}"
