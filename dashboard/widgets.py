"""Small Streamlit building blocks several pages use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from dashboard.session import t


def kpi_row(cards: Sequence[tuple[str, str | int | float]]) -> None:
    """A row of bordered metric cards; values are passed as strings or numbers, never as HTML."""
    for col, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
        col.metric(label, value, border=True)


def no_data() -> None:
    """Shown instead of a page's content while pushd has never answered this session."""
    st.info(t("offline_no_data"))


def labeller(keys: Mapping[Any, str]) -> Callable[[Any], str]:
    """A format_func from option -> catalogue key, translated now: Streamlit may call it after the run
    (AppTest does), when the session's language is no longer at hand."""
    table = {option: t(key) for option, key in keys.items()}
    return lambda option: table.get(option, str(option))
