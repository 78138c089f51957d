"""Fold user events from the bus into feature rows."""

from __future__ import annotations

from services.event_bus.client import drain
from services.event_bus.schemas import UserEvent
from services.feature_store.tables import FeatureRow

_COUNTERS = {"view": "views", "click": "clicks", "purchase": "purchases"}


def apply(row: FeatureRow, event: UserEvent) -> FeatureRow:
    counter = _COUNTERS.get(event.kind)
    if counter is not None:
        setattr(row, counter, getattr(row, counter) + 1)
    return row


def ingest(rows: dict[str, FeatureRow]) -> int:
    events = drain("user-events")
    for event in events:
        apply(rows.setdefault(event.user_id, FeatureRow(event.user_id)), event)
    return len(events)
