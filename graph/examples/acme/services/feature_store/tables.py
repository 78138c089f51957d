"""The features table: one row per user, read by the ranker and the export pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FeatureRow:
    user_id: str
    views: int = 0
    clicks: int = 0
    purchases: int = 0
