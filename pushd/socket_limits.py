"""Caps on open push sockets, per credential and in total: the next handshake is refused, no open
connection is ever closed to make room."""

from __future__ import annotations

from collections import Counter


class SocketLimitReached(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class SocketLimits:
    def __init__(self, per_credential: int, total: int) -> None:
        self.per_credential = per_credential
        self.total = total
        self._open: Counter[int] = Counter()
        self._total = 0

    def claim(self, credential_id: int) -> None:
        """Count one more socket for the credential, or raise SocketLimitReached (429 or 503)."""
        if self._total >= self.total:
            raise SocketLimitReached(503, f"pushd holds its maximum of {self.total} push sockets; retry later")
        if self._open[credential_id] >= self.per_credential:
            raise SocketLimitReached(429, f"this token already holds its maximum of {self.per_credential} push sockets")
        self._open[credential_id] += 1
        self._total += 1

    def release(self, credential_id: int) -> None:
        self._total -= 1
        self._open[credential_id] -= 1
        if self._open[credential_id] <= 0:
            del self._open[credential_id]

    def open_for(self, credential_id: int) -> int:
        return self._open[credential_id]
