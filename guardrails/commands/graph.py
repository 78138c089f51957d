"""`guardrails graph`: the dependency graph of the working tree."""

from __future__ import annotations

from guardrails.commands.affected import suggest
from guardrails.commands.output import emit
from guardrails.engine import load_world, open_repo
from guardrails.errors import EXIT_OK, GuardrailsError
from guardrails.report.view import graph_view


def main(
    *,
    fmt: str = "text",
    focus: str | None = None,
    depth: int | None = None,
    config: str | None = None,
    repo: str = ".",
    output: str | None = None,
) -> int:
    git = open_repo(repo)
    world = load_world(git, git.worktree(), config)
    graph = world.graph
    if focus is not None and focus not in graph:
        raise GuardrailsError(f"unknown node {focus!r}", fix=suggest(focus, graph.nodes()))
    if depth is not None and focus is None:
        raise GuardrailsError(
            "--depth needs --focus", fix="add --focus NODE, e.g. --focus service:event-bus"
        )
    view = graph_view(graph, focus, depth)
    keep = [n.id for n in view.nodes]
    if fmt == "text":
        from guardrails.report.text import render_graph_summary

        text = render_graph_summary(graph, keep)
    elif fmt == "json":
        from guardrails.report import json_out

        text = json_out.render_graph(graph, keep)
    elif fmt == "graphml":
        from guardrails.report import json_out

        text = json_out.render_graphml(graph, keep)
    elif fmt == "mermaid":
        from guardrails.report import mermaid

        text = mermaid.render(view)
    else:
        from guardrails.report import dot

        text = dot.render(view)
    emit(text, output)
    return EXIT_OK
