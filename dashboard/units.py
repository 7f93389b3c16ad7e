"""Human-readable numbers for cards."""

from __future__ import annotations

UNITS = ("B/s", "KB/s", "MB/s", "GB/s", "TB/s")


def rate(bytes_per_second: float) -> str:
    """1536 -> '1.5 KB/s'; binary steps of 1024, as network tools show them."""
    value = max(0.0, float(bytes_per_second))
    for unit in UNITS[:-1]:
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {UNITS[-1]}"


def duration(seconds: float) -> str:
    """3725 -> '1h 2m'; an uptime needs no seconds once it is over a minute."""
    s = int(max(0, seconds))
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {s}s" if minutes else f"{s}s"
