"""Logging in and out, who am I, and tickets for browsers' WebSocket handshakes."""

from __future__ import annotations

from fastapi import HTTPException, Response

from pushd.api.access import AUTHENTICATED, PUBLIC, UNAUTHORIZED, PrincipalDep, Require, router
from pushd.api.deps import StateDep
from pushd.auth import AccessDenied, Permission
from pushd.responses import errors
from pushd.store import iso
from shared.accounts import Login, Me, Session, WsTicket

public = router(PUBLIC, prefix="/api/v1/auth", tags=["access"])
signed_in = router(AUTHENTICATED, prefix="/api/v1", tags=["access"])
readers = router(Require(Permission.read), prefix="/api/v1/auth", tags=["access"])


@public.post("/login", response_model=Session, responses=errors(401))
async def login(state: StateDep, body: Login) -> Session:
    """A session token for a user; it expires after PUSHD_SESSION_HOURS."""
    try:
        token, principal = await state.auth.login(body.username, body.password)
    except AccessDenied as exc:
        raise HTTPException(401, str(exc), headers=UNAUTHORIZED) from None
    return Session(token=token, expires_at=iso(principal.expires_at), role=principal.role, username=principal.name)


@signed_in.post("/auth/logout", status_code=204)
async def logout(state: StateDep, principal: PrincipalDep) -> Response:
    """Revokes the token this request was made with."""
    await state.auth.logout(principal)
    return Response(status_code=204)


@signed_in.get("/me", response_model=Me)
async def me(principal: PrincipalDep) -> Me:
    return Me(kind=principal.kind, name=principal.name, actor=principal.actor, role=principal.role,
              expires_at=iso(principal.expires_at))


@readers.post("/ws-ticket", response_model=WsTicket)
async def ws_ticket(state: StateDep, principal: PrincipalDep) -> WsTicket:
    """For browsers, which cannot set headers on a WebSocket: see docs/push.md."""
    ticket, expires = await state.auth.ws_ticket(principal)
    return WsTicket(ticket=ticket, expires_at=iso(expires))


routers = (public, signed_in, readers)
