"""`guardrails init`: the starter guardrails.yaml, from what zero-config infers.

Wires two stages the catalog stage must not know about each other: service inference (the
catalog) and import inference (which services import which), then renders the commented
starter file. It always validates: nested packages become disjoint path sets.
"""

from __future__ import annotations

from pathlib import Path

from guardrails.catalog.infer import infer_services, render_starter_config
from guardrails.changes import Snapshot


def starter_config(snapshot: Snapshot, *, cache_dir: Path | None = None) -> str:
    """Everything ``guardrails init`` writes, from one snapshot (usually the work tree)."""
    from guardrails.catalog.codeowners import load_codeowners
    from guardrails.catalog.model import Catalog
    from guardrails.imports import build_import_graph

    services = infer_services(snapshot)
    codeowners, _ = load_codeowners(snapshot)
    catalog = Catalog(services={s.name: s for s in services}, codeowners=codeowners)
    dirs = sorted(((s.paths[0][:-3], s.name) for s in services), key=lambda x: -len(x[0]))

    def service_of(path: str) -> str | None:
        for directory, name in dirs:  # most specific first: nested projects win
            if path.startswith(directory + "/"):
                return name
        return None

    graph = build_import_graph(snapshot, catalog, cache_dir=cache_dir, service_of=service_of)
    return render_starter_config(
        services, codeowners=codeowners, dependencies=graph.service_edges()
    )
