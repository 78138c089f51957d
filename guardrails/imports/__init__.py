"""Python import inference: which file imports which, as evidence for service dependencies.

Stages, data flowing one way:

- :mod:`~guardrails.imports.extract` — bytes of one file -> :class:`ImportRecord` s
  (stdlib ``ast``; libcst for syntax newer than the running Python).
- :mod:`~guardrails.imports.cache` — extraction results keyed by git blob id, and the
  remembered graph states.
- :mod:`~guardrails.imports.resolve` — source roots and the module index.
- :mod:`~guardrails.imports.edges` — :class:`ImportEdge`, and a graph state advanced by the
  files that changed.
- :mod:`~guardrails.imports.build` — :func:`build_import_graph` -> :class:`ImportGraph`.

Typical use (graph builder)::

    graph = build_import_graph(snapshot, catalog, cache_dir=git_dir / "guardrails",
                               service_of=service_of)
    for (src, dst), evidence in graph.service_edges(include_type_only=False,
                                                    include_weak=True).items():
        ...  # service:src -> service:dst, evidence[0].location / .statement explain it
"""

from __future__ import annotations

from guardrails.imports.build import BuildStats, ImportGraph, build_import_graph
from guardrails.imports.edges import ImportEdge
from guardrails.imports.extract import ExtractError, Extraction, ImportRecord, extract

__all__ = [
    "BuildStats",
    "ExtractError",
    "Extraction",
    "ImportEdge",
    "ImportGraph",
    "ImportRecord",
    "build_import_graph",
    "extract",
]
