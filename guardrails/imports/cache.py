"""Extraction results cached by git blob id (content), under the repository's git directory.

One file per (cache version, Python version): a header line, a checksum, then a ``marshal``
payload ``{blob_id: RawExtraction}``. ``marshal`` is the fastest loader in the stdlib for plain
tuples and, unlike pickle, cannot run code. Writers merge with what is on disk, write a temp
file in the same directory and ``os.replace`` it, so readers see either the old or the new
file, never half of one; two concurrent writers can lose each other's *new* entries (the
next run re-reads those few files) but never corrupt the cache. A file that fails its
checksum, or comes from another version, is ignored and rewritten.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import marshal
import operator
import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from guardrails.atomic import write_atomically
from guardrails.errors import Problem
from guardrails.imports.extract import PYTHON_TAG, RawExtraction

if TYPE_CHECKING:
    from guardrails.imports.build import ImportEdge, Resolved

# Bump whenever extract_raw's output changes for the same input.
CACHE_VERSION = 1
_MAGIC = f"guardrails-imports v{CACHE_VERSION} {PYTHON_TAG}\n".encode()
_DIGEST = 16
# Old blobs (other branches, older revisions) are kept up to this many entries beyond what
# the current tree uses, so switching branches stays warm without growing forever.
_KEEP_EXTRA = 50_000


class ExtractionCache:
    def __init__(self, directory: Path | None) -> None:
        self.path = None if directory is None else directory / f"imports-{PYTHON_TAG}.cache"
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
        head = len(_MAGIC)
        payload = blob[head + _DIGEST :]
        if (
            blob[:head] != _MAGIC
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
            write_atomically(self.path, _MAGIC + digest + payload, prefix=".imports-")
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


class ResolvedCache:
    """Each file's resolved imports, per (module index, path, blob): a warm build only
    assembles them. One entry per module index (the source roots and the set of Python
    paths, which is all resolution reads besides the file itself), in the entry store
    (:mod:`guardrails.cache.store`: checksummed, versioned, written atomically); a file whose
    blob changed is resolved again, the others are reused.
    """

    def __init__(self, directory: Path | None, roots: Sequence[str], py_files: Sequence[str]):
        from guardrails.cache.store import EntryStore, key
        from guardrails.imports.build import ImportEdge

        self._edge = ImportEdge

        self.store = None if directory is None else EntryStore(directory)
        digest = hashlib.blake2b(digest_size=20)
        for p in py_files:
            digest.update(p.encode("utf-8", "surrogateescape") + b"\0")
        self.key = key("resolved-imports", CACHE_VERSION, tuple(roots), digest.hexdigest())
        self.old: dict[str, Any] = {}
        if self.store is not None:
            found = self.store.get("imports", self.key)
            if isinstance(found, dict):
                self.old = found
        self.new: dict[str, Any] = {}
        self.changed = False

    def get(self, path: str, blob: str) -> Resolved | None:
        raw = self.old.get(path)
        if not (isinstance(raw, tuple) and len(raw) == 4 and raw[0] == blob):
            return None
        try:
            edges = tuple(self._edge(*e) for e in raw[1])
            problems = tuple(Problem(*p) for p in raw[2])
            ambiguous = tuple((m, line, tuple(files)) for m, line, files in raw[3])
        except (TypeError, ValueError):
            return None
        self.new[path] = raw
        return edges, problems, ambiguous

    def put(self, path: str, blob: str, resolved: Resolved) -> None:
        edges, problems, ambiguous = resolved
        self.new[path] = (
            blob,
            tuple(tuple(getattr(e, f.name) for f in dataclasses.fields(e)) for e in edges),
            tuple((p.message, p.path, p.line, p.fix, p.severity) for p in problems),
            ambiguous,
        )
        self.changed = True

    def save(self) -> None:
        if self.store is not None and (self.changed or len(self.new) != len(self.old)):
            # One entry per module index (set of Python paths): keep the recent ones.
            self.store.put("imports", self.key, self.new, keep=32)


class GraphCache:
    """The whole graph's edges and file problems, per (source roots, Python files and their
    blobs): a run where no Python file changed loads one entry and opens no per-file record.

    That is everything the build reads once the roots are known (the module index is the
    roots and the Python paths; each file's imports are its blob's). The roots, their
    problems and the service of each file are worked out on every run (cheap, and the
    services come from the caller's catalog, which this key does not name). Stored in the
    entry store: checksummed, versioned, written atomically, ignored when damaged.
    """

    KIND = "import-graph"
    KEEP = 16  # one entry per state of the Python files: the recent ones stay warm

    def __init__(
        self,
        directory: Path | None,
        roots: Sequence[str],
        py_files: Sequence[str],
        blob_of: Mapping[str, str],
    ) -> None:
        from guardrails.cache.store import EntryStore, key

        self.store = None if directory is None else EntryStore(directory)
        digest = hashlib.blake2b(digest_size=20)
        for p in py_files:
            # A listed file without a blob (gone from disk) is in the module index but has
            # no imports read: it keys as such.
            digest.update(f"{p}\0{blob_of.get(p, '-')}\0".encode("utf-8", "surrogateescape"))
        self.key = key(self.KIND, CACHE_VERSION, PYTHON_TAG, tuple(roots), digest.hexdigest())

    def get(self) -> tuple[tuple[ImportEdge, ...], tuple[Problem, ...]] | None:
        if self.store is None:
            return None
        found = self.store.get(self.KIND, self.key)
        if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], tuple)):
            return None
        try:
            edges = _edges_from_columns(found[0])
            problems = tuple(Problem(*p) for p in found[1])
        except (TypeError, ValueError):
            self.store.rejected += 1
            return None
        return edges, problems

    def put(self, edges: Sequence[ImportEdge], problems: Sequence[Problem]) -> None:
        if self.store is None:
            return
        # Stored by column, each repeated string or tuple one object: marshal writes a
        # repeat as a reference, so localstack's entry is a quarter smaller and loads 2.5x
        # faster than one tuple per edge. Only strings and tuples of strings are shared:
        # 1 == True, and a line number must not come back as a flag (or a flag as a line).
        names = _edge_fields()
        columns = list(zip(*map(operator.attrgetter(*names), edges), strict=True))
        if not columns:
            columns = [() for _ in names]
        shared = [i for i, text in enumerate(_text_fields()) if text]
        same: dict[object, object] = {}
        for i in shared:
            same.update(zip(columns[i], columns[i], strict=True))  # equal values: one object
        for i in shared:
            columns[i] = tuple(map(same.__getitem__, columns[i]))
        value = (
            tuple(columns),
            tuple((p.message, p.path, p.line, p.fix, p.severity) for p in problems),
        )
        self.store.put(self.KIND, self.key, value, keep=self.KEEP)


@functools.cache
def _edge_fields() -> tuple[str, ...]:
    from guardrails.imports.build import ImportEdge

    return tuple(f.name for f in dataclasses.fields(ImportEdge))


@functools.cache
def _text_fields() -> tuple[bool, ...]:
    """Per ImportEdge field: does it hold strings or tuples of them (never ints or bools)?"""
    from guardrails.imports.build import ImportEdge

    return tuple(
        str(f.type) == "str" or str(f.type).startswith("tuple[str")
        for f in dataclasses.fields(ImportEdge)
    )


def _edges_from_columns(columns: tuple[object, ...]) -> tuple[ImportEdge, ...]:
    """The edges of :meth:`GraphCache.put`'s columns.

    ``ImportEdge(...)`` sets its ten frozen fields one ``object.__setattr__`` at a time,
    which was half of loading a remembered graph. The instance's ``__dict__`` filled at once
    is the same object: the class has no ``__post_init__`` and no slots (checked here, so a
    change to it falls back to the constructor rather than build something else).
    """
    from guardrails.imports.build import ImportEdge

    names = _edge_fields()
    if len(columns) != len(names):
        raise ValueError("not the columns of an ImportEdge")
    rows = zip(*columns, strict=True)
    if hasattr(ImportEdge, "__post_init__") or hasattr(ImportEdge, "__slots__"):
        return tuple(ImportEdge(*row) for row in rows)  # pragma: no cover - see above
    new = object.__new__
    out = []
    for row in rows:
        edge = new(ImportEdge)
        edge.__dict__.update(zip(names, row, strict=True))
        out.append(edge)
    return tuple(out)
