"""Words for values people read on every surface (the CLI's tables, the console's pages)."""

from __future__ import annotations

from datetime import timedelta

__all__ = ["duration"]


def duration(delta: timedelta) -> str:
    """``3d 4h``, ``2h 05m``, ``4m 10s``, ``12s``: the two largest units."""
    total = max(0, int(delta.total_seconds()))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds:02d}s"
    return f"{seconds}s"
