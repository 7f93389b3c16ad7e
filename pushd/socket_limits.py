"""The open push sockets by credential: caps per credential and in total (the next handshake is
refused; no open connection is closed to make room), and closing a credential's sockets when it is
revoked, expires or its user is disabled."""

from __future__ import annotations

from collections.abc import Callable

Closer = Callable[[], None]


class SocketLimitReached(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class SocketLimits:
    def __init__(self, per_credential: int, total: int) -> None:
        self.per_credential = per_credential
        self.total = total
        self._open: dict[int, set[Closer]] = {}
        self._total = 0

    def claim(self, credential_id: int, closer: Closer) -> None:
        """Count one more socket for the credential, or raise SocketLimitReached (429 or 503).
        `closer` closes it when the credential stops being valid."""
        if self._total >= self.total:
            raise SocketLimitReached(503, f"pushd holds its maximum of {self.total} push sockets; retry later")
        held = self._open.setdefault(credential_id, set())
        if len(held) >= self.per_credential:
            raise SocketLimitReached(429, f"this token already holds its maximum of {self.per_credential} push sockets")
        held.add(closer)
        self._total += 1

    def release(self, credential_id: int, closer: Closer) -> None:
        held = self._open.get(credential_id)
        if held is not None and closer in held:
            held.discard(closer)
            self._total -= 1
            if not held:
                del self._open[credential_id]

    def credentials(self) -> list[int]:
        return list(self._open)

    def close_all(self, credential_id: int) -> int:
        """Close every socket of a credential that is no longer valid; returns how many."""
        closers = list(self._open.get(credential_id, ()))
        for close in closers:
            close()
        return len(closers)
