"""The Users and access page's logic without Streamlit: accounts and API tokens as tables, input checks.

Names come from people (admins type them): they go into data frames, which Streamlit draws as
plain text. The checks use pushd's own field definitions (shared.accounts), so the page refuses
what pushd would refuse, with a message in the user's language instead of a 422.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from dashboard.tables import Translate, local
from shared.accounts import Password, Token, TokenName, User, Username

USER_ROLES = ("viewer", "operator", "admin")
TOKEN_ROLES = ("ingest", "viewer", "operator", "admin")  # ingest first: what Prometheus and Alertmanager need
USER_COLUMNS = ("col_user", "col_role", "col_state", "col_created", "col_updated")
TOKEN_COLUMNS = ("col_id", "col_name", "col_role", "col_state", "col_created", "col_created_by", "col_expires",
                 "col_revoked")
_USERNAME: TypeAdapter[str] = TypeAdapter(Username)
_PASSWORD: TypeAdapter[str] = TypeAdapter(Password)
_TOKEN_NAME: TypeAdapter[str] = TypeAdapter(TokenName)


def _valid(adapter: TypeAdapter[str], value: str) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def username_ok(value: str) -> bool:
    return _valid(_USERNAME, value)


def password_ok(value: str) -> bool:
    return _valid(_PASSWORD, value)


def token_name_ok(value: str) -> bool:
    return _valid(_TOKEN_NAME, value)


def describe(detail: Any) -> str:
    """pushd's `detail` as one line: a string as it is, FastAPI's list of problems joined."""
    if isinstance(detail, list):
        return "; ".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)[:500]
    return str(detail)[:500]


def token_state(token: Token, now: datetime) -> str:
    """"revoked", "expired" or "active"."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def users_frame(users: Iterable[User], t: Translate) -> pd.DataFrame:
    rows = [{
        t("col_user"): u.username,
        t("col_role"): t(f"role_{u.role}"),
        t("col_state"): t("state_disabled" if u.disabled else "state_enabled"),
        t("col_created"): local(u.created_at),
        t("col_updated"): local(u.updated_at),
    } for u in sorted(users, key=lambda u: u.username)]
    return pd.DataFrame(rows, columns=[t(c) for c in USER_COLUMNS])


def tokens_frame(tokens: Iterable[Token], t: Translate, now: datetime | None = None) -> pd.DataFrame:
    """Newest first; the secret is never here (pushd does not have it)."""
    now = now or datetime.now(UTC)
    rows = [{
        t("col_id"): k.id,
        t("col_name"): k.name,
        t("col_role"): t(f"role_{k.role}"),
        t("col_state"): t(f"token_{token_state(k, now)}"),
        t("col_created"): local(k.created_at),
        t("col_created_by"): k.created_by,
        t("col_expires"): local(k.expires_at) if k.expires_at else t("never"),
        t("col_revoked"): local(k.revoked_at),
    } for k in sorted(tokens, key=lambda k: -k.id)]
    return pd.DataFrame(rows, columns=[t(c) for c in TOKEN_COLUMNS])


def revocable(tokens: Iterable[Token], now: datetime | None = None) -> list[Token]:
    """The tokens a revoke would still change: neither revoked nor expired."""
    now = now or datetime.now(UTC)
    return [k for k in sorted(tokens, key=lambda k: -k.id) if token_state(k, now) == "active"]
