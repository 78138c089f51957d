"""Which graph nodes a change touches directly, and which files no one owns.

A file belongs to the services whose ``paths`` claim it. It also touches a resource when it
is that resource's schema file *and the declared class changed*, or its flag file *and that
flag key's definition changed* (DESIGN §10): a one-line edit to an unrelated class in
``schemas.py`` must not page every consumer of the topic. Rollout files belong to the service
whose paths cover them or that their ``service:`` field names.

Deleted files map through the base catalog, renamed files through both, the rest through the
head catalog (DESIGN §5).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from guardrails.catalog.model import Catalog, FileSource
from guardrails.catalog.paths import LazyPattern
from guardrails.changes import ADDED, DELETED, RENAMED, ChangeSet, FileChange, decode, is_binary

if TYPE_CHECKING:
    from guardrails.impact import Touch, TouchedFile

ServicesOf = Callable[[str], Sequence[str]]  # path -> service names claiming it
# (flag file source, path, text) -> key -> definition; None when the text cannot be read.
# The flag parsers live in guardrails.semantic (a higher layer): the engine passes them in.
FlagReader = Callable[[FileSource, str, str], Mapping[str, object] | None]
# path -> (team ids of its CODEOWNERS owners, the owners as CODEOWNERS writes them)
OwnersOf = Callable[[str], tuple[Sequence[str], Sequence[str]]]


def glob_match(pattern: str, path: str) -> bool:
    """Config file patterns (`deploy/**/rollout.yaml`): the same gitignore semantics as
    service paths (catalog.paths); a pattern that cannot compile matches nothing."""
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return pattern == path
    # Asked of every changed file: decided without the regex where the pattern's shape allows
    # (`*.json`), or ruled out by what every match holds (`deploy/**/rollout.yaml` asked of
    # README.md), so a commit that holds no such file compiles nothing and imports no
    # pathspec (~40 ms).
    return _pattern(pattern).matches(path)


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> LazyPattern:
    return LazyPattern(pattern)


@dataclass
class FileMap:
    """Path -> node claims for one revision's catalog."""

    catalog: Catalog
    services_of: ServicesOf
    owners_of: OwnersOf = lambda _path: ((), ())
    # path -> flag node ids its content defines (this revision): what a path-only change
    # (`guardrails affected config/flags.json`) touches.
    flag_nodes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Without a reader, a changed flag file touches every flag it declares (as if unreadable).
    read_flags: FlagReader | None = None
    _by_schema: dict[str, list[str]] = field(default_factory=dict, init=False)
    _by_file: dict[str, list[str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for res in self.catalog.resources.values():
            if res.schema_path:
                self._by_schema.setdefault(res.schema_path, []).append(res.id)
            if res.file:
                self._by_file.setdefault(res.file, []).append(res.id)

    def source_for(self, path: str, sources: Sequence[FileSource]) -> FileSource | None:
        return next((s for s in sources if glob_match(s.path, path)), None)

    def claims(self, path: str, fc: FileChange | None) -> set[str]:
        """Node ids the file at ``path`` touches, given the change to it (None: assume all)."""
        nodes = {f"service:{s}" for s in self.services_of(path)}
        for rid in self._by_schema.get(path, ()):
            res = self.catalog.resources[rid]
            if fc is None or _class_changed(fc, res.schema_class):
                nodes.add(rid)
        flag_source = self.source_for(path, self.catalog.flags)
        declared = {rid for rid in self._by_file.get(path, ()) if rid.startswith("flag:")}
        for rid in self._by_file.get(path, ()):
            if rid.startswith("flag:") and flag_source is not None:
                continue  # decided per key below
            nodes.add(rid)
        if flag_source is not None:
            keys = (
                _changed_flag_keys(fc, flag_source, self.read_flags)
                if fc is not None and self.read_flags is not None
                else None
            )
            if keys is None:  # unparseable, or no content: every flag of the file
                nodes.update(declared)
                nodes.update(self.flag_nodes.get(path, ()))
                if fc is not None and self.read_flags is not None:
                    nodes.update(
                        f"flag:{k}" for k in _all_flag_keys(fc, flag_source, self.read_flags)
                    )
            else:
                nodes.update(f"flag:{k}" for k in keys)
        rollout = self.source_for(path, self.catalog.rollouts)
        if rollout is not None and fc is not None:
            named = _rollout_service(fc, path, rollout.kind)
            if named and named in self.catalog.services:
                nodes.add(f"service:{named}")
        return nodes


def touch(changes: ChangeSet, head: FileMap, base: FileMap | None = None) -> Touch:
    # A change's records: a world's file map is loaded by `graph` too, which has no change.
    from guardrails.impact import Touch, TouchedFile

    nodes: dict[str, set[str]] = {}
    owner_teams: set[str] = set()
    unowned: set[str] = set()
    files: list[TouchedFile] = []
    for fc in changes.files:
        sides: list[tuple[str, FileMap]] = []
        if fc.status == DELETED:
            sides.append((fc.old_path or fc.path, base or head))
        elif fc.status == RENAMED:
            sides.append((fc.old_path or fc.path, base or head))
            sides.append((fc.new_path or fc.path, head))
        else:
            sides.append((fc.path, head))
        content = fc if changes.mode != "paths" else None
        file_nodes: set[str] = set()
        file_owners: Sequence[str] = ()
        for path, fmap in sides:
            claimed = fmap.claims(path, content)
            file_nodes |= claimed
            for node in claimed:  # each side lists the path it has: a move names both
                nodes.setdefault(node, set()).add(path)
            teams, owners = fmap.owners_of(path)
            file_owners = owners  # the last side is the one the file has after the change
            if not claimed:
                # DESIGN §10: unowned = no node and no CODEOWNERS rule claims it. An owner
                # that is a person, not a declared team, still owns the file.
                owner_teams.update(teams)
                if not owners:
                    unowned.add(path)
        files.append(
            TouchedFile(fc.path, fc.status, tuple(sorted(file_nodes)), tuple(sorted(file_owners)))
        )
    return Touch(
        nodes={n: tuple(sorted(f)) for n, f in sorted(nodes.items())},
        codeowner_teams=tuple(sorted(owner_teams)),
        unowned_files=tuple(sorted(unowned)),
        files=tuple(sorted(files, key=lambda f: f.path)),
    )


# -- content facts: did the declared class / flag key really change? ---------------------------
def _text(data: bytes | None) -> str | None:
    return None if data is None or is_binary(data) else decode(data)


def _class_dump(source: str | None, name: str | None) -> str | None:
    """The declared class's AST (comments and formatting ignored); ``Outer.Inner`` walks in."""
    if source is None or name is None:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return "<unparseable>"
    body: list[ast.stmt] = tree.body
    found: ast.ClassDef | None = None
    for part in name.split("."):
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if found is None:
            return None
        body = found.body
    return None if found is None else ast.dump(found, include_attributes=False)


def _class_changed(fc: FileChange, name: str | None) -> bool:
    if name is None or fc.status in (ADDED, DELETED):
        return True
    old, new = _class_dump(_text(fc.old_data), name), _class_dump(_text(fc.new_data), name)
    return old != new or old == "<unparseable>"


def _flag_definitions(
    data: bytes | None, source: FileSource, path: str | None, read: FlagReader
) -> Mapping[str, object] | None:
    """key -> definition of every flag in one side of a flag file; None when unparseable."""
    text = _text(data)
    if text is None or path is None:
        return {}
    return read(source, path, text)


def _changed_flag_keys(fc: FileChange, source: FileSource, read: FlagReader) -> set[str] | None:
    """DESIGN §10: a flag file marks changed only the keys whose definition changed."""
    old = _flag_definitions(fc.old_data, source, fc.old_path, read)
    new = _flag_definitions(fc.new_data, source, fc.new_path, read)
    if old is None or new is None:
        return None
    return {k for k in old.keys() | new.keys() if old.get(k, _MISSING) != new.get(k, _MISSING)}


_MISSING = object()


def _all_flag_keys(fc: FileChange, source: FileSource, read: FlagReader) -> set[str]:
    keys: set[str] = set()
    for data, side in ((fc.old_data, fc.old_path), (fc.new_data, fc.new_path)):
        keys.update(_flag_definitions(data, source, side, read) or {})
    return keys


_ROLLOUT_OBJECTS = {"argo-rollout": "Rollout", "flagger": "Canary", "kubernetes": "Deployment"}


def _rollout_service(fc: FileChange, path: str, kind: str = "guardrails") -> str | None:
    """The service a rollout file names (either side of the change): a guardrails file's
    `service:`, else the `metadata.name` of its Rollout / Canary / Deployment object, also in
    a multi-document stream (an Argo Rollout next to its Service)."""
    import yaml

    wanted = _ROLLOUT_OBJECTS.get(kind)
    for data in (fc.new_data, fc.old_data):
        text = _text(data)
        if not text:
            continue
        try:
            docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue
        for doc in docs:
            svc = doc.get("service")
            if isinstance(svc, str):
                return svc
            if wanted is not None and doc.get("kind") != wanted:
                continue
            meta = doc.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                return str(meta["name"])
    return None


__all__ = ["FileMap", "glob_match", "touch"]
