"""The semantic diff of a changed Python file, remembered per blob pair.

:func:`guardrails.semantic.python.diff_python` is a pure function of the two sides' bytes,
their paths, the change's status and changed lines, and the size limit; the key is a digest
of exactly those (and the running guardrails' fingerprint, see :func:`store.key`). It is the
dominant cost of ``check --base`` on a wide range, and CI re-runs the same range (a re-run,
a new commit on top that leaves most files alone): a second run reads the diffs back.

A miss still gains from earlier runs: each large side's def/class *skeletons* (where each
statement ends and the names it defines, by chunk text digest, see
:class:`guardrails.semantic._segments.Skeleton`) are remembered per side content, so the
next diff of a file whose old side is a version seen before parses only the statements the
change touched. The commit the hook judged is the next commit's base: a file edited commit
after commit is parsed whole once.

The diffs of a few files not remembered yet are started early (:func:`warm`): a forked
child computes and stores them while this process loads the catalog and builds the import
graph, and the first :func:`cached_diffs` waits for it, then reads them back. A child that
cannot start or dies costs only that time: what it did not store is computed here.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from guardrails import forkpool
from guardrails.cache import active
from guardrails.cache.codec import CodecError, Decoder, encode, records_of
from guardrails.cache.store import EntryStore, key
from guardrails.changes import FileChange
from guardrails.semantic import facts
from guardrails.semantic.facts import ModuleDiff

if TYPE_CHECKING:
    from guardrails.semantic._segments import Skeleton, Skeletons

KIND = "diffs"
LIMIT = 20_000  # entries (a few KiB each) kept per repository: enough for many wide ranges
SKELETONS = "skeletons"
SKELETON_LIMIT = 4_000  # one entry per version of a large file (a few KiB each)


@lru_cache(maxsize=1)
def _decoder() -> Decoder:
    return Decoder(records_of(facts))


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.blake2b(data, digest_size=20).hexdigest()


def diff_key(change: FileChange, max_bytes: int) -> str:
    return key(
        "diff",
        change.status,
        change.old_path,
        change.new_path,
        _digest(change.old_data),
        _digest(change.new_data),
        change.added_lines,
        change.removed_lines,
        max_bytes,
    )


def cached_diff(change: FileChange, *, max_bytes: int) -> ModuleDiff:
    """``diff_python(change)``, from the active store when it has it (then stored)."""
    return cached_diffs([change], max_bytes=max_bytes)[0]


# Started early only when the diffs cost well over what the child costs: the fork, this
# process's first writes to the pages it shares with the child, and reading the diffs back
# (~3 ms in all on django's hook, whose ten files, 137 KB of sides, take ~13 ms to diff).
WARM_BYTES = 64 * 1024
_warming: forkpool.Background | None = None


def warm(changes: Sequence[FileChange], *, max_bytes: int) -> None:
    """Start computing and storing the diffs of ``changes`` that the active store lacks, in
    a forked child (see the module docstring). Nothing happens without a store, when the
    diffs are all there, when they are too few bytes to pay for a fork, or when there are
    enough of them for :func:`cached_diffs` to share between workers itself."""
    from guardrails.semantic.parallel import PARALLEL_MIN

    global _warming
    settle()
    store = active()
    if store is None or len(changes) >= PARALLEL_MIN or _size(changes) < WARM_BYTES:
        return  # (the keys of a formatter's 400 files cost ~10 ms: not computed for nothing)
    todo = [c for c in changes if not store.has(KIND, diff_key(c, max_bytes))]
    if not todo or _size(todo) < WARM_BYTES:
        return
    _warming = forkpool.background(lambda: cached_diffs(todo, max_bytes=max_bytes))


def _size(changes: Sequence[FileChange]) -> int:
    return sum(len(c.old_data or b"") + len(c.new_data or b"") for c in changes)


def settle(*, cancel: bool = False) -> None:
    """Wait for the child :func:`warm` started, if any (``cancel``: stop it instead, its
    diffs are not wanted)."""
    global _warming
    warming, _warming = _warming, None
    if warming is not None:
        if cancel:
            warming.cancel()
        else:
            warming.wait()


def cached_diffs(changes: Sequence[FileChange], *, max_bytes: int) -> list[ModuleDiff]:
    """The diff of each change, in order: those the active store has read back, the others
    computed together (in worker processes when there are many, see
    :mod:`guardrails.semantic.parallel`) and stored."""
    from guardrails.semantic.parallel import diff_many

    settle()  # what warm() started is stored first
    store = active()
    if store is None:
        return [diff for diff, _ in diff_many([(c, max_bytes, None) for c in changes])]
    out: list[ModuleDiff | None] = []
    misses: list[tuple[int, str]] = []
    for i, change in enumerate(changes):
        k = diff_key(change, max_bytes)
        found = _read_back(store, k)
        out.append(found)
        if found is None:
            misses.append((i, k))
    books = [_skeletons(store, changes[i]) for i, _ in misses]
    jobs = [(changes[i], max_bytes, book) for (i, _), (book, _) in zip(misses, books, strict=True)]
    done = diff_many(jobs)
    for (i, k), (_, missing), (diff, sides) in zip(misses, books, done, strict=True):
        out[i] = diff
        with contextlib.suppress(CodecError):  # a value we cannot encode is simply not cached
            store.put(KIND, k, encode(diff), keep=LIMIT)
        for side, entry in missing.items():
            found_sides = sides.get(side)
            if found_sides:
                store.put(
                    SKELETONS,
                    entry,
                    {d: tuple(s) for d, s in found_sides.items()},
                    keep=SKELETON_LIMIT,
                )
    return [diff for diff in out if diff is not None]


def _read_back(store: EntryStore, k: str) -> ModuleDiff | None:
    raw = store.get(KIND, k)
    if raw is None:
        return None
    try:
        value = _decoder()(raw)
    except (CodecError, TypeError, ValueError):
        store.rejected += 1
        return None
    if isinstance(value, ModuleDiff):
        return value
    store.rejected += 1
    return None


def _skeletons(store: EntryStore, change: FileChange) -> tuple[Skeletons, dict[str, str]]:
    """The skeletons remembered for the change's large sides, and the entry key of each large
    side that has none yet (to store what the diff reads of it)."""
    from guardrails.semantic._segments import SKELETON_BYTES, Skeletons

    known: dict[str, Skeleton] = {}
    missing: dict[str, str] = {}
    new = change.link_source if change.link_source is not None else change.new_data
    for side, data in (("old", change.old_data), ("new", new)):
        if data is None or len(data) < SKELETON_BYTES:
            continue
        entry = key(SKELETONS, _digest(data))
        raw = store.get(SKELETONS, entry)
        found = _skeleton_entry(raw)
        if found is None:
            if raw is not None:
                store.rejected += 1
            missing[side] = entry
        else:
            known.update(found)
    return Skeletons(known), missing


def _skeleton_entry(raw: object) -> dict[str, Skeleton] | None:
    """A stored side's skeletons, or None unless every item has exactly the stored shape."""
    from guardrails.semantic._segments import Skeleton

    if not isinstance(raw, dict):
        return None
    out: dict[str, Skeleton] = {}
    for digest, value in raw.items():
        if not (
            isinstance(digest, str)
            and isinstance(value, tuple)
            and len(value) == 3
            and type(value[0]) is int
            and type(value[1]) is int
            and isinstance(value[2], tuple)
            and all(isinstance(n, str) for n in value[2])
        ):
            return None
        out[digest] = Skeleton(*value)
    return out
