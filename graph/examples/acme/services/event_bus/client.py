"""Publish events to the bus (the only public entry point for producers)."""

from __future__ import annotations

from services.event_bus.schemas import UserEvent
from services.schema_registry.registry import validate

_QUEUE: list[tuple[str, UserEvent]] = []


def publish(topic: str, event: UserEvent) -> None:
    if not validate(topic, event):
        raise ValueError(f"event does not match the schema of {topic}")
    _QUEUE.append((topic, event))


def drain(topic: str) -> list[UserEvent]:
    taken = [event for t, event in _QUEUE if t == topic]
    _QUEUE[:] = [(t, event) for t, event in _QUEUE if t != topic]
    return taken
