"""The file-level import graph of one snapshot, resolved to repository files.

Reads every ``*.py`` blob the cache does not know yet (one ``read_many`` per chunk), extracts
its imports, resolves them through the module index and keeps those that land on repository
files. A file resolved before under the same module index (same source roots, same set of
Python paths) with the same blob is reused as it was (:class:`ResolvedCache`), and when no
Python file changed at all the whole graph's edges are (:class:`GraphCache`). Service
attribution is the caller's ``service_of``; :meth:`ImportGraph.service_edges` rolls file
edges up to service pairs with the evidence kept.
"""

from __future__ import annotations

import operator
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from guardrails.catalog.model import Catalog
from guardrails.changes import Snapshot
from guardrails.errors import Problem
from guardrails.imports.cache import ExtractionCache, GraphCache, ResolvedCache
from guardrails.imports.extract import (
    DYNAMIC,
    IN_FUNCTION,
    TYPE_ONLY,
    WEAK,
    RawExtraction,
    extract_raw,
)
from guardrails.imports.resolve import ModuleIndex, find_source_roots

_CHUNK = 256  # files per read_many call: bounds memory and paces the progress bar


@dataclass(frozen=True, order=True)
class ImportEdge:
    """``src_path`` imports ``module`` (the file ``dst_path``) at ``line``."""

    src_path: str
    line: int
    module: str  # absolute dotted name of the imported module (relative imports resolved)
    names: tuple[str, ...]  # what a `from` import takes from it; () for `import a.b`
    dst_path: str
    type_only: bool
    weak: bool
    dynamic: bool
    statement: str  # the import statement, one line, for explanations
    in_function: bool = False

    @property
    def location(self) -> str:
        return f"{self.src_path}:{self.line}"


@dataclass(frozen=True)
class BuildStats:
    """What a build did; tests and benchmarks assert on it (a one-file change parses one)."""

    files: int  # Python files in the snapshot
    cached: int  # distinct blobs whose imports came from the cache
    parsed: int  # distinct blobs read and parsed in this build
    fallback: int  # of those, parsed by libcst because ast refused them
    seconds: float


@dataclass(frozen=True)
class ImportGraph:
    edges: tuple[ImportEdge, ...]  # sorted; file-level, resolved to repository files
    problems: tuple[Problem, ...]  # parse failures, ambiguous modules, bad relative imports
    roots: tuple[str, ...] = ()  # the source roots used ("" is the repository root)
    # path -> service name, for every Python file the caller's service_of maps
    services: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    stats: BuildStats | None = field(default=None, compare=False)

    def service_edges(
        self, include_type_only: bool = False, include_weak: bool = True
    ) -> dict[tuple[str, str], tuple[ImportEdge, ...]]:
        """``(src_service, dst_service) -> evidence``, same-service and unowned files excluded.

        Defaults match :class:`guardrails.catalog.model.Inference`: type-only imports do not
        count for blast radius, weak (optional) imports do.
        """
        out: dict[tuple[str, str], list[ImportEdge]] = {}
        services = self.services
        for e in self.edges:
            if (e.type_only and not include_type_only) or (e.weak and not include_weak):
                continue
            src, dst = services.get(e.src_path), services.get(e.dst_path)
            if src is None or dst is None or src == dst:
                continue
            out.setdefault((src, dst), []).append(e)
        return {k: tuple(v) for k, v in sorted(out.items())}

    def importers_of(self, module: str) -> tuple[ImportEdge, ...]:
        """Every import of ``module`` (dotted name), e.g. the sites a removed symbol breaks."""
        return tuple(e for e in self.edges if e.module == module)

    def importers_of_path(self, path: str) -> tuple[ImportEdge, ...]:
        """Every import that lands on the file ``path``."""
        return tuple(e for e in self.edges if e.dst_path == path)


_edge_order = operator.attrgetter("src_path", "line", "module", "dst_path", "names")


class _Progress:
    """``\\r``-updated counter on stderr, only on a TTY and only once the build is slow."""

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled and total > 0 and _isatty(self.stream)
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled or time.perf_counter() - self.start < 1.0:
            return
        self.shown = True
        self.stream.write(f"\rguardrails: reading imports {done}/{self.total} files")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def build_import_graph(
    snapshot: Snapshot,
    catalog: Catalog,
    *,
    cache_dir: Path | None,
    service_of: Callable[[str], str | None],
    progress: bool = False,
) -> ImportGraph:
    """The import graph of every ``*.py`` file in ``snapshot``.

    ``cache_dir`` holds the extraction cache, each file's resolved imports and the whole
    graph's edges (e.g. ``<git_dir>/guardrails``; None: no cache).
    ``service_of`` maps a repository path to its service name, or None. Never raises for bad
    input files: they become ``problems``.
    """
    started = time.perf_counter()
    paths = list(snapshot.paths())
    py_files = [p for p in paths if p.endswith(".py")]
    roots, root_problems = find_source_roots(paths, snapshot.read_many, catalog)
    problems: list[Problem] = list(root_problems)

    blob_of: dict[str, str] = {}
    for p in py_files:
        blob = snapshot.blob_id(p)
        if blob is not None:
            blob_of[p] = blob
    # No Python file changed since a build with the same roots: its edges and problems as
    # they were, without opening a per-file record.
    whole = GraphCache(cache_dir, roots, py_files, blob_of)
    remembered = whole.get()
    if remembered is not None:
        edges, file_problems = remembered
        parsed = fallback = 0
        cached = len(set(blob_of.values()))
    else:
        edges, file_problems, parsed, fallback = _build_edges(
            snapshot, cache_dir, roots, py_files, blob_of, progress
        )
        cached = len(set(blob_of.values())) - parsed
        whole.put(edges, file_problems)
    problems.extend(file_problems)
    services: dict[str, str] = {}
    for p in py_files:
        name = service_of(p)
        if name is not None:
            services[p] = name
    return ImportGraph(
        edges=edges,
        problems=tuple(sorted(set(problems), key=Problem.sort_key)),
        roots=roots,
        services=services,
        stats=BuildStats(
            files=len(py_files),
            cached=cached,
            parsed=parsed,
            fallback=fallback,
            seconds=time.perf_counter() - started,
        ),
    )


def _build_edges(
    snapshot: Snapshot,
    cache_dir: Path | None,
    roots: tuple[str, ...],
    py_files: list[str],
    blob_of: dict[str, str],
    progress: bool,
) -> tuple[tuple[ImportEdge, ...], tuple[Problem, ...], int, int]:
    """(sorted edges, the files' problems, blobs parsed, of those parsed by libcst)."""
    # Files resolved before under the same module index are only assembled: a warm build
    # loads neither the extraction cache nor the module index.
    resolved = ResolvedCache(cache_dir, roots, py_files)
    done: dict[str, Resolved] = {}
    for src, blob in blob_of.items():
        hit = resolved.get(src, blob)
        if hit is not None:
            done[src] = hit
    missing = {src: blob for src, blob in blob_of.items() if src not in done}
    todo: dict[str, str] = {}  # blob -> first path with that content
    fallback = 0
    if missing:
        cache = ExtractionCache(cache_dir)
        for p, blob in missing.items():
            if blob not in todo and cache.get(blob) is None:
                todo[blob] = p
        bar = _Progress(len(todo), progress)
        pending = list(todo.items())
        for start in range(0, len(pending), _CHUNK):
            chunk = pending[start : start + _CHUNK]
            data = snapshot.read_many([p for _, p in chunk])
            for blob, p in chunk:
                raw = extract_raw(data.get(p, b""))
                fallback += raw[2] == "libcst"
                cache.put(blob, raw)
            bar.update(start + len(chunk))
        bar.close()
        cache.save(set(blob_of.values()))
        index = ModuleIndex.build(py_files, roots)
        for src, blob in missing.items():
            cached_raw = cache.get(blob)
            if cached_raw is None:  # pragma: no cover - every blob was just put
                continue
            done[src] = _resolve_file(src, cached_raw, index)
            resolved.put(src, blob, done[src])
    resolved.save()

    problems: list[Problem] = []
    edges: list[ImportEdge] = []
    ambiguous: dict[str, tuple[str, int, tuple[str, ...]]] = {}
    for src in blob_of:
        if src not in done:  # pragma: no cover - every file was just resolved
            continue
        file_edges, file_problems, file_ambiguous = done[src]
        edges.extend(file_edges)
        problems.extend(file_problems)
        for module, line, files in file_ambiguous:
            ambiguous.setdefault(module, (src, line, files))
    for module, (src, line, files) in ambiguous.items():
        problems.append(
            Problem(
                f"module {module!r} is claimed by {len(files)} files ({', '.join(files)}); "
                "its imports count as imports of all of them",
                path=src,
                line=line,
                severity="info",
                fix="list the intended source roots in inference.roots in guardrails.yaml",
            )
        )
    edges.sort(key=_edge_order)
    return tuple(edges), tuple(problems), len(todo), fallback


Resolved = tuple[
    tuple[ImportEdge, ...], tuple[Problem, ...], tuple[tuple[str, int, tuple[str, ...]], ...]
]


def _resolve_file(src: str, raw: RawExtraction, index: ModuleIndex) -> Resolved:
    """One file's edges, problems and ambiguous modules (module, line, files), in order."""
    records, error, _ = raw
    problems: list[Problem] = []
    edges: list[ImportEdge] = []
    ambiguous: list[tuple[str, int, tuple[str, ...]]] = []
    if error is not None:
        problems.append(
            Problem(
                f"cannot parse for imports: {error[1]}",
                path=src,
                line=error[0],
                fix="fix the syntax; this file's imports are missing from the graph",
                severity="info",
            )
        )
    for module, names, line, level, flags, statement in records:
        if level:
            absolute = index.absolute(src, module, level)
            if isinstance(absolute, Problem):
                problems.append(replace(absolute, line=line))
                continue
            if absolute is None:  # pragma: no cover - absolute() returns str or Problem
                continue
            module = absolute
        for dst_module, dst_names, files in index.resolve(src, module, names):
            if len(files) > 1:
                ambiguous.append((dst_module, line, tuple(files)))
            for dst in files:
                if dst != src:
                    edges.append(
                        ImportEdge(
                            src,
                            line,
                            dst_module,
                            dst_names,
                            dst,
                            bool(flags & TYPE_ONLY),
                            bool(flags & WEAK),
                            bool(flags & DYNAMIC),
                            statement,
                            bool(flags & IN_FUNCTION),
                        )
                    )
    return tuple(edges), tuple(problems), tuple(ambiguous)
