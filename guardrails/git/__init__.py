"""Reading changes from git: the only package in guardrails that runs git.

Every selector (``--staged``, ``--base``/``--head``, ``--patch``, ``PATH...``) becomes a
:class:`Change`: a :class:`~guardrails.changes.ChangeSet` plus readable base and head trees.

Why it looks the way it does:

* All git output is NUL-separated (``-z``) and paths are decoded with ``surrogateescape``, so
  names with spaces, newlines, quotes or bytes that are not UTF-8 survive the round trip.
* Plumbing (``diff-tree``, ``diff-index``) rather than ``git diff``: plumbing ignores the
  user's ``diff.*`` UI config (relative paths, external drivers, algorithms), so CI and a
  laptop see the same diff and give the same verdict.
* The number of git processes does not grow with the number of files. Per operation:

  ========================  ===========================================================
  ``Repo.open``             1  rev-parse (top level, git dirs, object format, prefix)
  ``read_range``            8  rev-parse (base and head), merge-base, then at once:
                               diff-tree (raw records), diff-tree (patch), log, ls-tree
                               of each tree, and cat-file --batch once the records are in
  ``read_staged``           5  rev-parse HEAD, var, diff-index --cached (at once), then
                               cat-file --batch beside ls-files (the index listing,
                               read ahead; none of the last two when nothing is staged;
                               +1 diff-index before the first commit)
  ``read_patch``            7  rev-parse HEAD, read-tree, apply --cached, diff-index,
                               ls-files, cat-file --batch, var (temp index)
  ``read_paths``            2  rev-parse HEAD, ls-files
  snapshots (lazily)        1  ls-tree / ls-files listing unless read ahead (+1 diff-files
                               for the worktree, and another when ``unchanged()`` asks),
                               then 1 cat-file --batch per ``read_many`` (none for the
                               worktree: it reads the disk; none for the files the change's
                               own diff already read)
  ========================  ===========================================================

  An error adds at most one ``rev-parse --is-shallow-repository`` and one ``remote``.

The package, one thing per module: :mod:`~guardrails.git.run` (running git),
:mod:`~guardrails.git.parse` (parsing its output), :mod:`~guardrails.git.links` (module
symlinks), :mod:`~guardrails.git.snapshots` (the readable trees) and
:mod:`~guardrails.git.repo` (the selectors). Commit trailers are parsed
by :mod:`guardrails.trailers` (no git involved), re-exported here.
"""

from __future__ import annotations

from guardrails.git.parse import GITLINK, SYMLINK
from guardrails.git.repo import EMPTY_TREE, SHALLOW_FIX, Change, Repo
from guardrails.git.snapshots import CommitSnapshot, EmptySnapshot, TreeSnapshot, WorktreeSnapshot
from guardrails.trailers import parse_trailers

__all__ = [
    "EMPTY_TREE",
    "GITLINK",
    "SHALLOW_FIX",
    "SYMLINK",
    "Change",
    "CommitSnapshot",
    "EmptySnapshot",
    "Repo",
    "TreeSnapshot",
    "WorktreeSnapshot",
    "parse_trailers",
]
