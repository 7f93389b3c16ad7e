"""Small Streamlit building blocks several pages use."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.session import t


def kpi_row(cards: Sequence[tuple[str, str | int | float]]) -> None:
    """A row of bordered metric cards; values are passed as strings or numbers, never as HTML."""
    for col, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        col.metric(label, value, border=True)


def no_data() -> None:
    """Shown instead of a page's content while pushd has never answered this session."""
    st.info(t("offline_no_data"))


def status_name(status: str) -> str:
    return t(f"status_{status}")


def severity_name(severity: str) -> str:
    return t(f"severity_{severity}")
