"""Alert identity as Prometheus computes it, so pushd and Alertmanager agree on fingerprints."""

from __future__ import annotations

from collections.abc import Mapping

_OFFSET64 = 14695981039346656037
_PRIME64 = 1099511628211
_MASK64 = (1 << 64) - 1
_SEPARATOR_CHAR = "\udcff"  # the byte 0xff after each name and value, once encoded with "surrogateescape"


def fnv1a_64_py(data: bytes) -> int:
    """FNV-1a 64 in Python, for where fnv-c has no wheel."""
    h, p, m = _OFFSET64, _PRIME64, _MASK64
    # Four bytes a step and one mask per step: equal to a mask per byte (the low 64 bits of a
    # product depend only on the low 64 bits of its factors; XOR with a byte touches the low 8).
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        h = (((((((h ^ data[i]) * p) ^ data[i + 1]) * p) ^ data[i + 2]) * p ^ data[i + 3]) * p) & m
    for byte in data[whole:]:
        h = ((h ^ byte) * p) & m
    return h


try:
    # Ingest fingerprints every alert: in C this is ~0.2 us, in Python ~6 us, which was two fifths of
    # the event loop's time under a POST /api/v2/alerts load (py-spy).
    from fnv_c import fnv1a_64
except ImportError:  # pragma: no cover - platforms without a wheel
    fnv1a_64 = fnv1a_64_py


def fingerprint(labels: Mapping[str, str]) -> str:
    """FNV-1a 64 over sorted names and values, each followed by 0xff (prometheus/common model.LabelSet.Fingerprint)."""
    if not labels:
        return f"{fnv1a_64(b''):016x}"
    parts = []
    for name in sorted(labels):
        parts += (name, labels[name])
    parts.append("")
    # One encode of the whole text: the separator is a lone surrogate that "surrogateescape" turns into
    # the byte 0xff, and no label holds one (JSON with a lone surrogate is refused), so nothing else
    # becomes 0xff. 3.2 us per alert against 5.3 for encoding each name and value apart.
    data = _SEPARATOR_CHAR.join(parts).encode("utf-8", "surrogateescape")
    return f"{fnv1a_64(data):016x}"
