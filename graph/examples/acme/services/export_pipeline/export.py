"""Nightly export of the features table to the warehouse, as CSV lines."""

from __future__ import annotations

from services.feature_store.store import all_rows


def export_lines() -> list[str]:
    lines = ["user_id,views,clicks,purchases"]
    for row in all_rows():
        lines.append(f"{row.user_id},{row.views},{row.clicks},{row.purchases}")
    return lines
