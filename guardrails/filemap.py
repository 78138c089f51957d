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
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from guardrails.catalog.model import Catalog, FileSource
from guardrails.catalog.paths import compile_pattern
from guardrails.changes import ADDED, DELETED, RENAMED, ChangeSet, FileChange, decode, is_binary
from guardrails.impact import Touch, TouchedFile

ServicesOf = Callable[[str], Sequence[str]]  # path -> service names claiming it
# path -> (team ids of its CODEOWNERS owners, the owners as CODEOWNERS writes them)
OwnersOf = Callable[[str], tuple[Sequence[str], Sequence[str]]]


def glob_match(pattern: str, path: str) -> bool:
    """Config file patterns (`deploy/**/rollout.yaml`): the same gitignore semantics as
    service paths (catalog.paths); a pattern that cannot compile matches nothing."""
    if "*" not in pattern and "?" not in pattern and "[" not in pattern:
        return pattern == path
    regex = _compiled(pattern)
    return regex is not None and regex.match(path) is not None


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    return compile_pattern(pattern)


@dataclass
class FileMap:
    """Path -> node claims for one revision's catalog."""

    catalog: Catalog
    services_of: ServicesOf
    owners_of: OwnersOf = lambda _path: ((), ())
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
        for rid in self._by_file.get(path, ()):
            if rid.startswith("flag:") and flag_source is not None and flag_source.kind == "flagd":
                continue  # decided per key below
            nodes.add(rid)
        if flag_source is not None and flag_source.kind == "flagd":
            keys = _changed_flagd_keys(fc) if fc is not None else None
            declared = {rid for rid in self._by_file.get(path, ()) if rid.startswith("flag:")}
            if keys is None:  # unparseable, or no content: every declared flag of the file
                nodes.update(declared)
            else:
                nodes.update(f"flag:{k}" for k in keys)
        rollout = self.source_for(path, self.catalog.rollouts)
        if rollout is not None and fc is not None:
            named = _rollout_service(fc, path)
            if named and named in self.catalog.services:
                nodes.add(f"service:{named}")
        return nodes


def touch(changes: ChangeSet, head: FileMap, base: FileMap | None = None) -> Touch:
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


def _flagd_flags(data: bytes | None) -> dict[str, object] | None:
    text = _text(data)
    if text is None:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    flags = doc.get("flags") if isinstance(doc, dict) else None
    return flags if isinstance(flags, dict) else {}


def _changed_flagd_keys(fc: FileChange) -> set[str] | None:
    old, new = _flagd_flags(fc.old_data), _flagd_flags(fc.new_data)
    if old is None or new is None:
        return None
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def _rollout_service(fc: FileChange, path: str) -> str | None:
    """The `service:` a guardrails rollout file names (either side of the change)."""
    import yaml

    for data in (fc.new_data, fc.old_data):
        text = _text(data)
        if not text:
            continue
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict):
            svc = doc.get("service")
            if isinstance(svc, str):
                return svc
            meta = doc.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                return str(meta["name"])
    return None


__all__ = ["FileMap", "glob_match", "touch"]
