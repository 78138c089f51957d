"""`guardrails affected`: the blast radius of a change, and why each node is in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from guardrails.app.affected import run_affected
from guardrails.cache import open_repo
from guardrails.commands.output import emit
from guardrails.commands.suggest import suggest
from guardrails.engine import Analysis, Selector
from guardrails.errors import EXIT_OK, GuardrailsError
from guardrails.impact import why
from guardrails.report.view import View, ViewEdge, impact_view


def main(
    *,
    staged: bool = False,
    base: str | None = None,
    head: str | None = None,
    patch: IO[bytes] | None = None,
    config: str | None = None,
    repo: str = ".",
    paths: Sequence[str] = (),
    fmt: str = "text",
    depth: int | None = None,
    why_node: str | None = None,
    output: str | None = None,
    exit_zero: bool = False,
    show_all: bool = False,
) -> int:
    selector = Selector.from_options(
        staged=staged,
        base=base,
        head=head,
        paths=paths,
        patch=patch.read() if patch is not None else None,
    )
    analysis = run_affected(open_repo(repo), selector, config_path=config, depth=depth)
    emit(
        why_report(analysis, why_node, fmt)
        if why_node
        else impact_report(analysis, fmt, show_all=show_all),
        output,
    )
    return EXIT_OK


def impact_report(analysis: Analysis, fmt: str, *, show_all: bool = False) -> str:
    impact, graph = analysis.impact, analysis.graph
    if fmt == "json":
        from guardrails.report import json_out

        return json_out.render_impact(impact)
    if fmt in ("mermaid", "dot"):
        return _picture(impact_view(impact, graph), fmt)
    from guardrails.report import text

    imports = analysis.head.imports
    if imports is None:
        return text.render_impact(impact, show_all=show_all)
    changed = {f for c in impact.changed for f in c.files}
    importers: dict[str, list[str]] = {}
    for e in imports.edges:
        if e.dst_path in changed and e.src_path != e.dst_path:
            importers.setdefault(e.dst_path, []).append(e.src_path)
    return text.render_impact(
        impact,
        show_all=show_all,
        importers={k: sorted(set(v)) for k, v in importers.items()},
        service_of=imports.services,
        dependents=graph.dependents,
    )


def why_report(analysis: Analysis, node: str, fmt: str) -> str:
    graph = analysis.graph
    if node not in graph:
        raise GuardrailsError(f"unknown node {node!r}", fix=suggest(node, graph.nodes()))
    chains = why(graph, analysis.impact, node)
    if fmt == "json":
        from guardrails.report import json_out

        return json_out.render_why(node, chains, graph)
    if fmt in ("mermaid", "dot"):
        # Every hop of every chain: the impact view holds one explanation path per node only.
        keep = {n for chain in chains for n in chain}
        hops = sorted({(c[i], c[i + 1]) for c in chains for i in range(len(c) - 1)})
        view = View(
            tuple(n for n in impact_view(analysis.impact, graph).nodes if n.id in keep),
            tuple(ViewEdge(s, d, graph.edge_kind(s, d) or "") for s, d in hops),
        )
        return _picture(view, fmt)
    from guardrails.report import text

    return text.render_why(node, chains, graph, analysis.impact)


def _picture(view: View, fmt: str) -> str:
    if fmt == "mermaid":
        from guardrails.report import mermaid

        return mermaid.render(view)
    from guardrails.report import dot

    return dot.render(view)
