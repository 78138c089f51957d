"""Parsing git's output: ``--raw -z`` records, ``-U0`` hunks, listings, ``cat-file --batch``
and ``log`` records, turned into the plain records of :mod:`guardrails.changes`.

Pure functions of bytes: nothing here runs git.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import msgspec

from guardrails.changes import (
    ADDED,
    COPIED,
    DELETED,
    RENAMED,
    Commit,
    FileChange,
    LineRange,
    Person,
    is_binary,
    is_new_content,
    python_lines,
)
from guardrails.trailers import parse_trailers

GITLINK = "160000"  # a submodule: a commit id, not content we can read
SYMLINK = "120000"  # a symlink: its blob is the link target
_LOG_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)
_PATCH_START = re.compile(rb"^diff --git ", re.M)
_IDENT = re.compile(r"^(.*?) ?<([^<>]*)> \d+ [+-]\d{4}$")


def _fspath(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _fsbytes(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _null(oid: str) -> bool:
    return not oid.strip("0")


class _RawDiff(msgspec.Struct, frozen=True):
    """One `--raw -z` record."""

    status: str
    score: int | None
    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str
    old_path: str
    new_path: str


class _Entry(msgspec.Struct, frozen=True):
    mode: str
    oid: str


def _split_diff(out: bytes) -> tuple[list[_RawDiff], bytes]:
    """Raw records, one NUL, then the patch text, as `git diff-* -z --raw -p` prints."""
    records: list[_RawDiff] = []
    pos = 0
    while out.startswith(b":", pos):
        end = out.index(b"\0", pos)
        old_mode, new_mode, old_oid, new_oid, status = _text(out[pos + 1 : end]).split(" ")
        pos = end + 1
        names: list[str] = []
        for _ in range(2 if status[0] in "RC" else 1):
            end = out.index(b"\0", pos)
            names.append(_fspath(out[pos:end]))
            pos = end + 1
        records.append(
            _RawDiff(
                status[0],
                int(status[1:]) if status[1:] else None,
                old_mode,
                new_mode,
                old_oid,
                new_oid,
                names[0],
                names[-1],
            )
        )
    if out.startswith(b"\0", pos):
        pos += 1
    return records, out[pos:]


def _line_ranges(patch: bytes) -> tuple[tuple[LineRange, ...], tuple[LineRange, ...]]:
    """(added, removed) from one file's -U0 patch."""
    added: list[LineRange] = []
    removed: list[LineRange] = []
    for m in _HUNK.finditer(patch):
        old_start, old_count = int(m[1]), int(m[2] or 1)
        new_start, new_count = int(m[3]), int(m[4] or 1)
        if old_count:
            removed.append(LineRange(old_start, old_start + old_count - 1))
        if new_count:
            added.append(LineRange(new_start, new_start + new_count - 1))
    return tuple(added), tuple(removed)


def _parse_listing(
    out: bytes, *, index: bool, unwatched: set[str] | None = None
) -> dict[str, _Entry]:
    """`ls-tree -r -z` ("mode type oid\\tpath") or `ls-files -s -z` ("mode oid stage\\tpath").

    ``unwatched``: the listing is `ls-files -s -v -z` (each record starts with a tag and a
    space); the paths git does not compare with the disk (assume-unchanged: a lowercase tag;
    skip-worktree: ``S``) are added to it.
    """
    # Decoded once, not per record (ls-tree of django's 6,892 files: 12 -> 5 ms): the fields
    # are ASCII, and a NUL or a tab never falls inside a UTF-8 sequence, so each path
    # decodes as it would on its own.
    entries: dict[str, _Entry] = {}
    for record in _fspath(out).split("\0"):
        if not record:
            continue
        if unwatched is not None:
            tag, record = record[:1], record[2:]
            if tag.islower() or tag == "S":
                unwatched.add(record.partition("\t")[2])
        meta, _, path = record.partition("\t")
        fields = meta.split(" ")
        if index:
            if fields[2] != "0" and path in entries:
                continue  # unmerged: keep the first stage listed
            entries[path] = _Entry(fields[0], fields[1])
        else:
            entries[path] = _Entry(fields[0], fields[2])
    return entries


def _parse_batch(out: bytes) -> dict[str, bytes]:
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        end = out.index(b"\n", pos)
        header = _text(out[pos:end]).split(" ")
        pos = end + 1
        if len(header) != 3:  # "<oid> missing"
            continue
        size = int(header[2])
        blobs[header[0]] = out[pos : pos + size]
        pos += size + 1
    return blobs


def _parse_commits(out: bytes) -> tuple[Commit, ...]:
    fields = out.split(b"\0")
    n = len(_LOG_FIELDS)
    commits: list[Commit] = []
    for i in range(0, len(fields) - n + 1, n):
        sha, parents, an, ae, ad, cn, ce, cd, body = (_text(f) for f in fields[i : i + n])
        commits.append(
            Commit(
                sha=sha.strip(),
                parents=tuple(parents.split()),
                author=Person(an, ae),
                author_date=ad,
                committer=Person(cn, ce),
                committer_date=cd,
                message=body.rstrip("\n"),
                trailers=parse_trailers(body),
            )
        )
    return tuple(commits)


def _parse_ident(line: str) -> Person | None:
    m = _IDENT.match(line.strip())
    return Person(m[1], m[2]) if m else None


def _file_change(
    r: _RawDiff,
    added: tuple[LineRange, ...],
    removed: tuple[LineRange, ...],
    blobs: Mapping[str, bytes],
) -> FileChange:
    has_old, has_new = r.status != ADDED, r.status != DELETED

    def side(present: bool, mode: str, oid: str) -> tuple[str | None, str | None, bytes | None]:
        if not present:
            return None, None, None
        return oid, mode, None if mode == GITLINK else blobs.get(oid)

    old_blob, old_mode, old_data = side(has_old, r.old_mode, r.old_oid)
    new_blob, new_mode, new_data = side(has_new, r.new_mode, r.new_oid)
    # Binary files have no lines; neither do submodules ("Subproject commit …" is not a file).
    if GITLINK in (r.old_mode, r.new_mode) or is_binary(old_data) or is_binary(new_data):
        added, removed = (), ()
    elif is_new_content(r.status, r.old_path, r.new_path, r.old_mode, r.new_mode):
        # A copy is new code at a new path, whatever it was copied from; a rename that changes
        # what the file is (docs/example.txt -> services/x/evil.py) makes all of it new code.
        added = _whole(new_data)
    else:
        added = _universal(added, new_data)
        removed = _universal(removed, old_data)
    return FileChange(
        status=r.status,
        old_path=r.old_path if has_old else None,
        new_path=r.new_path if has_new else None,
        old_blob=old_blob,
        new_blob=new_blob,
        old_mode=old_mode,
        new_mode=new_mode,
        similarity=r.score if r.status in (RENAMED, COPIED) else None,
        added_lines=added,
        removed_lines=removed,
        old_data=old_data,
        new_data=new_data,
    )


def _whole(data: bytes | None) -> tuple[LineRange, ...]:
    if not data:
        return ()
    return (LineRange(1, python_lines(data.removesuffix(b"\n"))[-1] - 1),)


def _universal(ranges: tuple[LineRange, ...], data: bytes | None) -> tuple[LineRange, ...]:
    """git's \\n-counted ranges in the numbering Python uses (see changes.python_lines)."""
    if not ranges or data is None or b"\r" not in data:
        return ranges
    starts = python_lines(data)
    last = len(starts) - 2
    return tuple(
        LineRange(starts[min(r.start, last + 1) - 1], starts[min(r.end, last + 1)] - 1)
        for r in ranges
    )
