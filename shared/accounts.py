"""The shapes of pushd's access-control API (users, tokens, sessions), shared with its clients."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

UserRole = Literal["viewer", "operator", "admin"]
TokenRole = Literal["viewer", "operator", "admin", "ingest"]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
TokenName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


# Request bodies are strict: `"disabled": 0` or `"expires_in_days": "5"` is refused, as the schema says.
class Login(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class Session(BaseModel):
    """A login's answer: the session token (send it as `Authorization: Bearer <token>`)."""

    token: str
    expires_at: datetime
    role: UserRole
    username: str


class Me(BaseModel):
    kind: Literal["session", "api"]
    name: str
    actor: str
    role: TokenRole
    expires_at: datetime | None


class WsTicket(BaseModel):
    """Single use, valid for seconds: offer `pushd.ticket.<ticket>` as a WebSocket subprotocol."""

    ticket: str
    expires_at: datetime


class User(BaseModel):
    username: str
    role: UserRole
    disabled: bool
    created_at: datetime
    updated_at: datetime


class UserCreate(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    username: Username
    password: Password
    role: UserRole = "viewer"

    @field_validator("username")
    @classmethod
    def _not_pushd(cls, v: str) -> str:
        if v.lower() == "pushd":  # pushd's own changes (host rules, expiry) are recorded as "pushd"
            raise ValueError("the name 'pushd' is reserved for pushd's own actions")
        return v


class UserUpdate(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    role: UserRole | None = None
    disabled: bool | None = None
    password: Password | None = None


class Token(BaseModel):
    """An API token as listed: never its secret."""

    id: int
    name: str
    role: TokenRole
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    model_config = {"extra": "forbid", "strict": True}

    name: TokenName
    role: TokenRole
    expires_in_days: Annotated[float | None, Field(gt=0, le=3650)] = None


class NewToken(Token):
    """The answer to creating a token: the only time its secret is shown."""

    token: str
