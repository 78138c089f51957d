"""Graph facts for rules, as the plain functions RuleContext holds (filled by the check).

``tier_reached``: the most critical tier among a node and every node that depends on it,
directly or not (a flag read by a tier-1 service reaches tier 1). ``flag_readers``: the code
sites that read a flag node, each with the reading service as its ``node``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from guardrails.findings import Related
from guardrails.graph import READS_FLAG, DependencyGraph
from guardrails.impact import distances


def tier_reached_in(graph_of: Callable[[], DependencyGraph]) -> Callable[[str], int | None]:
    """``graph_of``: the graph, built on the first question."""

    def tier_reached(node: str) -> int | None:
        graph = graph_of()
        if node not in graph:
            return None
        tiers = [
            t
            for n in distances(graph, [node], None)
            if not n.startswith("team:") and (t := graph.tier(n)) is not None
        ]
        return min(tiers) if tiers else None

    return tier_reached


def flag_readers_in(graph_of: Callable[[], DependencyGraph]) -> Callable[[str], Sequence[Related]]:
    def flag_readers(node: str) -> Sequence[Related]:
        graph = graph_of()
        out = {
            Related(ev.path, ev.line, src)
            for src in graph.dependents.get(node, ())
            for ev in graph.evidence(src, node)
            if ev.kind == READS_FLAG
        }
        return tuple(sorted(out, key=lambda r: (r.path, r.line or 0, r.node or "")))

    return flag_readers
