"""The ChangeSet: what a change does to the repository, as plain immutable data.

Produced by :mod:`guardrails.git` (the only module that runs git) and read by every later
stage. Paths are repository-relative POSIX strings exactly as git stores them (they may hold
spaces, newlines or bytes that are not UTF-8: those are decoded with ``surrogateescape``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from typing import Protocol

import msgspec

from guardrails.records import repr_omitting

# git's status letters (git diff --name-status): Added, Modified, Deleted, Renamed, Copied,
# Type changed (e.g. file -> symlink).
ADDED, MODIFIED, DELETED, RENAMED, COPIED, TYPE_CHANGED = "A", "M", "D", "R", "C", "T"

SYMLINK_MODE = "120000"  # git's mode for a symlink: its blob is the link target

# git's own heuristic: a NUL byte in the first 8000 bytes means binary.
_BINARY_PROBE = 8000


def is_binary(data: bytes | None) -> bool:
    return data is not None and b"\0" in data[:_BINARY_PROBE]


def python_lines(data: bytes) -> list[int]:
    """For each git line (``\\n``-terminated) of ``data``, the number of the first line Python
    sees in it, 1-based, plus one entry past the end.

    git counts lines by ``\\n`` only; Python (and YAML) also end a line at a bare ``\\r``. A
    hunk git reports as line 3 may hold Python's lines 3..5 (``import os\\ros.system(x)``), and
    every later line shifts: line ranges must be in Python's numbering, or the rules look at
    the wrong statements.
    """
    starts = [1]
    n = 1
    for raw in data.split(b"\n"):
        n += raw.count(b"\r") - (1 if raw.endswith(b"\r") else 0) + 1
        starts.append(n)
    return starts


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name.lstrip(".") else ""


def is_new_content(
    status: str,
    old_path: str | None,
    new_path: str | None,
    old_mode: str | None,
    new_mode: str | None,
) -> bool:
    """Is the new side new content, whatever git paired it with?

    A copy is new code at a new path (the source still exists and runs as before). A rename
    that changes what the file is (``git mv docs/example.txt services/x/evil.py``: text
    becomes a module; a mode change makes it a script) is new as a whole too: judging it by
    git's added lines would see none.
    """
    if status == COPIED:
        return True
    return status == RENAMED and (
        _suffix(old_path or "") != _suffix(new_path or "") or old_mode != new_mode
    )


def decode(data: bytes) -> str:
    """Bytes of a text file as str; undecodable bytes survive as surrogates."""
    return data.decode("utf-8", "surrogateescape")


# Python's own newlines only: str.splitlines also splits on \f, \v, \x1c.. which would shift
# every line number after a form feed.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """``text`` in lines as Python numbers them, each with its line ending."""
    return _LINE.findall(text)


class LineRange(msgspec.Struct, frozen=True, order=True):
    """Lines ``start..end`` inclusive, 1-based."""

    start: int
    end: int

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.start <= line <= self.end


def _start(r: LineRange) -> int:
    return r.start


class FileChange(msgspec.Struct, frozen=True):
    status: str  # one of A M D R C T
    old_path: str | None  # None when added
    new_path: str | None  # None when deleted
    old_blob: str | None = None  # 40-hex blob ids; None when absent
    new_blob: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None  # rename/copy score, 0..100
    # Lines the change adds or alters in the new file, and removes from the old file: in
    # order and disjoint, as git's hunks are.
    added_lines: tuple[LineRange, ...] = ()
    removed_lines: tuple[LineRange, ...] = ()
    # The two sides' bytes (and link_source below): left out of the repr.
    old_data: bytes | None = None
    new_data: bytes | None = None
    # What Python runs at new_path when it is a symlink named like a module (``x.py ->
    # ../tools/payload``): the target's content, read from the same tree. None otherwise.
    link_source: bytes | None = None
    # True when this file is the target of such a symlink: a change to it changes a module
    # although its own name does not say Python.
    linked_from_python: bool = False

    def __repr__(self) -> str:
        return repr_omitting(self, ("old_data", "new_data", "link_source"))

    @property
    def path(self) -> str:
        """The path a user recognises: the new one, or the old one when deleted."""
        return self.new_path if self.new_path is not None else (self.old_path or "")

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches (both sides of a rename)."""
        return tuple(sorted({p for p in (self.old_path, self.new_path) if p is not None}))

    @property
    def new_content(self) -> bool:
        """The new side is judged as a new file (see :func:`is_new_content`)."""
        return is_new_content(
            self.status, self.old_path, self.new_path, self.old_mode, self.new_mode
        )

    @property
    def binary(self) -> bool:
        return is_binary(self.old_data) or is_binary(self.new_data)

    @property
    def old_text(self) -> str | None:
        return None if self.old_data is None or is_binary(self.old_data) else decode(self.old_data)

    @property
    def new_text(self) -> str | None:
        return None if self.new_data is None or is_binary(self.new_data) else decode(self.new_data)

    def touches_line(self, line: int) -> bool:
        """True when ``line`` of the new file was added or altered by the change.

        By bisection: ``added_lines`` are git's hunks, in order and disjoint (a formatter's
        run has hundreds per file, asked about for each import of the file)."""
        ranges = self.added_lines
        i = bisect.bisect_right(ranges, line, key=_start) - 1
        return i >= 0 and ranges[i].start <= line <= ranges[i].end


class Trailer(msgspec.Struct, frozen=True):
    key: str  # as written; compare with .key.lower()
    value: str


class Person(msgspec.Struct, frozen=True):
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Commit(msgspec.Struct, frozen=True):
    sha: str
    parents: tuple[str, ...]
    author: Person
    author_date: str  # ISO 8601 strict, as git prints it
    committer: Person
    committer_date: str
    message: str  # the whole message, subject first
    trailers: tuple[Trailer, ...] = ()

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    def trailer_values(self, key: str) -> tuple[str, ...]:
        k = key.lower()
        return tuple(t.value for t in self.trailers if t.key.lower() == k)


class ChangeSet(msgspec.Struct, frozen=True):
    """One change under review.

    ``mode`` is how it was selected: ``staged`` (index vs HEAD), ``range``
    (merge-base(base, head)..head), ``patch`` (a diff applied in memory to HEAD) or ``paths``
    (files named on the command line: no content, no commits).
    """

    mode: str
    base: str | None  # full 40-hex sha of the base side (merge-base in range mode)
    head: str | None  # full sha of the head commit; None for staged/patch/paths
    files: tuple[FileChange, ...]  # sorted by .path
    commits: tuple[Commit, ...] = ()  # oldest first; empty unless mode == "range"
    # For staged/patch mode: the identity that will commit (user.name / user.email).
    committer: Person | None = None

    def __iter__(self) -> Iterator[FileChange]:
        return iter(self.files)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted({p for f in self.files for p in f.paths}))


class Snapshot(Protocol):
    """A readable tree: a commit, the index, the working tree, or HEAD with a patch applied.

    The catalog and import inference read through this so that ``--base`` mode can load the
    base revision's config without touching the working tree.
    """

    label: str  # "HEAD", "index", "worktree", "patch", or a 40-hex sha

    def paths(self) -> Sequence[str]:
        """Every file in the tree, sorted."""
        ...

    def read(self, path: str) -> bytes | None:
        """The file's content, or None when it is not in the tree."""
        ...

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        """Several files at once (one git process, not one per file); absent ones are left out."""
        ...

    def blob_id(self, path: str) -> str | None:
        """git's blob id for the file's content (cache key), or None when absent."""
        ...
