"""Snapshots: the readable trees on either side of a change (a commit, the index, a patch
applied to HEAD, the work tree, or nothing before the first commit).

Each lists its files and reads blobs lazily, many per git process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from guardrails.git.parse import GITLINK, _Entry, _fsbytes

if TYPE_CHECKING:
    from pathlib import Path

    from guardrails.git.repo import Repo


class EmptySnapshot:
    """The tree before the first commit."""

    label = "empty"

    def paths(self) -> Sequence[str]:
        return ()

    def read(self, path: str) -> bytes | None:
        return None

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {}

    def blob_id(self, path: str) -> str | None:
        return None


class TreeSnapshot:
    """A listing of blobs already in the object database: a commit, the index, a patch."""

    def __init__(self, repo: Repo, label: str, load: Callable[[], dict[str, _Entry]]) -> None:
        self.label = label
        self._repo = repo
        self._load = load
        self._entries: dict[str, _Entry] | None = None
        self._sorted: tuple[str, ...] | None = None
        self._known: dict[str, bytes] = {}  # blob id -> content already read for this tree

    def _files(self) -> dict[str, _Entry]:
        if self._entries is None:
            self._entries = {p: e for p, e in self._load().items() if e.mode != GITLINK}
        return self._entries

    def paths(self) -> Sequence[str]:
        # Listed once per snapshot: the catalog, the claims and the import graph each ask.
        if self._sorted is None:
            self._sorted = tuple(sorted(self._files()))
        return list(self._sorted)  # a copy: callers may keep or change their list

    def mode(self, path: str) -> str | None:
        entry = self._files().get(path)
        return entry.mode if entry else None

    def blob_id(self, path: str) -> str | None:
        entry = self._files().get(path)
        return entry.oid if entry else None

    def read(self, path: str) -> bytes | None:
        return self.read_many([path]).get(path)

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        files = self._files()
        wanted = {p: files[p].oid for p in paths if p in files}
        known = self._known
        missing = [oid for oid in wanted.values() if oid not in known]
        blobs = self._repo.read_blobs(missing) if missing else {}
        return {
            p: found
            for p, oid in wanted.items()
            if (found := known.get(oid, blobs.get(oid))) is not None
        }

    def remember(self, blobs: Mapping[str, bytes]) -> None:
        """Contents already read by blob id (the change's own files, read with its diff): a
        later ``read_many`` of them starts no git process. The same bytes objects, no copy."""
        self._known.update(blobs)


class CommitSnapshot(TreeSnapshot):
    def __init__(
        self,
        repo: Repo,
        sha: str,
        label: str | None = None,
        listing: Callable[[], dict[str, _Entry]] | None = None,
    ) -> None:
        """``listing``: the commit's listing, from an ``ls-tree`` already started (None: one
        is run when the tree is first listed)."""
        super().__init__(repo, label or sha, listing or (lambda: repo.list_tree(sha)))
        self.sha = sha


class WorktreeSnapshot:
    """Tracked files as they are on disk. Untracked files can be read by name, not listed."""

    label = "worktree"

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self._index: dict[str, _Entry] | None = None
        # Set with the index listing: the paths whose disk file may differ from the index
        # (git says so, or is told not to look).
        self._dirty: frozenset[str] = frozenset()
        self._modified: frozenset[str] = frozenset()  # of those, the ones git says so of
        self._paths: tuple[str, ...] | None = None
        self._index_stat: tuple[int, ...] | None = None  # the index file, before listing it
        self._hashed: dict[str, str | None] = {}  # the first blob_id of each dirty path

    def _tracked(self) -> dict[str, _Entry]:
        if self._index is None:
            self._index_stat = _stat(self._repo.index_file())
            listing, unwatched, unstaged = self._repo.list_worktree_index()
            self._dirty = unstaged | unwatched
            self._modified = unstaged
            self._index = {p: e for p, e in listing.items() if e.mode != GITLINK}
        return self._index

    def volatile(self, path: str) -> bool:
        """The file's id is a hash of what is on the disk when asked (git says it is
        modified, or does not look at it): its content may differ from one question to the
        next, so work that reads it later than it asked for its id must ask again."""
        self._tracked()
        return path in self._dirty

    def unchanged(self) -> bool:
        """The work tree is still the one this snapshot listed, as a new listing would say
        (every path and blob id the same), without listing the index again: the index file
        is the same file, git's stat check finds the same files modified, and every file
        read from the disk (those, and the ones git does not look at) hashes as before.
        False when it cannot tell (the index was rewritten, even with the same entries)."""
        if self._index is None:
            return True  # nothing was listed, nothing can have changed under it
        index = self._repo.index_file()
        if _stat(index) != self._index_stat or self._repo.modified() != self._modified:
            return False
        if not all(self._disk_id(p) == self._hashed.get(p) for p in self._dirty):
            return False
        # The index rewritten while git compared the disk with it: that was another index.
        return _stat(index) == self._index_stat

    def _disk(self, path: str) -> bytes | None:
        parts = path.split("/")
        if not path or path.startswith("/") or ".." in parts or parts[0] == ".git":
            return None
        return os.path.join(_fsbytes(str(self._repo.root)), _fsbytes(path))

    def paths(self) -> Sequence[str]:
        # A tracked file is on disk unless git found it changed (or does not look): only those
        # are looked up here, not every file (django: 6,900 lstat calls, ~25 ms a run).
        if self._paths is None:
            tracked = self._tracked()
            dirty = self._dirty
            self._paths = tuple(
                sorted(
                    p for p in tracked if p not in dirty or os.path.lexists(self._disk(p) or b"")
                )
            )
        return list(self._paths)

    def read(self, path: str) -> bytes | None:
        disk = self._disk(path)
        try:
            if disk is None:
                return None
            if os.path.islink(disk):
                return os.readlink(disk)
            with open(disk, "rb") as fh:
                return fh.read()
        except OSError:  # absent, a directory, unreadable: not a file of this tree
            return None

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        found = {p: self.read(p) for p in paths}
        return {p: data for p, data in found.items() if data is not None}

    def blob_id(self, path: str) -> str | None:
        """The index's id for a file git says is unchanged on disk; else the disk's content
        hashed (modified files, and those git is told not to look at: ``--assume-unchanged``,
        ``--skip-worktree``). Past that, git's own stat check decides, as for ``git status``."""
        entry = self._tracked().get(path)
        if entry is not None and path not in self._dirty:
            return entry.oid
        # Hashed on each question (a stage reads the file beside its id: the two should name
        # the same content), and the first answer kept: unchanged() compares the disk with the
        # content the snapshot's listing was digested from, not with a later one.
        found = self._disk_id(path)
        self._hashed.setdefault(path, found)
        return found

    def _disk_id(self, path: str) -> str | None:
        data = self.read(path)
        return None if data is None else self._repo.hash_blob(data)


def _stat(path: Path) -> tuple[int, ...] | None:
    """What tells one version of a file from another, as git's own index check does."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
