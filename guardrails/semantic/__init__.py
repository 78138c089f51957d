"""Semantic diffs: what a change does to Python modules (and, later, rollout and flag files)."""
