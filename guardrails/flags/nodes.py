"""The flag nodes and flag-read edges of one snapshot.

Every key a flag file defines becomes ``flag:<key>``. Its owner: the declared resource's
(``resources: {"flag:new-ranker": {owner: ranking}}``), else the ``flags:`` entry's
``owner``, else the CODEOWNERS owner of the file. A service whose code reads the key (see
:mod:`guardrails.flags.reads`) depends on the flag: ``service:ranker -> flag:new-ranker``,
with the reading line as the edge's evidence, so a flag change reaches its readers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Protocol

import msgspec

from guardrails.catalog.model import Catalog, FileSource, Origin
from guardrails.changes import Snapshot, decode, is_binary
from guardrails.filemap import glob_match
from guardrails.flags.cache import ReadCache
from guardrails.flags.reads import FlagRead, find_reads
from guardrails.graph import READS_FLAG, Evidence
from guardrails.semantic.flags import Flag, read_flags
from guardrails.semantic.structured import Malformed

_CHUNK = 256
MAX_BYTES = 2_000_000


class FlagGraph(msgspec.Struct, frozen=True):
    # node id -> (owner team name or None, where the key is defined)
    nodes: dict[str, tuple[str | None, Origin]] = msgspec.field(default_factory=dict)
    edges: tuple[tuple[str, str, Evidence], ...] = ()
    reads: tuple[FlagRead, ...] = ()  # of every literal key, flag file or not
    parsed: int = 0  # files read and searched in this build (the rest came from the cache)


def flag_files(paths: Sequence[str], sources: Sequence[FileSource]) -> list[tuple[str, FileSource]]:
    out = []
    for path in paths:
        source = next((s for s in sources if glob_match(s.path, path)), None)
        if source is not None:
            out.append((path, source))
    return out


def flags_of(path: str, source: FileSource, data: bytes | None) -> dict[str, Flag]:
    if data is None or is_binary(data) or len(data) > MAX_BYTES:
        return {}
    found = read_flags(source.kind, path, decode(data))
    return {} if isinstance(found, Malformed) else found


class FileImport(Protocol):
    """An import statement landing on a repository file (guardrails.imports.ImportEdge)."""

    @property
    def src_path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def names(self) -> tuple[str, ...]: ...
    @property
    def dst_path(self) -> str: ...
    @property
    def statement(self) -> str: ...


class FlagNodes(msgspec.Struct, frozen=True):
    """The keys the flag files define: what a change to a flag file touches (read first,
    and cheaply; who reads each key is :func:`flag_graph`'s work, and only asked for when
    the blast radius or a rule needs it)."""

    # node id -> (owner team name or None, where the key is defined)
    nodes: dict[str, tuple[str | None, Origin]] = msgspec.field(default_factory=dict)
    keys_in: dict[str, frozenset[str]] = msgspec.field(default_factory=dict)  # constants module
    absl_keys: frozenset[str] = frozenset()
    flag_paths: frozenset[str] = frozenset()


def flag_nodes(
    snapshot: Snapshot,
    catalog: Catalog,
    owners_of: Callable[[str], tuple[Sequence[str], Sequence[str]]],
) -> FlagNodes:
    files = flag_files(snapshot.paths(), catalog.flags)
    contents = snapshot.read_many([p for p, _ in files]) if files else {}
    nodes: dict[str, tuple[str | None, Origin]] = {}
    keys_in: dict[str, frozenset[str]] = {}  # python-constants module -> its keys
    absl_keys: set[str] = set()
    for path, source in files:
        defined = flags_of(path, source, contents.get(path))
        if source.kind == "python-constants":
            keys_in[path] = frozenset(defined)
        elif source.kind == "absl":
            absl_keys.update(defined)
        for key, flag in sorted(defined.items()):
            node = f"flag:{key}"
            if node in nodes:
                continue
            declared = catalog.resources.get(node)
            owner = declared.owner if declared is not None else None
            if owner is None:
                owner = source.owner or flag.owner
            if owner is None:
                teams = owners_of(path)[0]
                owner = teams[0].removeprefix("team:") if teams else None
            nodes[node] = (owner, Origin(path, flag.line))
    return FlagNodes(nodes, keys_in, frozenset(absl_keys), frozenset(p for p, _ in files))


def flag_graph(
    snapshot: Snapshot,
    catalog: Catalog,
    services_of: Callable[[str], Sequence[str]],
    owners_of: Callable[[str], tuple[Sequence[str], Sequence[str]]],
    imports: Sequence[FileImport] = (),
    cache_dir: Path | None = None,
    defined: FlagNodes | None = None,
) -> FlagGraph:
    """``defined``: :func:`flag_nodes` of the same snapshot and catalog, when read already."""
    if defined is None:
        defined = flag_nodes(snapshot, catalog, owners_of)
    nodes, keys_in, absl_keys = defined.nodes, defined.keys_in, defined.absl_keys
    flag_paths = defined.flag_paths
    keys = {n.removeprefix("flag:") for n in nodes}
    keys.update(r.removeprefix("flag:") for r in catalog.resources if r.startswith("flag:"))
    custom = tuple(sorted({r for s in catalog.flags for r in s.readers}))
    paths = snapshot.paths()
    code = [p for p in paths if p.endswith(".py") and p not in flag_paths and services_of(p)]
    reads: list[FlagRead] = []
    cache = ReadCache(cache_dir, [*custom, "", *sorted(absl_keys)])
    blobs = {p: snapshot.blob_id(p) for p in code}
    todo = []
    for path in code:
        cached = cache.get(blobs[path], path)
        if cached is None:
            todo.append(path)
        else:
            reads.extend(cached)
    for i in range(0, len(todo), _CHUNK):
        chunk = todo[i : i + _CHUNK]
        for path, data in snapshot.read_many(chunk).items():
            found: list[FlagRead] = []
            if len(data) <= MAX_BYTES and not is_binary(data):
                # Every literal key is kept: a key the change deletes from its flag file is
                # still read by this code (the engine links it, see read_edges).
                found = find_reads(path, data, None, custom, absl_keys)
            cache.put(blobs[path], found)
            reads.extend(found)
    cache.save({b for b in blobs.values() if b})
    # A flag module's constants are read by importing them: `from config.flags import
    # NEW_PATH` reads NEW_PATH; importing the module itself (`import config.flags`, `from
    # config import flags`) may read any of them.
    for imp in imports:
        module_keys = keys_in.get(imp.dst_path)
        if not module_keys or imp.src_path in flag_paths:
            continue
        named = set(imp.names) & module_keys
        for key in sorted(named or module_keys):
            reads.append(FlagRead(imp.src_path, imp.line, key, "import", imp.statement))
    reads.sort()
    return FlagGraph(nodes, read_edges(reads, services_of, keys), tuple(reads), len(todo))


def read_edges(
    reads: Sequence[FlagRead],
    services_of: Callable[[str], Sequence[str]],
    keys: Collection[str],
) -> tuple[tuple[str, str, Evidence], ...]:
    """``service -> flag:<key>`` edges, with the reading line, for the reads of ``keys``."""
    return tuple(
        (
            f"service:{service}",
            f"flag:{read.key}",
            Evidence(READS_FLAG, read.path, read.line, read.text),
        )
        for read in reads
        if read.key in keys
        for service in services_of(read.path)
    )
