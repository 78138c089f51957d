"""Stable, versioned JSON: schema ids in every document, lists sorted by the producer."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from guardrails.graph import DependencyGraph
from guardrails.report import json_text

if TYPE_CHECKING:
    from guardrails.impact import Impact
    from guardrails.report.registry import RuleMeta

GRAPH_SCHEMA = "guardrails.graph/v1"
WHY_SCHEMA = "guardrails.why/v1"


def dumps(doc: Any) -> str:
    return json_text.dumps(doc) + "\n"


def render(doc: Mapping[str, Any], meta: Mapping[str, RuleMeta]) -> str:
    """The check/v1 document as it is: sorted by the producer, so byte-identical per run."""
    return dumps(doc)


def render_impact(impact: Impact) -> str:
    return dumps(impact.as_dict())


def render_why(node: str, paths: list[tuple[str, ...]], graph: DependencyGraph) -> str:
    chains = []
    for path in paths:
        hops = [
            {"from": s, "to": d, "evidence": [e.as_dict() for e in graph.evidence(s, d)]}
            for s, d in pairwise(path)
        ]
        chains.append({"path": list(path), "hops": hops})
    return dumps({"schema": WHY_SCHEMA, "node": node, "chains": chains})


def render_graph(graph: DependencyGraph, nodes: list[str] | None = None) -> str:
    """networkx node-link shape: {"nodes": [...], "links": [...]}, sorted."""
    keep = set(graph.nodes()) if nodes is None else set(nodes)
    out_nodes = [{"id": n, **dict(sorted(graph.attrs(n).items()))} for n in sorted(keep)]
    links = [
        {
            "source": s,
            "target": d,
            "kind": kind,
            "evidence": [e.as_dict() for e in graph.evidence(s, d)],
        }
        for s, d, kind in graph.edges()
        if s in keep and d in keep
    ]
    return dumps({"schema": GRAPH_SCHEMA, "directed": True, "nodes": out_nodes, "links": links})


def render_graphml(graph: DependencyGraph, nodes: list[str] | None = None) -> str:
    import networkx as nx

    g = graph.to_networkx(nodes)
    # graphml holds scalars only: None -> "", evidence -> one string
    h: nx.DiGraph[str] = nx.DiGraph()
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: ("" if v is None else v) for k, v in data.items()})
    for s, d, data in g.edges(data=True):
        h.add_edge(s, d, kind=data["kind"], evidence="; ".join(str(e) for e in data["evidence"]))
    return "\n".join(nx.generate_graphml(h)) + "\n"
