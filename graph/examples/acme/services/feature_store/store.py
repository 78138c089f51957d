"""Read access to the features table."""

from __future__ import annotations

from services.feature_store.tables import FeatureRow

_ROWS: dict[str, FeatureRow] = {}


def get_features(user_id: str) -> FeatureRow:
    return _ROWS.get(user_id, FeatureRow(user_id))


def all_rows() -> list[FeatureRow]:
    return sorted(_ROWS.values(), key=lambda row: row.user_id)
