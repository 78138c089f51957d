"""A read-only query's output, remembered per the exact tree it was computed from.

``guardrails graph`` prints a function of: every listed file of the tree and its content
(the listing's paths and blob ids: the index's id where git says the file is unchanged on
disk, the disk's bytes hashed where it is modified or where git is told not to look, with
``--assume-unchanged`` or ``--skip-worktree``), the files the computation read by name
outside the listing (an untracked config, a Backstage file looked for and not there: their
content ids, recorded on the miss and checked on every hit), the query's options, and this
guardrails (the store's fingerprint: its version, its own source files, and the plugins
installed beside it). The key names all of them, so asking the same question of an unchanged
tree lists the tree, reads one entry and prints it, without running a stage.

What it trusts, as ``git status`` does: git's stat check of tracked files (an edit that
keeps a file's size and times, under ``core.trustctime=false`` or ``core.checkStat=minimal``,
is invisible to both). A tree that changes while the query runs is not remembered: the tree
is checked again afterwards and the answer is stored only when it is the same tree (an edit
undone within the same run is the one case this cannot see): for the work tree, the index
file must be the same file, git's stat check must find the same files modified, and every
file hashed from the disk must hash the same (a rewritten index, even with the same entries,
counts as a change: the answer is computed again next time).

Failures (an unknown ``--focus`` node, an invalid config) raise out of ``compute`` and are
never stored: the user always sees the stage's own message. Nothing goes to stderr on the
way (a progress bar only on a terminal), so a hit prints what a miss printed. Like every
entry of the store, an entry is trusted when it is whole and written by this guardrails:
whoever can write ``.git/guardrails`` can make ``graph`` print what they like, as they can
plant any other remembered result (docs/security.md says so, and what CI must do).
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
    tree: Callable[[], Snapshot], query: tuple[object, ...], compute: Callable[[Snapshot], str]
) -> str:
    """``compute(tree())``, or the text it gave last time for the same tree and ``query``.

    ``tree`` gives a fresh snapshot of the tree each call (it is listed again after a miss);
    ``query`` names the command and every option that shapes its output.
    """
    snapshot = tree()
    store = active()
    if store is None:
        return compute(snapshot)
    state = tree_digest(snapshot)
    k = key(KIND, query, state)
    raw = store.get(KIND, k)
    listed = frozenset(snapshot.paths())
    if raw is not None:
        if _valid(raw) and all(content_id(snapshot, p, None, listed) == c for p, c in raw[0]):
            return raw[1]
        if not _valid(raw):
            store.rejected += 1
    recorder = RecordingSnapshot(snapshot)
    text = compute(recorder)
    # Listed files are in the key already; what was read by name is checked on each hit.
    unlisted = tuple(sorted((p, c) for p, c in recorder.reads.items() if p not in listed))
    if _unchanged(snapshot, tree, state):  # the tree did not change under us
        store.put(KIND, k, (unlisted, text), keep=KEEP)
    return text


def _unchanged(snapshot: Snapshot, tree: Callable[[], Snapshot], state: str) -> bool:
    """The tree is still the one ``state`` digests: a work tree checks its index file and
    the files git says are modified (~11 ms on django, most of it git's stat check, where
    listing and digesting it again took ~16 ms); any other tree is listed again."""
    check = getattr(snapshot, "unchanged", None)
    if callable(check):
        return bool(check())
    return tree_digest(tree()) == state


def _valid(raw: object) -> TypeGuard[tuple[tuple[tuple[str, str], ...], str]]:
    return (
        isinstance(raw, tuple)
        and len(raw) == 2
        and isinstance(raw[0], tuple)
        and all(
            isinstance(r, tuple) and len(r) == 2 and all(isinstance(x, str) for x in r)
            for r in raw[0]
        )
        and isinstance(raw[1], str)
    )
