"""Which fields each topic's events must carry."""

from __future__ import annotations

from dataclasses import fields, is_dataclass

SCHEMAS: dict[str, tuple[str, ...]] = {
    "user-events": ("user_id", "kind", "item_id", "ts"),
}


def validate(topic: str, event: object) -> bool:
    required = SCHEMAS.get(topic)
    if required is None or not is_dataclass(event):
        return False
    present = {f.name for f in fields(event)}
    return all(name in present for name in required)
