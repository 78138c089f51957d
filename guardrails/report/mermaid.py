"""Mermaid flowcharts (GitHub renders them in PR comments and Markdown files)."""

from __future__ import annotations

import re

from guardrails.report.view import View, edge_label

_STYLES = {
    "changed": "fill:#fde2e1,stroke:#c0392b,stroke-width:2px",
    "affected": "fill:#fff4d6,stroke:#b7791f",
    "focus": "fill:#e1ecfd,stroke:#2b6cb0,stroke-width:2px",
}


def _ident(node: str, ids: dict[str, str]) -> str:
    if node not in ids:
        ids[node] = f"n{len(ids)}_" + re.sub(r"[^A-Za-z0-9_]", "_", node)[:40]
    return ids[node]


def _label(text: str) -> str:
    return text.replace('"', "#quot;")


def render(view: View, title: str | None = None) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart LR"]
    if title:
        lines.insert(0, f"%% {title}")
    for n in view.nodes:
        extra = [] if n.tier is None or n.id.startswith("team:") else [f"tier {n.tier}"]
        if n.owner:
            extra.append(n.owner.removeprefix("team:"))
        label = n.id + (f"<br/><small>{' · '.join(extra)}</small>" if extra else "")
        lines.append(f'    {_ident(n.id, ids)}["{_label(label)}"]')
    for e in view.edges:
        arrow = "-.->" if e.kind == "owned_by" else "-->"
        kind = f"|{edge_label(e.kind)}|" if e.kind else ""
        lines.append(f"    {_ident(e.src, ids)} {arrow}{kind} {_ident(e.dst, ids)}")
    for role, style in _STYLES.items():
        members = [ids[n.id] for n in view.nodes if n.role == role]
        if members:
            lines.append(f"    classDef {role} {style}")
            lines.append(f"    class {','.join(members)} {role}")
    return "\n".join(lines) + "\n"
