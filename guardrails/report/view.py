"""A drawable slice of the graph: the nodes and edges a picture (mermaid, dot) shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from guardrails.graph import DependencyGraph

if TYPE_CHECKING:
    from guardrails.impact import Impact


class ViewNode(msgspec.Struct, frozen=True):
    id: str
    role: str  # changed | affected | focus | node
    owner: str | None
    tier: int | None
    distance: int | None = None


class ViewEdge(msgspec.Struct, frozen=True):
    src: str
    dst: str
    kind: str


class View(msgspec.Struct, frozen=True):
    nodes: tuple[ViewNode, ...]  # sorted by id
    edges: tuple[ViewEdge, ...]  # sorted


def impact_view(impact: Impact, graph: DependencyGraph) -> View:
    """Changed and affected nodes, with the edges of each explanation path."""
    nodes = [ViewNode(n.id, "changed", n.owner, n.tier, 0) for n in impact.changed]
    nodes += [ViewNode(n.id, "affected", n.owner, n.tier, n.distance) for n in impact.affected]
    hops = {(a.path[i], a.path[i + 1]) for a in impact.affected for i in range(len(a.path) - 1)}
    edges = [ViewEdge(s, d, _kind(graph, s, d)) for s, d in hops]
    return View(tuple(sorted(nodes, key=lambda n: n.id)), tuple(sorted(edges, key=_edge_key)))


def graph_view(graph: DependencyGraph, focus: str | None = None, depth: int | None = None) -> View:
    """The whole graph, or the nodes within ``depth`` hops (either direction) of ``focus``."""
    if focus is None:
        keep = set(graph.nodes())
    else:
        keep = {focus}
        frontier = {focus}
        hops = 0
        while frontier and (depth is None or hops < depth):
            nxt: set[str] = set()
            for n in frontier:
                nxt.update(graph.neighbours(n))
            frontier = nxt - keep
            keep |= frontier
            hops += 1
    nodes = [
        ViewNode(n, "focus" if n == focus else "node", graph.owner(n), graph.tier(n)) for n in keep
    ]
    edges = [
        ViewEdge(s, d, k)
        for s, d, k in graph.edges(ownership=focus is not None)
        if s in keep and d in keep
    ]
    return View(tuple(sorted(nodes, key=lambda n: n.id)), tuple(sorted(edges, key=_edge_key)))


# Edges point from dependent to dependency, so a declared `produces` runs topic -> producer:
# label it the way the arrow reads.
_READS = {"produces": "produced by", "provides_api": "provided by", "owned_by": "owned by"}


def edge_label(kind: str) -> str:
    return _READS.get(kind, kind.replace("_", " "))


def _kind(graph: DependencyGraph, src: str, dst: str) -> str:
    return graph.edge_kind(src, dst) or ""


def _edge_key(e: ViewEdge) -> tuple[str, str, str]:
    return (e.src, e.dst, e.kind)
