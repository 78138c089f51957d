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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardrails.imports.build import BuildStats as BuildStats
    from guardrails.imports.build import ImportGraph as ImportGraph
    from guardrails.imports.build import build_import_graph as build_import_graph
    from guardrails.imports.edges import ImportEdge as ImportEdge
    from guardrails.imports.extract import ExtractError as ExtractError
    from guardrails.imports.extract import Extraction as Extraction
    from guardrails.imports.extract import ImportRecord as ImportRecord

# Loaded on first use, not with the package: the engine names a cache file of this package
# (guardrails.imports.cold) on every run, and a run whose change has no Python in it never
# needs the inference itself.
_EXPORTS = {
    "BuildStats": "guardrails.imports.build",
    "ImportGraph": "guardrails.imports.build",
    "build_import_graph": "guardrails.imports.build",
    "ImportEdge": "guardrails.imports.edges",
    "ExtractError": "guardrails.imports.extract",
    "Extraction": "guardrails.imports.extract",
    "ImportRecord": "guardrails.imports.extract",
}
# (``guardrails.imports.extract`` is the module: its function ``extract`` is imported from it.)

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'guardrails.imports' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
