"""Graphviz dot."""

from __future__ import annotations

from guardrails.report.view import View, edge_label

_ATTRS = {
    "changed": 'style=filled, fillcolor="#fde2e1", color="#c0392b", penwidth=2',
    "affected": 'style=filled, fillcolor="#fff4d6", color="#b7791f"',
    "focus": 'style=filled, fillcolor="#e1ecfd", color="#2b6cb0", penwidth=2',
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(view: View, name: str = "guardrails") -> str:
    lines = [f"digraph {_q(name)} {{", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for n in view.nodes:
        sub = [] if n.tier is None or n.id.startswith("team:") else [f"tier {n.tier}"]
        if n.owner:
            sub.append(n.owner)
        label = n.id + ("\n" + ", ".join(sub) if sub else "")
        attrs = f"label={_q(label)}"
        if n.role in _ATTRS:
            attrs += ", " + _ATTRS[n.role]
        lines.append(f"  {_q(n.id)} [{attrs}];")
    for e in view.edges:
        style = ", style=dashed" if e.kind == "owned_by" else ""
        label = f"label={_q(edge_label(e.kind))}" if e.kind else ""
        lines.append(f"  {_q(e.src)} -> {_q(e.dst)} [{label}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
