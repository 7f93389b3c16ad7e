"""Where alerts and host metrics are kept: the `AlertStore` interface and its SQLite backend."""

from pushd.store.access import AccessStore
from pushd.store.base import (
    AlertQuery,
    AlertStore,
    Change,
    Conflict,
    HistoryQuery,
    NewAlert,
    NotFound,
    StoreUnavailable,
    iso,
    wire,
)
from pushd.store.sqlite_store import SQLiteStore

__all__ = [
    "AccessStore", "AlertQuery", "AlertStore", "Change", "Conflict", "HistoryQuery", "NewAlert", "NotFound",
    "SQLiteStore", "StoreUnavailable", "iso", "wire",
]
