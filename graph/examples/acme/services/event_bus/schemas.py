"""Events on the bus. Every consumer decodes these fields: removing one breaks them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserEvent:
    user_id: str
    kind: str  # "view" | "click" | "purchase"
    item_id: str
    ts: float
