"""The import index rules read for one change: the head's, plus what the base knew.

The head import graph cannot name a module the change deleted or moved: nothing in the head
resolves to it, so `api.breaking-change` would never see that other services still import
it. The base graph still knows the module's name and its importers; an importer whose file
the change did not touch still holds that import, at the same line, in the head.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from guardrails.rules.base import EdgeIndex, ImportSite


class ChangeImportIndex:
    def __init__(self, head: EdgeIndex, base: EdgeIndex | None, touched: Collection[str]) -> None:
        self._head = head
        self._base = base
        self._touched = frozenset(touched)  # every path the change adds, edits, moves or deletes

    def module_of(self, path: str) -> str | None:
        name = self._head.module_of(path)
        if name is None and self._base is not None:
            name = self._base.module_of(path)
        return name

    def importers_of(self, module: str) -> Sequence[ImportSite]:
        sites = list(self._head.importers_of(module))
        if self._base is not None:
            seen = {(s.src_path, s.line) for s in sites}
            sites += [
                s
                for s in self._base.importers_of(module)
                if s.src_path not in self._touched and (s.src_path, s.line) not in seen
            ]
        return tuple(sorted(sites, key=lambda s: (s.src_path, s.line)))

    def imports_of(self, path: str) -> Sequence[ImportSite]:
        return self._head.imports_of(path)

    def base_importers_of(self, module: str) -> Sequence[ImportSite]:
        """Imports of ``module`` the base already had: the base graph's when it was built,
        and the head's in files the change did not touch (they are the same in the base)."""
        sites = [s for s in self._head.importers_of(module) if s.src_path not in self._touched]
        if self._base is not None:
            seen = {(s.src_path, s.line) for s in sites}
            sites += [
                s for s in self._base.importers_of(module) if (s.src_path, s.line) not in seen
            ]
        return tuple(sorted(sites, key=lambda s: (s.src_path, s.line)))
