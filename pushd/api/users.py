"""Users and API tokens (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from pushd.api.access import PrincipalDep, Require, router
from pushd.api.deps import SQLITE_MAX_INT, StateDep
from pushd.auth import Permission, Role
from pushd.responses import errors
from pushd.store import iso
from shared.accounts import NewToken, Token, TokenCreate, User, UserCreate, Username, UserUpdate

admins = router(Require(Permission.admin), prefix="/api/v1", tags=["access"])
UsernamePath = Annotated[Username, Path()]
TokenId = Annotated[int, Path(ge=1, le=SQLITE_MAX_INT)]


def _user(row: dict) -> User:
    return User.model_validate({**row, "created_at": iso(row["created_at"]), "updated_at": iso(row["updated_at"])})


def _token(row: dict) -> dict:
    return {**row, **{k: iso(row[k]) for k in ("created_at", "expires_at", "revoked_at")}}


@admins.get("/users", response_model=list[User])
async def list_users(state: StateDep) -> list[User]:
    return [_user(u) for u in await state.store.access.list_users()]


@admins.post("/users", response_model=User, status_code=201, responses=errors(409))
async def create_user(state: StateDep, body: UserCreate) -> User:
    return _user(await state.auth.create_user(body.username, body.password, Role(body.role)))


@admins.patch("/users/{username}", response_model=User, responses=errors(409))
async def update_user(state: StateDep, username: UsernamePath, body: UserUpdate) -> User:
    """Role, disabled, password; a new password or disabling ends the user's sessions. 409 when no
    enabled admin would be left."""
    role = Role(body.role) if body.role else None
    return _user(await state.auth.update_user(username, role, body.disabled, body.password))


@admins.delete("/users/{username}", status_code=204, responses=errors(409))
async def delete_user(state: StateDep, username: UsernamePath) -> Response:
    await state.auth.delete_user(username)
    return Response(status_code=204)


@admins.get("/tokens", response_model=list[Token])
async def list_tokens(state: StateDep) -> list[Token]:
    """API tokens, revoked ones included (for 30 days); never their secrets."""
    return [Token.model_validate(_token(t)) for t in await state.store.access.list_tokens("api")]


@admins.post("/tokens", response_model=NewToken, status_code=201, responses=errors(409))
async def create_token(state: StateDep, principal: PrincipalDep, body: TokenCreate) -> NewToken:
    """The secret is in this answer only: pushd keeps just its hash."""
    secret, row = await state.auth.create_token(body.name, Role(body.role), body.expires_in_days, principal)
    return NewToken.model_validate({**_token(row), "token": secret})


@admins.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(state: StateDep, token_id: TokenId) -> Response:
    await state.auth.revoke_token(token_id)
    return Response(status_code=204)


routers = (admins,)
