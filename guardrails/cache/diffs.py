"""The semantic diff of a changed Python file, remembered per blob pair.

:func:`guardrails.semantic.python.diff_python` is a pure function of the two sides' bytes,
their paths, the change's status and changed lines, and the size limit; the key is a digest
of exactly those (and the running guardrails' fingerprint, see :func:`store.key`). It is the
dominant cost of ``check --base`` on a wide range, and CI re-runs the same range (a re-run,
a new commit on top that leaves most files alone): a second run reads the diffs back.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import lru_cache

from guardrails.cache import active
from guardrails.cache.codec import CodecError, Decoder, encode, records_of
from guardrails.cache.store import key
from guardrails.changes import FileChange
from guardrails.semantic import facts
from guardrails.semantic.facts import ModuleDiff

KIND = "diffs"
LIMIT = 20_000  # entries (a few KiB each) kept per repository: enough for many wide ranges


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
    from guardrails.semantic.python import diff_python

    store = active()
    if store is None:
        return diff_python(change, max_bytes=max_bytes)
    k = diff_key(change, max_bytes)
    raw = store.get(KIND, k)
    if raw is not None:
        try:
            value = _decoder()(raw)
        except (CodecError, TypeError, ValueError):
            store.rejected += 1
        else:
            if isinstance(value, ModuleDiff):
                return value
            store.rejected += 1
    diff = diff_python(change, max_bytes=max_bytes)
    with contextlib.suppress(CodecError):  # a value we cannot encode is simply not cached
        store.put(KIND, k, encode(diff), keep=LIMIT)
    return diff
