"""One file per entry, written atomically, read only when it proves itself whole and ours.

Layout: ``<root>/<kind>/<key[:2]>/<key>``, where ``key`` is a hex digest the caller derives
from everything the value depends on. A file is ``MAGIC``, the fingerprint of the running
guardrails (fixed length), a blake2b checksum of the payload, then the payload. A reader
compares all three before it looks at the payload, so a truncated file, a torn or corrupted
one, or one written by another version of guardrails reads as missing; the next writer
replaces it.

Writers write a temp file in the same directory and ``os.replace`` it over the entry: a
reader sees the old file or the new one, never half of one, and two concurrent writers of
the same key write the same bytes (the key names the inputs), so either may win. Every
``OSError`` (read-only git dir, full disk, a directory where a file should be) turns the
cache off for that call only: the gate runs uncached rather than fail.

Values are encoded by :mod:`guardrails.cache.codec` into plain data and stored with
``marshal``, which builds only plain values and runs no code, unlike pickle: a cache that
CI restores from a shared store must not be a way to run code in the gate.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, cast

import guardrails
from guardrails.atomic import write_atomically

MAGIC = b"guardrails-cache 1\n"
_DIGEST = 16
_fingerprint: bytes | None = None


def fingerprint() -> bytes:
    """16 bytes naming this guardrails: its version, the Python, its own files (source,
    built-in policy packs, the config schema) and the plugins installed beside it (rule and
    policy entry points, with their distributions' versions).

    Installed from a wheel, its files are named by the install's ``RECORD`` (the sha256 of
    every file the wheel installed): the same release installed again, as every CI job's
    fresh ``pip install`` does, keeps the entries a restored cache holds. A source checkout
    or an editable install has no such record: there the files' sizes and mtimes stand for
    their content, so any edit gives new keys. Either way an upgrade, an edit or a plugin
    installed or removed makes old entries read as foreign. Computed once per process.
    """
    global _fingerprint
    if _fingerprint is None:
        from guardrails.resources import plugin_stamp

        h = hashlib.blake2b(digest_size=_DIGEST)
        h.update(f"{guardrails.__version__}\0{sys.implementation.cache_tag}\0".encode())
        record = _installed_record()
        if record is not None:
            h.update(record)
        else:
            _stat_files(h)
        h.update(plugin_stamp().encode("utf-8", "surrogateescape"))
        _fingerprint = h.digest()
    return _fingerprint


def _installed_record() -> bytes | None:
    """The ``RECORD`` of the wheel install this package is (beside it in the same directory,
    naming its ``__init__.py`` with a hash), or None: a checkout, an editable install."""
    package = Path(guardrails.__file__).resolve().parent
    try:
        names = sorted(os.listdir(package.parent))
    except OSError:
        return None
    found = []
    for name in names:
        if not (name.startswith(f"{package.name}-") and name.endswith(".dist-info")):
            continue
        try:
            text = (package.parent / name / "RECORD").read_bytes()
        except OSError:
            continue
        if f"{package.name}/__init__.py,sha256=".encode() in text:
            found.append(text)
    return b"\0".join(found) if found else None


def _stat_files(h: hashlib.blake2b) -> None:
    """The package's source files, built-in packs and schema, by path, size and mtime."""
    from guardrails.resources import data_path

    package = os.path.dirname(guardrails.__file__)
    found = [(f"guardrails/{rel}", st) for rel, st in _walk(package) if rel.endswith(".py")]
    for kind in ("policies", "schema"):
        try:
            where = str(data_path(kind))
        except FileNotFoundError:
            continue
        name = os.path.basename(where)
        if os.path.isdir(where):
            found.extend((f"{name}/{rel}", st) for rel, st in _walk(where))
        else:
            with contextlib.suppress(OSError):
                found.append((name, os.stat(where)))
    for rel, st in sorted(found, key=lambda f: f[0]):
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())


def _walk(top: str, rel: str = "") -> list[tuple[str, os.stat_result]]:
    """Every file below ``top`` with its stat (``__pycache__`` skipped, symlinked directories
    not followed: a loop cannot recurse forever): one ``scandir`` per directory, where
    pathlib's glob cost the hook ~8 ms on every run."""
    out: list[tuple[str, os.stat_result]] = []
    try:
        entries = list(os.scandir(top))
    except OSError:
        return out
    for entry in entries:
        name = f"{rel}{entry.name}"
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    out.extend(_walk(entry.path, f"{name}/"))
            else:
                out.append((name, entry.stat()))
        except OSError:
            continue
    return out


def reset_fingerprint() -> None:
    """Forget the computed fingerprint (tests change the version in-process)."""
    global _fingerprint
    _fingerprint = None


def key(*parts: object) -> str:
    """A hex key for ``parts`` (their repr), with this guardrails' fingerprint folded in."""
    h = hashlib.blake2b(fingerprint(), digest_size=20)
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class EntryStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.rejected = 0  # entries found but not trusted (tests and benchmarks read it)
        self._pruned: set[str] = set()  # kinds this store has pruned already

    def prune(self, kind: str, limit: int) -> int:
        """Keep at most ``limit`` entries of ``kind``: the least recently written go first.

        Entries keyed by content never go stale, they only pile up (one per changed file per
        range); the writers call this once per run. Returns how many were removed.
        """
        found: list[tuple[int, str]] = []
        try:
            with os.scandir(self.root / kind) as shards:
                for shard in shards:
                    if not shard.is_dir(follow_symlinks=False):
                        continue
                    with os.scandir(shard.path) as files:
                        for f in files:
                            if f.is_file(follow_symlinks=False):
                                found.append((f.stat(follow_symlinks=False).st_mtime_ns, f.path))
        except OSError:
            return 0
        if len(found) <= limit:
            return 0
        found.sort()
        removed = 0
        for _, path in found[: len(found) - limit * 4 // 5]:  # down to 80 %: prune rarely
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
        return removed

    def touch(self, kind: str, key: str) -> bool:
        """Mark the entry as just written (pruning keeps the most recently written): an entry
        others are built on stays while they are in use. False when it is not there."""
        try:
            os.utime(self._path(kind, key))
        except OSError:
            return False
        return True

    def discard(self, kind: str, key: str) -> None:
        """Remove the entry if it is there (a read-only store keeps it: the caller's reads
        must not depend on this succeeding)."""
        with contextlib.suppress(OSError):
            os.unlink(self._path(kind, key))

    def has(self, kind: str, key: str) -> bool:
        """An entry is there (not checked: :meth:`get` may still find it untrustworthy)."""
        return os.path.exists(self._path(kind, key))

    def _path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> object | None:
        """The stored value, or None when absent or not trustworthy."""
        try:
            with open(self._path(kind, key), "rb") as f:
                data = f.read()
        except OSError:
            return None
        head = len(MAGIC)
        fp = fingerprint()
        payload = data[head + len(fp) + _DIGEST :]
        if (
            data[:head] != MAGIC
            or data[head : head + len(fp)] != fp
            or data[head + len(fp) : head + len(fp) + _DIGEST]
            != hashlib.blake2b(payload, digest_size=_DIGEST).digest()
        ):
            self.rejected += 1
            return None
        try:
            # guardrails: ignore[safety.pickle] -- marshal builds plain values only; checksummed
            return marshal.loads(payload)  # type: ignore[no-any-return]
        except (EOFError, ValueError, TypeError):
            self.rejected += 1
            return None

    def put(self, kind: str, key: str, value: object, *, keep: int | None = None) -> bool:
        """Store ``value`` (plain data); False when it could not be written.

        ``keep``: after the first write of this kind by this store, prune the kind to that
        many entries (entries never go stale, but new path lists and versions add more).
        """
        written = self._put(kind, key, value)
        if written and keep is not None and kind not in self._pruned:
            self._pruned.add(kind)
            if self._estimate(kind, key) > keep:
                self.prune(kind, keep)
        return written

    def _estimate(self, kind: str, key: str) -> int:
        """How many entries ``kind`` holds, from the shard ``key`` was just written to: keys
        are uniform hex digests over 256 shards. Listing every shard on every run cost
        O(entries) (a long-lived repository's 20,000 diffs: ~0.1 s of each hook run), one
        shard costs a 256th of it; a kind over its limit is pruned within a few percent."""
        try:
            with os.scandir(self._path(kind, key).parent) as shard:
                return 256 * sum(1 for f in shard if not f.name.startswith("."))
        except OSError:
            return 0

    def _put(self, kind: str, key: str, value: object) -> bool:
        try:
            payload = marshal.dumps(cast(Any, value), 4)
        except ValueError:  # not plain data: a caller's bug, but never the gate's failure
            return False
        digest = hashlib.blake2b(payload, digest_size=_DIGEST).digest()
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, MAGIC + fingerprint() + digest + payload, prefix=".tmp-")
        except OSError:
            return False
        return True
