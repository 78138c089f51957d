"""Stable, versioned JSON: schema ids in every document, lists sorted by the producer."""

from __future__ import annotations

import json
from typing import Any

from guardrails.graph import DependencyGraph
from guardrails.impact import Impact

GRAPH_SCHEMA = "guardrails.graph/v1"
WHY_SCHEMA = "guardrails.why/v1"


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_impact(impact: Impact) -> str:
    return dumps(impact.as_dict())


def render_why(node: str, paths: list[tuple[str, ...]], graph: DependencyGraph) -> str:
    chains = []
    for path in paths:
        hops = [
            {"from": s, "to": d, "evidence": [e.as_dict() for e in graph.evidence(s, d)]}
            for s, d in zip(path, path[1:])
        ]
        chains.append({"path": list(path), "hops": hops})
    return dumps({"schema": WHY_SCHEMA, "node": node, "chains": chains})


def render_graph(graph: DependencyGraph, nodes: list[str] | None = None) -> str:
    """networkx node-link shape: {"nodes": [...], "links": [...]}, sorted."""
    keep = set(graph.g.nodes) if nodes is None else set(nodes)
    out_nodes = [
        {"id": n, **{k: v for k, v in sorted(graph.g.nodes[n].items())}} for n in sorted(keep)
    ]
    links = [
        {
            "source": s,
            "target": d,
            "kind": data.get("kind"),
            "evidence": [e.as_dict() for e in data.get("evidence", ())],
        }
        for s, d, data in sorted(graph.g.edges(data=True), key=lambda e: (e[0], e[1]))
        if s in keep and d in keep
    ]
    return dumps({"schema": GRAPH_SCHEMA, "directed": True, "nodes": out_nodes, "links": links})


def render_graphml(graph: DependencyGraph, nodes: list[str] | None = None) -> str:
    import networkx as nx

    keep = sorted(graph.g.nodes) if nodes is None else sorted(nodes)
    h = nx.DiGraph()
    for n in keep:
        h.add_node(n, **{k: ("" if v is None else v) for k, v in graph.g.nodes[n].items()})
    for s, d, data in sorted(graph.g.edges(data=True), key=lambda e: (e[0], e[1])):
        if s in h and d in h:
            ev = "; ".join(str(e) for e in data.get("evidence", ()))
            h.add_edge(s, d, kind=data.get("kind", ""), evidence=ev)
    return "\n".join(nx.generate_graphml(h)) + "\n"
