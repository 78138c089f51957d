"""Extraction results cached by git blob id (content), under the repository's git directory.

One file per (cache version, Python version): a header line, a checksum, then a ``marshal``
payload ``{blob_id: RawExtraction}``. ``marshal`` is the fastest loader in the stdlib for plain
tuples and, unlike pickle, cannot run code. Writers merge with what is on disk, write a temp
file in the same directory and ``os.replace`` it, so readers see either the old or the new
file, never half of one; two concurrent writers can lose each other's *new* entries (the
next run re-reads those few files) but never corrupt the cache. A file that fails its
checksum, or comes from another version, is ignored and rewritten.

:class:`GraphCache` keeps the graph of each state of the Python files, whole or as the files
that differ from a whole one, in the entry store (:mod:`guardrails.cache.store`).
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, cast

from guardrails.atomic import write_atomically
from guardrails.catalog.model import Catalog
from guardrails.errors import Problem
from guardrails.imports.cold import PYTHON_TAG, extraction_file
from guardrails.imports.edges import (
    FIELDS,
    GraphState,
    advance,
    is_problem_row,
    problem_row,
    runs_of,
)
from guardrails.imports.extract import RawExtraction

# Bump whenever extract_raw's output changes for the same input.
CACHE_VERSION = 1
_MAGIC = f"guardrails-imports v{CACHE_VERSION} {PYTHON_TAG}\n".encode()
_DIGEST = 16
# Old blobs (other branches, older revisions) are kept up to this many entries beyond what
# the current tree uses, so switching branches stays warm without growing forever.
_KEEP_EXTRA = 50_000
# What extract_raw's output is a function of besides a file's bytes: these sources (their
# content, not their times: a reinstall or a fresh checkout of the same code keeps the cache
# a CI job restores) and the Python (PYTHON_TAG, in the file name and the header).
_EXTRACTOR = ("imports/extract.py", "imports/_extract_cst.py", "pyast.py")


@functools.cache
def _header() -> bytes:
    """The file's first bytes: the format, then a digest of the extractor's own sources: an
    extractor changed by an upgrade or a checkout edit without a CACHE_VERSION bump must not
    be answered by the old one's records."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.blake2b(digest_size=_DIGEST)
    for name in _EXTRACTOR:
        h.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    return _MAGIC + h.digest()


class ExtractionCache:
    def __init__(self, directory: Path | None) -> None:
        self.path = None if directory is None else extraction_file(directory)
        self.entries: dict[str, RawExtraction] = {}
        self.new: dict[str, RawExtraction] = {}
        self.corrupt = False  # the file existed but could not be used (tests assert on it)
        self._seen: tuple[int, int, int] | None = None  # stat of the file we loaded
        if self.path is not None:
            loaded = self._read()
            if loaded is not None:
                self.entries = loaded

    def _read(self) -> dict[str, RawExtraction] | None:
        assert self.path is not None
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                blob = f.read()
        except OSError:
            return None
        self._seen = (st.st_ino, st.st_size, st.st_mtime_ns)
        header = _header()
        head = len(header)
        payload = blob[head + _DIGEST :]
        if (
            blob[:head] != header
            or blob[head : head + _DIGEST] != hashlib.blake2b(payload, digest_size=_DIGEST).digest()
        ):
            self.corrupt = True
            return None
        try:
            # guardrails: ignore[safety.pickle] -- our own cache under .git, checksummed above
            entries = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            self.corrupt = True
            return None
        if not isinstance(entries, dict):
            self.corrupt = True
            return None
        return entries

    def get(self, blob_id: str) -> RawExtraction | None:
        return self.entries.get(blob_id)

    def put(self, blob_id: str, raw: RawExtraction) -> None:
        self.entries[blob_id] = raw
        self.new[blob_id] = raw

    def save(self, used: Collection[str]) -> None:
        """Write new entries (merged with what another process may have written meanwhile)."""
        if self.path is None or (not self.new and not self.corrupt):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            merged = self.entries if self._unchanged_on_disk() else (self._read() or {})
            merged.update(self.new)
            if len(merged) > len(used) + _KEEP_EXTRA:
                merged = {k: merged[k] for k in used if k in merged}
            payload = marshal.dumps(merged, 4)
            digest = hashlib.blake2b(payload, digest_size=_DIGEST).digest()
            write_atomically(self.path, _header() + digest + payload, prefix=".imports-")
        except OSError:
            return  # a read-only git dir: run uncached rather than fail the gate
        self.new.clear()
        self.corrupt = False
        self.entries = merged

    def _unchanged_on_disk(self) -> bool:
        """No other process replaced the file since we read it: skip re-reading it to merge."""
        assert self.path is not None
        try:
            st = self.path.stat()
        except OSError:
            return False
        return self._seen == (st.st_ino, st.st_size, st.st_mtime_ns) and not self.corrupt


class GraphCache:
    """The graph of each state of the Python files, and the newest state of each module index.

    An entry per (source roots, Python paths and their blobs): a run where no Python file
    changed loads it and opens no per-file record (:meth:`get`). A pointer per module index
    (the source roots and the list of Python paths, everything resolution reads besides each
    file's own imports) to the state written last under it (:meth:`latest`): a run where a
    few files changed starts from that state and resolves only them. A state advanced from a
    whole one is stored as the files that differ from it (their blobs, edges and problems:
    25-35 KB for ten of localstack's files, where the whole is 0.66 MB) and rebuilt from it
    when read; past ``DELTA_FILES`` it is stored whole, and becomes the next states' anchor.

    The roots, their problems and the service of each file are worked out on every run
    (cheap, and the services come from the caller's catalog, which these keys do not name).
    Every kind lives in the entry store: checksummed, versioned, written atomically, ignored
    when damaged.

    The entries, all under the same key for one state (a delta is read first, then a whole):

    - whole (``KIND``): ``(index, blobs, columns, extras)``: ``index`` names the path list,
      ``blobs`` has one blob id per path ("" for a listed file gone from disk), ``columns``
      are the edges by field (:data:`guardrails.imports.edges.FIELDS`), sorted by source file,
      and ``extras`` each file's problems and ambiguous modules;
    - delta (``DELTA``): ``(index, anchor_key, positions, blobs, columns, extras)``: the key
      of the whole state it was advanced from (always a whole one, one level deep, under the
      same roots and path list), the strictly increasing positions in the path list of the
      files whose blob differs, their blobs, and the columns and extras of those files only.
      Read, the anchor's runs of edges for those files are replaced (:func:`advance`). A
      delta whose anchor is gone reads as missing, and the whole entry under its key, if
      any, answers; writing a whole state removes a delta under its key, and writing a
      delta marks its anchor as just written, so pruning takes other states first;
    - pointer (``LATEST``): the key of the state written last under the module index.

    A state found under its key is used only if its blobs are this state's (a file copied
    under another key is not this graph); a state met as a start (the pointer's, an anchor)
    only decides which files are resolved again, by its own blobs.
    """

    KIND = "import-graph"  # whole states
    DELTA = "import-delta"  # states as the files that differ from a whole one
    LATEST = "import-latest"
    KEEP = 16  # whole states: the recent ones, and the anchors of recent deltas, stay
    KEEP_DELTA = 64  # one per edit of a few files: a day's commits stay warm
    KEEP_LATEST = 32  # one pointer per module index (set of Python paths)
    # Past this many changed files a state is stored whole (a delta would be most of a whole
    # entry, and reading it costs the anchor too) and anchors the states after it.
    DELTA_FILES = 64

    def __init__(
        self,
        directory: Path | None,
        roots: Sequence[str],
        py_files: Sequence[str],
        blob_of: Mapping[str, str],
    ) -> None:
        from guardrails.cache.store import EntryStore, key

        self.store = None if directory is None else EntryStore(directory)
        self.py_files = py_files
        # A listed file without a blob (gone from disk) is in the module index but has no
        # imports read: "" stands for it.
        self.blobs = tuple(blob_of.get(p, "") for p in py_files)
        # Paths hold no NUL: joined with it, a list has one spelling.
        listing = "\0".join(py_files).encode("utf-8", "surrogateescape")
        self.index = hashlib.blake2b(listing, digest_size=20).hexdigest()
        state = hashlib.blake2b(self.index.encode(), digest_size=20)
        state.update("\0".join(self.blobs).encode())
        self.key = key(self.KIND, CACHE_VERSION, PYTHON_TAG, tuple(roots), state.hexdigest())
        self.latest_key = key(self.LATEST, CACHE_VERSION, PYTHON_TAG, tuple(roots), self.index)

    def get(self) -> GraphState | None:
        """This exact state's graph, or None.

        The entry must hold this state's blobs: a file whole and ours but under another
        state's key (copied, restored from another cache) is not this graph. (A state met
        through :meth:`latest`, or as an anchor, is only a start: its own blobs decide which
        files are resolved again.)
        """
        state = self._load(self.key)
        if state is not None and state.blobs != self.blobs:
            assert self.store is not None
            self.store.rejected += 1
            return None
        return state

    def latest(self) -> GraphState | None:
        """The state written last under this module index, or None."""
        if self.store is None:
            return None
        pointer = self.store.get(self.LATEST, self.latest_key)
        return self._load(pointer) if isinstance(pointer, str) else None

    def put(self, state: GraphState) -> None:
        if self.store is None:
            return
        # Two writers of one state may store it against different anchors: each entry file is
        # written atomically and gives the same state, so either may win the rename.
        delta = self._delta(state)
        # A delta keeps its anchor recently written, so pruning (by write time) takes other
        # whole states first; an anchor already gone means storing this one whole.
        if delta is not None and self.store.touch(self.KIND, cast(str, delta[1])):
            written = self.store.put(self.DELTA, self.key, delta, keep=self.KEEP_DELTA)
        else:
            whole = (self.index, state.blobs, state.columns, state.extras)
            written = self.store.put(self.KIND, self.key, whole, keep=self.KEEP)
            if written:
                # A delta under this key (its anchor pruned) would be read first, found
                # missing, and hide this entry on every run.
                self.store.discard(self.DELTA, self.key)
        if written:
            self.store.put(self.LATEST, self.latest_key, self.key, keep=self.KEEP_LATEST)

    def _delta(self, state: GraphState) -> tuple[object, ...] | None:
        """``state`` as the files that differ from its anchor, or None to store it whole."""
        if state.anchor is None:
            return None
        anchor_key, anchor_blobs = state.anchor
        positions = tuple(
            i for i, (b, a) in enumerate(zip(state.blobs, anchor_blobs, strict=True)) if b != a
        )
        if not positions or len(positions) > self.DELTA_FILES:
            return None
        paths = {self.py_files[i] for i in positions}
        runs = state.runs(paths)
        columns = tuple(
            tuple(chain.from_iterable(runs[p][i] for p in sorted(runs)))
            for i in range(len(FIELDS))
        )
        extras = tuple(e for e in state.extras if e[0] in paths)
        blobs = tuple(state.blobs[i] for i in positions)
        return (self.index, anchor_key, positions, blobs, columns, extras)

    def _load(self, key: str) -> GraphState | None:
        if self.store is None:
            return None
        found = self.store.get(self.DELTA, key)
        if found is not None:
            state = self._from_delta(found)
            if state is not None:
                return state
        return self._whole(self.store.get(self.KIND, key), key)

    def _whole(self, found: object, key: str) -> GraphState | None:
        if found is None:
            return None
        assert self.store is not None
        if not (isinstance(found, tuple) and len(found) == 4 and found[0] == self.index):
            self.store.rejected += 1
            return None
        _, blobs, columns, extras = cast(tuple[str, Any, Any, Any], found)
        if not (
            isinstance(blobs, tuple)
            and len(blobs) == len(self.py_files)
            and _usable(columns, extras)
        ):
            self.store.rejected += 1
            return None
        return GraphState(blobs, columns, extras, (key, blobs))

    def _from_delta(self, found: object) -> GraphState | None:
        assert self.store is not None
        if not (isinstance(found, tuple) and len(found) == 6 and found[0] == self.index):
            self.store.rejected += 1
            return None
        _, anchor_key, positions, blobs, columns, extras = cast(
            tuple[str, Any, Any, Any, Any, Any], found
        )
        size = len(self.py_files)
        if not (
            isinstance(anchor_key, str)
            and isinstance(positions, tuple)
            and all(isinstance(i, int) and 0 <= i < size for i in positions)
            and list(positions) == sorted(set(positions))
            and isinstance(blobs, tuple)
            and len(blobs) == len(positions)
            and all(isinstance(b, str) for b in blobs)
            and _usable(columns, extras)
        ):
            self.store.rejected += 1
            return None
        changed = {self.py_files[i] for i in positions}
        sources = columns[0]
        if not all(isinstance(src, str) for src in sources) or any(
            a > b for a, b in zip(sources, sources[1:], strict=False)
        ):
            self.store.rejected += 1  # runs are found by bisection: never trust unsorted ones
            return None
        runs = runs_of(columns, changed)
        mine = {e[0]: e for e in extras}
        if sum(len(r[0]) for r in runs.values()) != len(columns[0]) or not changed.issuperset(
            mine
        ):
            self.store.rejected += 1  # edges or problems of a file the delta does not name
            return None
        anchor = self._whole(self.store.get(self.KIND, anchor_key), anchor_key)
        if anchor is None:
            return None
        new = list(anchor.blobs)
        for i, blob in zip(positions, blobs, strict=True):
            new[i] = blob
        return advance(anchor, self.py_files, tuple(new), changed, runs, mine)


def _usable(columns: object, extras: object) -> bool:
    """Columns of edges and files' problems as :class:`GraphState` holds them."""
    if not (
        isinstance(columns, tuple)
        and len(columns) == len(FIELDS)
        and all(isinstance(c, tuple) and len(c) == len(columns[0]) for c in columns)
        and isinstance(extras, tuple)
    ):
        return False
    try:
        for path, rows, ambiguous in extras:  # few: checked now, not when read
            if not isinstance(path, str):
                return False
            if not all(is_problem_row(row) for row in rows):
                return False
            for _module, _line, files in ambiguous:
                ", ".join(files)
    except (TypeError, ValueError):
        return False
    return True


ROOTS = "source-roots"
ROOTS_KEEP = 32  # one per path list (and pyproject.toml contents, and service paths)


def remembered_roots(
    directory: Path | None,
    paths: Sequence[str],
    blob_id: Callable[[str], str | None],
    catalog: Catalog,
    find: Callable[[], tuple[tuple[str, ...], tuple[Problem, ...]]],
) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    """``find()`` (the source roots of ``paths`` and their problems), or what it gave for
    the same inputs before: the path list, every ``pyproject.toml``'s content (its blob id)
    and the services' path patterns and declared roots (all ``find`` reads). Finding them
    reads each pyproject.toml (a ``cat-file`` in the hook) and walks every directory: ~8 ms
    of a hook on django, ~2 ms to look up."""
    if directory is None or catalog.inference.roots:
        return find()  # declared roots: nothing to find
    from guardrails.cache.reads import paths_digest
    from guardrails.cache.store import EntryStore, key

    store = EntryStore(directory)
    pyprojects = tuple(
        (p, blob_id(p) or "")
        for p in paths
        if p == "pyproject.toml" or p.endswith("/pyproject.toml")
    )
    patterns = tuple(sorted((name, svc.paths) for name, svc in catalog.services.items()))
    k = key(ROOTS, CACHE_VERSION, paths_digest(paths), pyprojects, patterns)
    found = store.get(ROOTS, k)
    if (
        isinstance(found, tuple)
        and len(found) == 2
        and isinstance(found[0], tuple)
        and all(isinstance(r, str) for r in found[0])
        and isinstance(found[1], tuple)
        and all(is_problem_row(row) for row in found[1])
    ):
        return found[0], tuple(Problem(*row) for row in found[1])
    if found is not None:
        store.rejected += 1
    roots, problems = find()
    store.put(ROOTS, k, (roots, tuple(map(problem_row, problems))), keep=ROOTS_KEEP)
    return roots, problems

