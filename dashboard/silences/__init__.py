"""Silences (静默): the page's plain logic (forms) and its reads (data)."""
