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
    h = _OFFSET64
    for byte in data:  # one flat loop: ingest computes this for every alert
        h = ((h ^ byte) * _PRIME64) & _MASK64
    return f"{h:016x}"
