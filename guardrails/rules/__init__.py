"""Built-in rules: each turns (ChangeSet, semantic facts, graph) into Findings.

``all_rules()`` and ``run_rules()`` are imported lazily so that importing one rule module
does not load every other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guardrails.rules.registry import all_rules as all_rules
    from guardrails.rules.run import run_rules as run_rules

__all__ = ["all_rules", "run_rules"]


def __getattr__(name: str) -> Any:
    if name == "all_rules":
        from guardrails.rules.registry import all_rules

        return all_rules
    if name == "run_rules":
        from guardrails.rules.run import run_rules

        return run_rules
    raise AttributeError(name)
