"""Rank items for a user; the new ranker sits behind the `new-ranker` flag."""

from __future__ import annotations

import json
from pathlib import Path

from services.feature_store.store import get_features

FLAGS_FILE = Path(__file__).resolve().parents[2] / "config" / "flags.json"


def new_ranker_enabled() -> bool:
    flag = json.loads(FLAGS_FILE.read_text())["flags"]["new-ranker"]
    return bool(flag["variants"][flag["defaultVariant"]])


def rank(user_id: str, items: list[str]) -> list[str]:
    features = get_features(user_id)
    if new_ranker_enabled():
        return sorted(items, key=lambda item: (-(features.clicks + len(item)), item))
    return sorted(items)
