"""The file-level import graph of one snapshot, resolved to repository files.

Reads every ``*.py`` blob the cache does not know yet (one ``read_many`` per chunk), extracts
its imports, resolves them through the module index and keeps those that land on repository
files. When no Python file changed the whole graph is remembered (:class:`GraphCache`); when
some did, the last graph with the same module index (same source roots, same list of Python
paths) is the start, and only the files whose blob differs are read and resolved again
(:func:`~guardrails.imports.edges.advance`). Service attribution is the caller's
``service_of``; :meth:`ImportGraph.service_edges` rolls file edges up to service pairs with
the evidence kept.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import msgspec
from msgspec.structs import replace

from guardrails import forkpool
from guardrails.catalog.model import Catalog
from guardrails.changes import Snapshot
from guardrails.errors import Problem
from guardrails.imports import cold
from guardrails.imports.cache import ExtractionCache, GraphCache, remembered_roots
from guardrails.imports.edges import (
    Columns,
    FileExtras,
    GraphState,
    ImportEdge,
    Resolved,
    advance,
    from_files,
    run_of,
)
from guardrails.imports.extract import (
    DYNAMIC,
    IN_FUNCTION,
    TYPE_ONLY,
    WEAK,
    RawExtraction,
    extract_raw,
)
from guardrails.imports.resolve import ModuleIndex, find_source_roots
from guardrails.nogc import no_gc
from guardrails.records import compared_by, repr_omitting

_CHUNK = 512  # files per read_many call (one cat-file each): bounds memory, paces the bar


class BuildStats(msgspec.Struct, frozen=True):
    """What a build did; tests and benchmarks assert on it (a one-file change parses one)."""

    files: int  # Python files in the snapshot
    cached: int  # distinct blobs whose imports came from the cache
    parsed: int  # distinct blobs read and parsed in this build
    fallback: int  # of those, parsed by libcst because ast refused them
    seconds: float


class ImportGraph(msgspec.Struct, frozen=True):
    edges: tuple[ImportEdge, ...]  # sorted; file-level, resolved to repository files
    problems: tuple[Problem, ...]  # parse failures, ambiguous modules, bad relative imports
    roots: tuple[str, ...] = ()  # the source roots used ("" is the repository root)
    # path -> service name, for every Python file the caller's service_of maps (not shown in
    # the repr); neither it nor the stats is compared or hashed
    services: Mapping[str, str] = msgspec.field(default_factory=dict)
    stats: BuildStats | None = None

    __eq__, __hash__ = compared_by("edges", "problems", "roots")

    def __repr__(self) -> str:
        return repr_omitting(self, ("services",))

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


class _Progress:
    """``\\r``-updated counter on stderr, only on a TTY and only once the build is slow."""

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.offset = 0  # files done before the counted ones started (an early extraction)
        self.enabled = enabled and total > 0 and _isatty(self.stream)
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled or time.perf_counter() - self.start < 1.0:
            return
        self.shown = True
        self.stream.write(f"\rguardrails: reading imports {done + self.offset}/{self.total} files")
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


class EarlyExtraction:
    """The import records of a snapshot's Python blobs, started in a forked child before
    the catalog loads (:func:`start_extraction`): a cold graph's extraction is most of its
    time, and needs nothing the catalog decides."""

    def __init__(self, handle: forkpool.HeadStart, blobs: list[str]) -> None:
        self._handle, self._blobs = handle, blobs

    def take(self) -> dict[str, RawExtraction]:
        """What the child extracted, by blob id (it stops after the chunk it is in)."""
        found = self._handle.take()  # a prefix of the blobs, in order
        return dict(zip(self._blobs[: len(found)], found, strict=True))

    def cancel(self) -> None:
        self._handle.cancel()


# Files a head-start child extracts between two looks at whether it was asked to stop (the
# build waits for the chunk it is in: ~3 ms), and reads at once (one cat-file on a commit).
_EARLY_CHUNK = 16
_EARLY_READ = 256


def start_extraction(snapshot: Snapshot, cache_dir: Path | None) -> EarlyExtraction | None:
    """Start extracting every Python blob of ``snapshot`` in a forked child when its graph is
    cold (:func:`guardrails.imports.cold.is_cold`: the repository's cache remembers nothing
    yet, and there is enough Python to share); else None.

    The child takes the files in order while this process loads the catalog, the file
    claims and the source roots; the build takes what it has done (:meth:`take`) and shares
    the rest as before.
    """
    paths = snapshot.paths()
    if not cold.is_cold(paths, cache_dir):
        return None
    # A work tree's modified files are left to the build, which asks for their id right
    # before it reads them: the child reads long after this, and a file saved meanwhile
    # would have its new imports remembered under the old content's id.
    volatile = getattr(snapshot, "volatile", None)
    jobs: dict[str, str] = {}  # blob -> first path
    for p in paths:
        if p.endswith(".py") and not (callable(volatile) and volatile(p)):
            blob = snapshot.blob_id(p)
            if blob is not None:
                jobs.setdefault(blob, p)
    todo = list(jobs.items())
    # In the child, which is given the files in order, a chunk at a time: the sources of
    # the files read ahead, how many files it was given, and how far they were read.
    read: dict[str, bytes] = {}
    given, ahead = [0], [0]

    def extract(chunk: Sequence[tuple[str, str]]) -> list[RawExtraction]:
        first = given[0]
        if first + len(chunk) > ahead[0]:
            window = todo[first : first + max(_EARLY_READ, len(chunk))]
            read.clear()
            read.update(snapshot.read_many([p for _, p in window]))
            ahead[0] = first + len(window)
        given[0] = first + len(chunk)
        return [extract_raw(read.get(p, b"")) for _, p in chunk]  # as _extract_share does

    handle = forkpool.head_start(extract, todo, _EARLY_CHUNK)
    return None if handle is None else EarlyExtraction(handle, [b for b, _ in todo])


def build_import_graph(
    snapshot: Snapshot,
    catalog: Catalog,
    *,
    cache_dir: Path | None,
    service_of: Callable[[str], str | None],
    progress: bool = False,
    early: EarlyExtraction | None = None,
) -> ImportGraph:
    """The import graph of every ``*.py`` file in ``snapshot``.

    ``cache_dir`` holds the extraction cache and the remembered graph states (e.g.
    ``<git_dir>/guardrails``; None: no cache).
    ``service_of`` maps a repository path to its service name, or None. ``early``: records
    :func:`start_extraction` began on this snapshot (taken, or stopped when not needed).
    Never raises for bad input files: they become ``problems``.
    """
    # Edges, the module index and the stored state: tens of thousands of small objects, no
    # cycle among them (guardrails.nogc).
    try:
        with no_gc():
            return _build(snapshot, catalog, cache_dir, service_of, progress, early)
    finally:
        if early is not None:
            early.cancel()  # taken already, or not needed: this graph was remembered


def _build(
    snapshot: Snapshot,
    catalog: Catalog,
    cache_dir: Path | None,
    service_of: Callable[[str], str | None],
    progress: bool,
    early: EarlyExtraction | None,
) -> ImportGraph:
    started = time.perf_counter()
    paths = list(snapshot.paths())
    py_files = [p for p in paths if p.endswith(".py")]
    roots, root_problems = remembered_roots(
        cache_dir,
        paths,
        snapshot.blob_id,
        catalog,
        lambda: find_source_roots(paths, snapshot.read_many, catalog),
    )

    blob_of: dict[str, str] = {}
    for p in py_files:
        blob = snapshot.blob_id(p)
        if blob is not None:
            blob_of[p] = blob
    # No Python file changed since a build with the same roots: its edges and problems as
    # they were. Else the last state with the same module index, with the files whose blob
    # differs resolved again.
    store = GraphCache(cache_dir, roots, py_files, blob_of)
    state = store.get()
    parsed = fallback = 0
    if state is not None:
        edges = state.edges()
    else:
        state, edges, parsed, fallback = _advance(
            snapshot,
            cache_dir,
            roots,
            py_files,
            store.blobs,
            blob_of,
            store.latest(),
            progress,
            early,
        )
        store.put(state)
    problems = [*root_problems, *state.problems()]
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
            cached=len(set(blob_of.values())) - parsed,
            parsed=parsed,
            fallback=fallback,
            seconds=time.perf_counter() - started,
        ),
    )


# A build that starts from a remembered state parses up to this many new blobs rather than
# load the extraction cache: on localstack that is 1.1 MB, ~9 ms to load and as much again
# to write back, while the fast path parses a file in well under a millisecond.
_PARSE_DIRECTLY = 32


def _advance(
    snapshot: Snapshot,
    cache_dir: Path | None,
    roots: tuple[str, ...],
    py_files: list[str],
    blobs: tuple[str, ...],
    blob_of: dict[str, str],
    base: GraphState | None,
    progress: bool,
    early: EarlyExtraction | None = None,
) -> tuple[GraphState, tuple[ImportEdge, ...], int, int]:
    """The state of ``blobs`` from ``base`` (None: from nothing), its sorted edges, the blobs
    parsed and how many of those libcst parsed."""
    if base is None:
        changed = [p for p, blob in zip(py_files, blobs, strict=True) if blob]
    else:
        changed = [p for p, b, was in zip(py_files, blobs, base.blobs, strict=True) if b != was]
    wanted: dict[str, str] = {}  # blob -> the first changed path with that content
    for p in changed:
        blob = blob_of.get(p)
        if blob is not None:
            wanted.setdefault(blob, p)
    # The new blobs of a few changed files are parsed and not remembered one by one: the
    # state written below remembers their edges, and a build under a new module index
    # (which needs every file's imports) parses them again.
    few = base is not None and len(wanted) <= _PARSE_DIRECTLY
    cache = ExtractionCache(None if few else cache_dir)
    todo = [(blob, p) for blob, p in wanted.items() if cache.get(blob) is None]
    fallback = 0
    bar = _Progress(len(todo), progress)
    early_raws = early.take() if early is not None and todo else {}
    rest = [job for job in todo if job[0] not in early_raws]
    bar.offset = len(todo) - len(rest)
    extracted = dict(zip((b for b, _ in rest), _extract(snapshot, rest, bar), strict=True))
    for blob, _ in todo:
        raw = early_raws[blob] if blob in early_raws else extracted[blob]
        fallback += raw[2] == "libcst"
        cache.put(blob, raw)
    bar.close()
    cache.save(set(blob_of.values()))

    fresh: dict[str, Resolved] = {}
    if wanted:
        # A few files ask the index for a few names: looked up one by one, not built.
        index = (ModuleIndex.lazy if few else ModuleIndex.build)(py_files, roots)
        for p in changed:
            found = cache.get(blob_of.get(p, ""))
            if found is not None:
                fresh[p] = _resolve_file(p, found, index)
    if base is None:
        state, edges = from_files(py_files, blobs, fresh)
        return state, edges, len(todo), fallback
    runs: dict[str, Columns] = {}
    extras: dict[str, FileExtras] = {}
    for p, resolved in fresh.items():
        run, extra = run_of(p, resolved)
        if run[0]:
            runs[p] = run
        if extra is not None:
            extras[p] = extra
    state = advance(base, py_files, blobs, set(changed), runs, extras)
    return state, state.edges(), len(todo), fallback


def _extract(
    snapshot: Snapshot, todo: list[tuple[str, str]], bar: _Progress
) -> list[RawExtraction]:
    """The import records of each (blob, path) in ``todo``, in order.

    Many new blobs (a cold build, a formatter's run) are shared with forked workers
    (:mod:`guardrails.forkpool`): every process reads its own share of the sources (on a
    commit that is a ``cat-file`` of its own, in parallel with the others) and extracts
    them. Fewer are read and extracted here alone: the same records either way.
    """
    workers = forkpool.workers_for(len(todo), cold.EXTRACT_MIN)
    if workers == 1:
        raws = _extract_share(snapshot, todo, bar.update)
    else:
        # Every workers-th file to each process, so that sizes even out.
        shares = [todo[k::workers] for k in range(workers)]
        parent = os.getpid()

        def progress(n: int) -> None:  # this process's share, as a guess at the whole
            bar.update(min(len(todo), n * workers))

        done = forkpool.fork_map(
            lambda share: _extract_share(
                snapshot, share, progress if os.getpid() == parent else None
            ),
            shares,
            workers,
            grain=1,
        )
        raws = [done[i % workers][i // workers] for i in range(len(todo))]  # todo's order
    bar.update(len(todo))
    return raws


def _extract_share(
    snapshot: Snapshot, todo: list[tuple[str, str]], progress: Callable[[int], None] | None
) -> list[RawExtraction]:
    """The import records of each (blob, path) in ``todo``, read a chunk at a time;
    ``progress(n)`` after each chunk (None in a worker: only this process draws the bar)."""
    raws: list[RawExtraction] = []
    for start in range(0, len(todo), _CHUNK):
        chunk = todo[start : start + _CHUNK]
        data = snapshot.read_many([p for _, p in chunk])
        raws += [extract_raw(data.get(p, b"")) for _, p in chunk]
        if progress is not None:
            progress(start + len(chunk))
    return raws


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
