"""The blast radius of a change, for `affected`, `check` and the demo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.engine import Analysis, Selector, analyze

if TYPE_CHECKING:
    from guardrails.git import Repo


def run_affected(
    repo: Repo, selector: Selector, *, config_path: str | None = None, depth: int | None = None
) -> Analysis:
    return analyze(repo, selector, config_path=config_path, depth=depth)
