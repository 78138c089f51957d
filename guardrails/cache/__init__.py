"""Content-addressed caches under the repository's git directory (``.git/guardrails/``).

Every entry is keyed by the ids of the blobs it was built from and the fingerprint of the
running guardrails (its version and its own source files), so an entry is either exactly the
value a fresh computation would give, or it is not found. Nothing is trusted: an entry that
is truncated, fails its checksum, or was written by another version is ignored and rebuilt;
a read-only or full disk only costs speed (see :mod:`guardrails.cache.store`).

The API, for the wiring layer:

- :func:`open_repo` opens the repository and activates its ``.git/guardrails``;
- :func:`activate` ``(git_dir / "guardrails")`` once per run, before the stages run;
  :func:`active` is the store then (None: caching off, e.g. a library caller that never
  activated one);
- :mod:`guardrails.cache.diffs`: ``cached_diff(change, max_bytes=...)`` is
  :func:`guardrails.semantic.python.diff_python` remembered per (old blob, new blob, paths,
  changed lines);
- :mod:`guardrails.cache.world`: the catalog and the file claims of a snapshot, remembered
  per snapshot listing; :class:`guardrails.imports.cache.GraphCache` keeps the import graph
  in the same store, per source roots and Python blobs;
- :mod:`guardrails.cache.outputs`: a read-only query's printed output (``graph``),
  remembered per the tree's listing and blob ids and the files it read by name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardrails.cache.store import EntryStore
    from guardrails.git import Repo

_active: EntryStore | None = None


def activate(directory: Path | None) -> EntryStore | None:
    """Use ``directory`` for this process's caches (None turns them off); returns the store."""
    global _active
    if directory is None:
        _active = None
        return None
    from guardrails.cache.store import EntryStore

    if _active is None or _active.root != directory:
        _active = EntryStore(directory)
    return _active


def active() -> EntryStore | None:
    return _active


def open_repo(path: str = ".") -> Repo:
    """The repository at ``path`` (or above it), with its caches active for this process."""
    from guardrails.git import Repo

    repo = Repo.open(path)
    activate(repo.git_dir / "guardrails")  # semantic diffs and worlds, keyed by content
    return repo
