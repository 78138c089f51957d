"""A read-only query's output, remembered per the exact tree it was computed from.

``guardrails graph`` prints a pure function of: every listed file of the tree and its
content (the listing's paths and blob ids, modified files hashed as they are on disk), the
files the computation read by name outside the listing (an untracked config, a Backstage
file looked for and not there: their content ids, recorded on the miss and checked on every
hit), the query's options, and this guardrails (the store's fingerprint folds in its
version and its own source files). The key names all of them, so a hit is exactly what a
fresh computation would print, found with one listing of the tree and one entry read:
asking the same question of an unchanged tree costs no stage of the pipeline.

Failures (an unknown ``--focus`` node, an invalid config) raise out of ``compute`` and are
never stored: the user always sees the stage's own message. Nothing goes to stderr on the
way (a progress bar only on a terminal), so a hit prints what a miss printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeGuard

from guardrails.cache import active
from guardrails.cache.reads import RecordingSnapshot, content_id, tree_digest
from guardrails.cache.store import key

if TYPE_CHECKING:
    from guardrails.changes import Snapshot

KIND = "outputs"
# Entries kept: a large repository's JSON graph is ~1 MiB, and a user asks a few shapes of
# a few trees; the least recently written go first.
KEEP = 12


def remembered_output(
    snapshot: Snapshot, query: tuple[object, ...], compute: Callable[[Snapshot], str]
) -> str:
    """``compute(snapshot)``, or the text it gave last time for the same tree and ``query``.

    ``query`` names the command and every option that shapes its output.
    """
    store = active()
    if store is None:
        return compute(snapshot)
    k = key(KIND, query, tree_digest(snapshot))
    raw = store.get(KIND, k)
    listed = frozenset(snapshot.paths())
    if _valid(raw) and all(content_id(snapshot, p, None, listed) == c for p, c in raw[0]):
        return raw[1]
    recorder = RecordingSnapshot(snapshot)
    text = compute(recorder)
    # Listed files are in the key already; what was read by name is checked on each hit.
    unlisted = tuple(sorted((p, c) for p, c in recorder.reads.items() if p not in listed))
    store.put(KIND, k, (unlisted, text), keep=KEEP)
    return text


def _valid(raw: object) -> TypeGuard[tuple[tuple[tuple[str, str], ...], str]]:
    return (
        isinstance(raw, tuple)
        and len(raw) == 2
        and isinstance(raw[0], tuple)
        and all(isinstance(r, tuple) and len(r) == 2 for r in raw[0])
        and isinstance(raw[1], str)
    )
