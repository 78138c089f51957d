"""`guardrails graph`: the dependency graph of the working tree.

What it prints is remembered per tree (:mod:`guardrails.cache.outputs`): asking again of an
unchanged tree lists the tree, reads one entry and prints it, without importing a stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guardrails.cache import open_repo
from guardrails.cache.outputs import remembered_output
from guardrails.commands.output import emit
from guardrails.errors import EXIT_OK, GuardrailsError

if TYPE_CHECKING:
    from guardrails.changes import Snapshot
    from guardrails.git import Repo


def main(
    *,
    fmt: str = "text",
    focus: str | None = None,
    depth: int | None = None,
    config: str | None = None,
    repo: str = ".",
    output: str | None = None,
) -> int:
    if depth is not None and focus is None:
        raise GuardrailsError(
            "--depth needs --focus", fix="add --focus NODE, e.g. --focus service:event-bus"
        )
    git = open_repo(repo)
    text = remembered_output(
        git.worktree,
        ("graph", fmt, focus, depth, config),
        lambda snapshot: render(git, snapshot, fmt=fmt, focus=focus, depth=depth, config=config),
    )
    emit(text, output)
    return EXIT_OK


def render(
    git: Repo,
    snapshot: Snapshot,
    *,
    fmt: str,
    focus: str | None,
    depth: int | None,
    config: str | None,
) -> str:
    from guardrails.commands.suggest import suggest
    from guardrails.engine import load_world
    from guardrails.report.view import graph_view

    graph = load_world(git, snapshot, config).graph
    if focus is not None and focus not in graph:
        raise GuardrailsError(f"unknown node {focus!r}", fix=suggest(focus, graph.nodes()))
    view = graph_view(graph, focus, depth)
    keep = [n.id for n in view.nodes]
    if fmt == "text":
        from guardrails.report.text import render_graph_summary

        return render_graph_summary(graph, keep)
    if fmt == "json":
        from guardrails.report import json_out

        return json_out.render_graph(graph, keep)
    if fmt == "graphml":
        from guardrails.report import json_out

        return json_out.render_graphml(graph, keep)
    if fmt == "mermaid":
        from guardrails.report import mermaid

        return mermaid.render(view)
    from guardrails.report import dot

    return dot.render(view)
