"""Where alerts and host metrics are kept. `open_store` picks the backend."""

from pushd.store.base import (
    AlertQuery,
    AlertStore,
    Change,
    Conflict,
    NewAlert,
    NotFound,
    StoreUnavailable,
    iso,
    wire,
)
from pushd.store.sqlite_store import SQLiteStore

__all__ = [
    "AlertQuery", "AlertStore", "Change", "Conflict", "NewAlert", "NotFound", "SQLiteStore",
    "StoreUnavailable", "iso", "wire",
]
