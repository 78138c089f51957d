"""What a computation read from a snapshot, and what identifies each read's content.

Light on purpose (no catalog, no git import): a remembered result is looked up with these
before any stage of the pipeline is imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guardrails.changes import Snapshot

ABSENT = "absent"


_last_digest: tuple[list[str], str] = ([], "")


def paths_digest(paths: Sequence[str]) -> str:
    """Each path followed by a NUL, hashed. The catalog, the claims and the source roots each
    key a remembered result by the same listing: hashing django's 6,900 paths is ~0.8 ms,
    comparing them with the list hashed last (the same string objects) ~0.03 ms."""
    global _last_digest
    last, digest = _last_digest
    if paths == last and last:
        return digest
    h = hashlib.blake2b(digest_size=20)
    for p in paths:
        h.update(p.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    digest = h.hexdigest()
    _last_digest = (list(paths), digest)
    return digest


def tree_digest(snapshot: Snapshot) -> str:
    """Every listed path of ``snapshot`` and the id of its content (its blob id)."""
    h = hashlib.blake2b(digest_size=20)
    for p in snapshot.paths():
        h.update(f"{p}\0{snapshot.blob_id(p) or ABSENT}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class RecordingSnapshot:
    """A Snapshot that remembers which files were read, and what each one held (its id)."""

    def __init__(self, inner: Snapshot) -> None:
        self.inner = inner
        self.label = inner.label
        self._listed: frozenset[str] | None = None
        self.reads: dict[str, str] = {}

    def paths(self) -> Sequence[str]:
        return self.inner.paths()

    def _note(self, path: str, data: bytes | None) -> None:
        if path not in self.reads:
            self.reads[path] = content_id(self.inner, path, data, self.listing())

    def listing(self) -> frozenset[str]:
        if self._listed is None:
            self._listed = frozenset(self.inner.paths())
        return self._listed

    def read(self, path: str) -> bytes | None:
        data = self.inner.read(path)
        self._note(path, data)
        return data

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        found = self.inner.read_many(paths)
        for p in paths:
            self._note(p, found.get(p))
        return found

    def blob_id(self, path: str) -> str | None:
        self._note(path, None if path in self.listing() else self.inner.read(path))
        return self.inner.blob_id(path)

    def volatile(self, path: str) -> bool:
        """As the inner snapshot says (a work tree's modified files; nothing else)."""
        check = getattr(self.inner, "volatile", None)
        return bool(check(path)) if callable(check) else False


def content_id(
    snapshot: Snapshot, path: str, data: bytes | None, listed: frozenset[str] | None = None
) -> str:
    """What identifies ``path``'s content in ``snapshot``: its blob id when the listing has
    it, else a digest of what a read gives (a file read by name: an untracked config)."""
    if listed is None or path in listed:
        blob = snapshot.blob_id(path)
        if blob is not None:
            return blob
    if data is None:
        data = snapshot.read(path)
    return ABSENT if data is None else "b2:" + hashlib.blake2b(data, digest_size=20).hexdigest()
