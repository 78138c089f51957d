"""The growth app: shows ranked recommendations and reports what users do."""

from __future__ import annotations

import time

from services.event_bus.client import publish
from services.event_bus.schemas import UserEvent
from services.ranker.rank import rank


def recommend(user_id: str, catalog: list[str]) -> list[str]:
    shown = rank(user_id, catalog)[:3]
    for item in shown:
        publish("user-events", UserEvent(user_id, "view", item, time.time()))
    return shown
