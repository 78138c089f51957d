"""Flag reads found per file content, cached by git blob id under the repository's git dir.

Finding the reads means reading every Python file of every service on every run (the
pre-commit hook runs on each commit); a file's reads depend only on its content and on the
reader settings, so they are cached by blob id, in one file per reader setting. A cache that
cannot be read or written is ignored: the gate then runs uncached, never fails.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable
from pathlib import Path

from guardrails.atomic import write_atomically
from guardrails.flags.reads import FlagRead

VERSION = 1
# A cached read: line, key, called name, source line.
Entry = list[tuple[int, str, str, str]]


def _fingerprint() -> str:
    from guardrails.cache.store import fingerprint

    return fingerprint().hex()


def _valid(entry: object) -> bool:
    """A cached read as this version writes it; anything else (an old or edited file) is
    dropped and its blob read again."""
    return (
        isinstance(entry, list)
        and len(entry) == 4
        and type(entry[0]) is int
        and all(isinstance(x, str) for x in entry[1:])
    )


class ReadCache:
    def __init__(self, directory: Path | None, settings: Iterable[str]) -> None:
        digest = hashlib.blake2b("\0".join(settings).encode(), digest_size=8).hexdigest()
        self.path = (
            None if directory is None else directory / f"flag-reads-v{VERSION}-{digest}.json"
        )
        self.entries: dict[str, Entry] = {}
        self.dirty = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = None
            # Written by this guardrails (its version and source files: a reader that changed
            # without a VERSION bump must not be answered by the old one's reads).
            if isinstance(loaded, dict) and loaded.get("guardrails") == _fingerprint():
                found = loaded.get("reads")
                if isinstance(found, dict):
                    self.entries = {
                        k: [(e[0], e[1], e[2], e[3]) for e in v]
                        for k, v in found.items()
                        if isinstance(k, str) and isinstance(v, list) and all(map(_valid, v))
                    }

    def get(self, blob: str | None, path: str) -> list[FlagRead] | None:
        entry = self.entries.get(blob) if blob else None
        if entry is None:
            return None
        return [FlagRead(path, line, key, call, text) for line, key, call, text in entry]

    def put(self, blob: str | None, reads: list[FlagRead]) -> None:
        if blob:
            self.entries[blob] = [(r.line, r.key, r.call, r.text) for r in reads]
            self.dirty = True

    def save(self, used: Collection[str]) -> None:
        """Keep the blobs this tree uses (a branch switch re-reads the others once)."""
        if self.path is None or not self.dirty:
            return
        kept = {k: v for k, v in self.entries.items() if k in used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            doc = {"guardrails": _fingerprint(), "reads": kept}
            text = json.dumps(doc, separators=(",", ":"), sort_keys=True)
            write_atomically(self.path, text.encode("utf-8"), prefix=".flag-reads-")
        except OSError:
            return  # a read-only git dir: run uncached rather than fail the gate
        self.dirty = False
