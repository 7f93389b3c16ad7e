"""Alert identity as Prometheus computes it, so pushd and Alertmanager agree on fingerprints."""

from __future__ import annotations

from collections.abc import Mapping

_OFFSET64 = 14695981039346656037
_PRIME64 = 1099511628211
_MASK64 = (1 << 64) - 1
_SEPARATOR = 0xFF


def _fnv1a(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * _PRIME64) & _MASK64
    return h


def fingerprint(labels: Mapping[str, str]) -> str:
    """FNV-1a 64 over sorted names and values, each followed by 0xff (prometheus/common model.LabelSet.Fingerprint)."""
    h = _OFFSET64
    for name in sorted(labels):
        h = _fnv1a(h, name.encode())
        h = _fnv1a(h, bytes((_SEPARATOR,)))
        h = _fnv1a(h, labels[name].encode())
        h = _fnv1a(h, bytes((_SEPARATOR,)))
    return f"{h:016x}"
