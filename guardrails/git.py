"""Reading changes from git: the only module in guardrails that runs git.

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
  ``read_range``            6  rev-parse x2, merge-base, diff-tree, cat-file --batch, log
  ``read_staged``           4  rev-parse HEAD, diff-index --cached, cat-file --batch, var
  ``read_patch``            7  rev-parse HEAD, read-tree, apply --cached, diff-index,
                               ls-files, cat-file --batch, var (temp index)
  ``read_paths``            2  rev-parse HEAD, ls-files
  snapshots (lazily)        1  ls-tree / ls-files listing (+1 diff-files for the worktree),
                               then 1 cat-file --batch per ``read_many`` (none for the
                               worktree: it reads the disk)
  ========================  ===========================================================

  An error adds at most one ``rev-parse --is-shallow-repository`` and one ``remote``.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from guardrails.changes import (
    ADDED,
    COPIED,
    DELETED,
    MODIFIED,
    RENAMED,
    TYPE_CHANGED,
    ChangeSet,
    Commit,
    FileChange,
    LineRange,
    Person,
    Snapshot,
    Trailer,
    is_binary,
    is_new_content,
    python_lines,
)
from guardrails.errors import GitError

GITLINK = "160000"  # a submodule: a commit id, not content we can read
SYMLINK = "120000"  # a symlink: its blob is the link target
EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
SHALLOW_FIX = (
    "fetch more history: git fetch --deepen=N or git fetch --unshallow "
    "(in GitHub Actions set fetch-depth: 0 on actions/checkout)"
)

# The user's own diff tooling must not change what we read.
_DROPPED_ENV = frozenset({"GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER"})

# Raw + patch in one process. -U0 makes every hunk exactly the lines that changed;
# --inter-hunk-context=0 stops git from gluing nearby hunks together; -C also finds renames.
# --text: the change under review controls .gitattributes, and `*.py -diff` there would make
# git print "Binary files differ" and hide every added line from the rules. We decide what
# is binary ourselves, from the content (changes.is_binary, git's own NUL heuristic).
_DIFF_OPTIONS = (
    "-z",
    "--text",
    "--raw",
    "-p",
    "-U0",
    "--inter-hunk-context=0",
    "--no-abbrev",
    "-C",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--submodule=short",
    "--no-relative",
)
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


def _git_complaint(stderr: bytes) -> str:
    """git's own reason, on one line: its fatal:/error: lines, prefixes dropped."""
    lines = [ln.strip() for ln in _text(stderr).splitlines() if ln.strip()]
    picked = [ln for ln in lines if ln.startswith(("fatal:", "error:"))] or lines[-1:]
    return "; ".join(re.sub(r"^(fatal|error): ", "", ln) for ln in picked) or "no message"


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    # The environment is inherited on purpose: inside a git hook GIT_DIR and GIT_INDEX_FILE
    # name the index that is about to be committed (`git commit -a` uses a temporary one).
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update({"LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"})
    if extra:
        env.update(extra)
    return env


def _run(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, env=_env(env), capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH", fix="install git") from exc
    if proc.returncode not in ok:
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        raise GitError(
            f"git {command} failed: {_git_complaint(proc.stderr)}",
            fix="check that `git status` works in this repository",
        )
    return proc


# --- trailers: a port of git's trailer.c (interpret-trailers --parse) ---------------------

_SPACE = " \t\n\v\f\r"  # C isspace()
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
_COMMENT = "#"
_CUT_LINE = "# ------------------------ >8 ------------------------\n"


def _next_line(s: str, i: int) -> int:
    nl = s.find("\n", i)
    return len(s) if nl < 0 else nl + 1


def _last_line(s: str, end: int) -> int:
    """Start of the line before ``end`` (a trailing newline belongs to that line); -1 if none."""
    if end <= 0:
        return -1
    nl = s.rfind("\n", 0, end - 1)
    return nl + 1


def _is_blank(s: str, i: int) -> bool:
    while i < len(s) and s[i] != "\n" and s[i] in _SPACE:
        i += 1
    return i >= len(s) or s[i] == "\n"


def _separator(s: str, i: int = 0) -> int:
    """Offset of the ':' after a token (``[A-Za-z0-9-]+ *``) starting at ``i``, or -1."""
    seen_space = False
    for j in range(i, len(s)):
        c = s[j]
        if c == ":":
            return j - i
        if not seen_space and c in _TOKEN_CHARS:
            continue
        if j != i and c in " \t":
            seen_space = True
            continue
        break
    return -1


def _patch_start(s: str) -> int:
    i = 0
    while i < len(s):
        if s.startswith("---", i) and i + 3 < len(s) and s[i + 3] in _SPACE:
            return i
        i = _next_line(s, i)
    return len(s)


def _ignored_tail(s: str, end: int) -> int:
    """Bytes at the end that are comments, blank lines or an old ``Conflicts:`` block."""
    if s.startswith(_CUT_LINE):
        cutoff = 0
    else:
        cut = s.find("\n" + _CUT_LINE, 0, end)
        cutoff = end if cut < 0 else cut + 1
    boc, bol, in_conflicts = 0, 0, False
    while bol < cutoff:
        nxt = _next_line(s, bol)
        if s[bol] in (_COMMENT, "\n"):
            boc = boc or bol
        elif s.startswith("Conflicts:\n", bol):
            in_conflicts = True
            boc = boc or bol
        elif in_conflicts and s[bol] == "\t":
            pass
        elif boc:
            boc, in_conflicts = 0, False
        bol = nxt
    return end - boc if boc else end - cutoff


def _trailer_start(s: str, end: int) -> int:
    """Where the trailer block starts (``end`` when there is none): git's 25% heuristic."""
    i = 0
    while i < end:  # the first paragraph is the title and cannot hold trailers
        if s[i] != _COMMENT and _is_blank(s, i):
            break
        i = _next_line(s, i)
    end_of_title = i
    only_spaces, recognized = True, False
    trailers = non_trailers = continuations = 0
    bol = _last_line(s, end)
    while bol >= end_of_title:
        if s[bol] == _COMMENT:
            non_trailers += continuations
            continuations = 0
        elif _is_blank(s, bol):
            if not only_spaces:
                non_trailers += continuations
                if (recognized and trailers * 3 >= non_trailers) or (trailers and not non_trailers):
                    return _next_line(s, bol)
                return end
        else:
            only_spaces = False
            if s.startswith(_GIT_GENERATED, bol):
                trailers += 1
                continuations = 0
                recognized = True
            elif _separator(s, bol) >= 1 and s[bol] not in _SPACE:
                trailers += 1
                continuations = 0
            elif s[bol] in _SPACE:
                continuations += 1
            else:
                non_trailers += 1 + continuations
                continuations = 0
        bol = _last_line(s, bol)
    return end


def _unfold(value: str) -> str:
    return re.sub(r"\n[ \t\n\v\f\r]*", " ", value).strip(_SPACE)


def parse_trailers(message: str) -> tuple[Trailer, ...]:
    """The trailers of a commit message, exactly as ``git interpret-trailers --parse``.

    Only git's defaults apply (separator ``:``; ``Signed-off-by`` and ``(cherry picked from
    commit`` are the git-generated trailers): a repository's ``trailer.*`` config is ignored
    on purpose, because the change under review could edit it.
    """
    patch = _patch_start(message)
    end = patch - _ignored_tail(message, patch)
    start = _trailer_start(message, end)
    items: list[str] = []
    last_is_trailer = False
    for line in re.findall(r"[^\n]*\n|[^\n]+$", message[start:end]):
        if last_is_trailer and line[0] in _SPACE:
            items[-1] += line
            continue
        items.append(line)
        last_is_trailer = _separator(line) >= 1
    found: list[Trailer] = []
    for item in items:
        sep = _separator(item)
        if item.startswith(_COMMENT) or sep < 1:
            continue
        found.append(Trailer(item[:sep].strip(_SPACE), _unfold(item[sep + 1 :].strip(_SPACE))))
    return tuple(found)


# --- parsing git output --------------------------------------------------------------------


@dataclass(frozen=True)
class _RawDiff:
    """One `--raw -z` record."""

    status: str
    score: int | None
    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str
    old_path: str
    new_path: str


@dataclass(frozen=True)
class _Entry:
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


def _parse_listing(out: bytes, *, index: bool) -> dict[str, _Entry]:
    """`ls-tree -r -z` ("mode type oid\\tpath") or `ls-files -s -z` ("mode oid stage\\tpath")."""
    entries: dict[str, _Entry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        fields = _text(meta).split(" ")
        mode, oid = (fields[0], fields[1]) if index else (fields[0], fields[2])
        if index and fields[2] != "0" and _fspath(raw_path) in entries:
            continue  # unmerged: keep the first stage listed
        entries[_fspath(raw_path)] = _Entry(mode, oid)
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


# --- snapshots -----------------------------------------------------------------------------


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
        blobs = self._repo.read_blobs(wanted.values())
        return {p: blobs[oid] for p, oid in wanted.items() if oid in blobs}


class CommitSnapshot(TreeSnapshot):
    def __init__(self, repo: Repo, sha: str, label: str | None = None) -> None:
        super().__init__(repo, label or sha, lambda: repo.list_tree(sha))
        self.sha = sha


class WorktreeSnapshot:
    """Tracked files as they are on disk. Untracked files can be read by name, not listed."""

    label = "worktree"

    def __init__(self, repo: Repo) -> None:
        self._repo = repo
        self._index: dict[str, _Entry] | None = None
        self._dirty: frozenset[str] | None = None
        self._paths: tuple[str, ...] | None = None

    def _tracked(self) -> dict[str, _Entry]:
        if self._index is None:
            self._index = {p: e for p, e in self._repo.list_index().items() if e.mode != GITLINK}
        return self._index

    def _disk(self, path: str) -> bytes | None:
        parts = path.split("/")
        if not path or path.startswith("/") or ".." in parts or parts[0] == ".git":
            return None
        return os.path.join(_fsbytes(str(self._repo.root)), _fsbytes(path))

    def paths(self) -> Sequence[str]:
        # One lstat per tracked file, once per snapshot (django: 6,900 files, asked 3 times).
        if self._paths is None:
            self._paths = tuple(
                sorted(p for p in self._tracked() if os.path.lexists(self._disk(p) or b""))
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
        if self._dirty is None:
            self._dirty = self._repo.list_unstaged()
        entry = self._tracked().get(path)
        if entry is not None and path not in self._dirty:
            return entry.oid
        data = self.read(path)
        return None if data is None else self._repo.hash_blob(data)


# --- the repository ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    changes: ChangeSet
    base: Snapshot  # HEAD (staged/patch/paths), the merge base (range), empty when unborn
    head: Snapshot  # the index, HEAD + patch, the head commit, or the work tree


@dataclass(frozen=True)
class Repo:
    root: Path  # work tree top level
    git_dir: Path  # the common git dir (shared by linked worktrees): caches live here
    private_dir: Path  # this worktree's git dir: temporary index files live here
    object_format: str  # "sha1" or "sha256"
    prefix: str  # where the caller stood, relative to root ("" at the top)

    @classmethod
    def open(cls, cwd: str | Path = ".") -> Repo:
        where = Path(cwd)
        shown = str(where.absolute())
        if not where.is_dir():
            raise GitError(
                "no such directory", path=shown, fix="pass an existing directory to --repo"
            )
        proc = _run(
            [
                "rev-parse",
                "--absolute-git-dir",
                "--git-common-dir",
                "--show-object-format",
                "--show-toplevel",
                "--show-prefix",
            ],
            where,
            ok=(0, 128),
        )
        if proc.returncode:
            raise _open_error(shown, proc.stderr)
        git_dir, common, fmt, top, prefix = _fspath(proc.stdout).split("\n")[:5]
        common_dir = Path(common) if os.path.isabs(common) else where.absolute() / common
        return cls(Path(top), Path(os.path.normpath(common_dir)), Path(git_dir), fmt, prefix)

    # -- plumbing the snapshots and the readers share --

    def _git(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (0,),
    ) -> subprocess.CompletedProcess[bytes]:
        return _run(args, self.root, input=input, env=env, ok=ok)

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Many blobs, one `git cat-file --batch`."""
        unique = sorted({o for o in oids if not _null(o)})
        if not unique:
            return {}
        request = "".join(f"{o}\n" for o in unique).encode()
        blobs = _parse_batch(self._git("cat-file", "--batch", input=request).stdout)
        missing = [o for o in unique if o not in blobs]
        if missing:
            # Fail closed: a blob the trees name but git cannot produce (a corrupt or partial
            # clone) would otherwise read as an absent file, i.e. a deletion or no config.
            raise GitError(
                f"git cannot read object {missing[0]}"
                + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
                fix="the clone is incomplete or corrupt: fetch again (git fetch --refetch), "
                "or run `git fsck`",
            )
        return blobs

    def list_tree(self, sha: str) -> dict[str, _Entry]:
        return _parse_listing(
            self._git("ls-tree", "-r", "-z", "--full-tree", sha).stdout, index=False
        )

    def list_index(self, env: Mapping[str, str] | None = None) -> dict[str, _Entry]:
        return _parse_listing(self._git("ls-files", "-s", "-z", env=env).stdout, index=True)

    def list_unstaged(self) -> frozenset[str]:
        out = self._git("diff-files", "-z", "--name-only", "--no-relative").stdout
        return frozenset(_fspath(p) for p in out.split(b"\0") if p)

    def hash_blob(self, data: bytes) -> str:
        digest = hashlib.new("sha256" if self.object_format == "sha256" else "sha1")
        digest.update(b"blob %d\0" % len(data))
        digest.update(data)
        return digest.hexdigest()

    # -- revisions --

    # -- writing: only `guardrails demo` builds a repository (its own, in a temp dir) --------
    @classmethod
    def create(cls, path: Path, *, branch: str = "main") -> Repo:
        """A new repository at ``path`` with its own identity settings (the demo's)."""
        path.mkdir(parents=True, exist_ok=True)
        _run(["init", "-q", "-b", branch], path)
        for key, value in (("commit.gpgsign", "false"), ("core.autocrlf", "false")):
            _run(["config", key, value], path)
        return cls.open(path)

    def commit_all(self, message: str, *, author: Person, date: str) -> str:
        """Stage everything and commit as ``author`` at ``date`` (git date syntax)."""
        _run(["add", "-A"], self.root)
        who = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
            "GIT_COMMITTER_DATE": date,
        }
        _run(["commit", "-q", "--no-verify", "-m", message], self.root, env=who)
        return self.resolve("HEAD")

    def switch_new_branch(self, name: str) -> None:
        _run(["switch", "-q", "-c", name], self.root)

    def resolve(self, rev: str) -> str:
        """The full commit id ``rev`` names, or a GitError that says how to get it."""
        if rev and not rev.startswith("-"):
            proc = self._git(
                "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", ok=(0, 1, 128)
            )
            if proc.returncode == 0:
                return _text(proc.stdout).strip()
        if rev == "HEAD":
            raise GitError(
                "HEAD: the repository has no commits yet",
                fix="commit first, or check what is staged with --staged",
            )
        if not rev.strip() or ".." in rev:
            raise GitError(
                f"not a revision: '{rev}'",
                fix="name one commit or branch, e.g. --base origin/main (ranges are built for "
                "you: merge-base(base, head)..head)",
            )
        fetch = self._fetch_command(rev)
        if self._is_shallow():
            raise GitError(
                f"unknown revision '{rev}': this is a shallow clone and it may lie outside the "
                "fetched history",
                fix=f"{fetch}, or {SHALLOW_FIX}",
            )
        raise GitError(f"unknown revision '{rev}'", fix=f"check the name, or fetch it: {fetch}")

    def _fetch_command(self, rev: str) -> str:
        """How to fetch ``rev``: ``origin/main`` is branch ``main`` of remote ``origin``.

        ``git fetch origin origin/main`` fails (the remote has no branch of that name), so a
        remote's name is taken off the front; a suffix like ``~2`` is not part of a ref.
        """
        proc = self._git("remote", ok=(0, 1, 128))
        remotes = sorted(_text(proc.stdout).split()) if proc.returncode == 0 else []
        ref = re.split(r"[~^:]|@\{", rev, maxsplit=1)[0] or rev
        if ref != rev and ref in ("HEAD", "@"):  # HEAD~99: older than the history we have
            return "git fetch --deepen=100 (or --unshallow)"
        known = remotes or ["origin"]  # no remote yet: CI adds `origin`, so name that one
        for remote in sorted(known, key=len, reverse=True):
            if ref.startswith(remote + "/") and len(ref) > len(remote) + 1:
                return f"git fetch {remote} {ref[len(remote) + 1 :]}"
        return f"git fetch {'origin' if 'origin' in known else known[0]} {ref}"

    def identity(self) -> Person | None:
        """Who `git commit` would record as committer now, or None when git does not know."""
        proc = self._git("var", "GIT_COMMITTER_IDENT", ok=(0, 1, 128))
        return _parse_ident(_text(proc.stdout)) if proc.returncode == 0 else None

    def snapshot(self, rev: str) -> Snapshot:
        sha = self.resolve(rev)
        return CommitSnapshot(self, sha)

    def worktree(self) -> Snapshot:
        return WorktreeSnapshot(self)

    def root_commits(self, rev: str) -> list[str]:
        """The commits without parents that ``rev`` descends from (pre-push of a new history)."""
        proc = self._git("rev-list", "--max-parents=0", self.resolve(rev))
        return sorted(_text(proc.stdout).split())

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether ``older`` is ``newer`` or one of its ancestors (a push that adds nothing)."""
        proc = self._git(
            "merge-base", "--is-ancestor", self.resolve(older), self.resolve(newer), ok=(0, 1)
        )
        return proc.returncode == 0

    def hooks_dir(self) -> Path:
        """Where git looks for hooks: ``core.hooksPath`` when set, else the common git dir's."""
        proc = self._git("rev-parse", "--git-path", "hooks")
        where = Path(_fspath(proc.stdout).strip())
        return where if where.is_absolute() else self.root / where

    def _head(self) -> str | None:
        proc = self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok=(0, 1, 128))
        return _text(proc.stdout).strip() if proc.returncode == 0 else None

    def _head_snapshot(self, head: str | None) -> Snapshot:
        return CommitSnapshot(self, head, "HEAD") if head else EmptySnapshot()

    def _is_shallow(self) -> bool:
        proc = self._git("rev-parse", "--is-shallow-repository", ok=(0, 128))
        return _text(proc.stdout).strip() == "true"

    def _merge_base(self, base: str, base_sha: str, head: str, head_sha: str) -> str:
        proc = self._git("merge-base", base_sha, head_sha, ok=(0, 1))
        mb = _text(proc.stdout).strip()
        if mb:
            return mb
        if self._is_shallow():
            raise GitError(
                f"no merge base between {base} and {head}: this is a shallow clone and their "
                "common history was not fetched",
                fix=SHALLOW_FIX,
            )
        raise GitError(
            f"no merge base between {base} and {head}: they share no history",
            fix="pass a --base on the same history as the head, e.g. origin/main",
        )

    # -- the four selectors --

    def read_range(self, base: str, head: str = "HEAD") -> Change:
        """merge-base(base, head)..head: what a pull request from head into base would change."""
        base_sha, head_sha = self.resolve(base), self.resolve(head)
        mb = self._merge_base(base, base_sha, head, head_sha)
        if mb == head_sha:
            raise GitError(
                f"no commits between {base} and {head}: {head} is already in {base}",
                fix="commit the change first, or pass an older --base",
            )
        files = self._diff("diff-tree", "-r", mb, head_sha)
        log = self._git(
            "-c",
            "log.showSignature=false",
            "log",
            "-z",
            "--no-use-mailmap",
            "--no-color",
            "--date-order",
            "--reverse",
            "--format=" + "%x00".join(_LOG_FIELDS),
            f"{mb}..{head_sha}",
        )
        head_tree = CommitSnapshot(self, head_sha)
        files = self._python_links(files, head_tree)
        changes = ChangeSet("range", mb, head_sha, files, _parse_commits(log.stdout))
        return Change(changes, CommitSnapshot(self, mb), head_tree)

    def read_staged(self) -> Change:
        """The index against HEAD (the empty tree before the first commit)."""
        head = self._head()
        files = self._diff("diff-index", "--cached", head or EMPTY_TREE[self.object_format])
        index = TreeSnapshot(self, "index", self.list_index)
        files = self._python_links(files, index)
        changes = ChangeSet("staged", head, None, files, committer=self.identity())
        return Change(changes, self._head_snapshot(head), index)

    def read_patch(self, patch: bytes) -> Change:
        """A unified diff applied to HEAD in a temporary index; the user's index is untouched."""
        if not patch.strip():
            raise GitError("the patch is empty", fix="pass the output of `git diff`")
        head = self._head()
        scratch = self._scratch_dir()
        env = {"GIT_INDEX_FILE": str(scratch / "index")}
        try:
            self._git("read-tree", head or "--empty", env=env)
            applied = self._git(
                "apply",
                "--cached",
                "--whitespace=nowarn",
                "-",
                input=patch,
                env=env,
                ok=(0, 1, 128),
            )
            if applied.returncode:
                raise GitError(
                    f"the patch does not apply to HEAD: {_git_complaint(applied.stderr)}",
                    fix="regenerate it against HEAD (git diff HEAD > change.patch)",
                )
            files = self._diff(
                "diff-index", "--cached", head or EMPTY_TREE[self.object_format], env=env
            )
            # The temp index goes away below; its blobs stay in the object database.
            listing = self.list_index(env)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        patched = TreeSnapshot(self, "patch", lambda: listing)
        files = self._python_links(files, patched)
        changes = ChangeSet("patch", head, None, files, committer=self.identity())
        return Change(changes, self._head_snapshot(head), patched)

    def read_paths(self, paths: Sequence[str]) -> Change:
        """Files named on the command line (directories expand to the files under them)."""
        if not paths:
            raise GitError(
                "no paths given", fix="name files or directories: guardrails affected PATH..."
            )
        head = self._head()
        tracked = sorted(self.list_index())
        chosen: set[str] = set()
        for raw in paths:
            chosen.update(self._expand(raw, tracked))
        files = tuple(FileChange(MODIFIED, p, p) for p in sorted(chosen))
        changes = ChangeSet("paths", head, None, files)
        return Change(changes, self._head_snapshot(head), WorktreeSnapshot(self))

    # -- helpers for the selectors --

    def _scratch_dir(self) -> Path:
        try:
            return Path(tempfile.mkdtemp(prefix="guardrails-", dir=self.private_dir))
        except OSError:  # a read-only git dir (some CI mounts): any temp dir will do
            return Path(tempfile.mkdtemp(prefix="guardrails-"))

    def _candidates(self, raw: str) -> list[str]:
        """Repository-relative readings of ``raw``: from the root first, then from the cwd.

        ``.``, ``./x`` and ``../x`` are read from the cwd only, as a shell user means them.
        """
        if os.path.isabs(raw):
            parent = os.path.realpath(os.path.dirname(raw) or "/")
            found = [os.path.relpath(os.path.join(parent, os.path.basename(raw)), self.root)]
        elif raw == "." or raw.startswith(("./", "../")):
            found = [posixpath.normpath(self.prefix + raw)]
        else:
            found = [posixpath.normpath(raw), posixpath.normpath(self.prefix + raw)]
        inside = [c for c in found if c != ".." and not c.startswith("../")]
        return list(dict.fromkeys(inside))

    def _expand(self, raw: str, tracked: list[str]) -> list[str]:
        empty_dir = False
        candidates = self._candidates(raw)
        if not candidates:
            raise GitError(
                f"outside the repository {self.root}",
                path=raw,
                fix=f"name a file or directory inside {self.root}",
            )
        for rel in candidates:
            if rel == ".":
                return tracked
            i = bisect.bisect_left(tracked, rel)
            if i < len(tracked) and tracked[i] == rel:
                return [rel]
            under = rel + "/"
            j = bisect.bisect_left(tracked, under)
            inside = []
            while j < len(tracked) and tracked[j].startswith(under):
                inside.append(tracked[j])
                j += 1
            if inside:
                return inside
            disk = self.root / rel
            if disk.is_file() or disk.is_symlink():
                return [rel]  # not added yet, but it is there
            empty_dir = empty_dir or disk.is_dir()
        if empty_dir:
            raise GitError(
                "no tracked files in this directory",
                path=raw,
                fix="git add the files, or name the files themselves",
            )
        raise GitError(
            "no such file or directory in the repository",
            path=raw,
            fix="name a tracked file or directory, relative to the repository root",
        )

    def _python_links(
        self, files: tuple[FileChange, ...], head: TreeSnapshot
    ) -> tuple[FileChange, ...]:
        """Module symlinks: ``x.py -> ../tools/payload`` makes Python import the payload.

        A changed symlink named like a module carries its target's content (``link_source``,
        None when the target is outside the tree or missing); a changed file that such a
        symlink points at is marked ``linked_from_python``. No extra process when every changed
        file is a module; otherwise the head listing is read now instead of later, plus one
        cat-file when the tree holds module symlinks at all.
        """
        if all(
            f.new_path is None or (_module_name(f.new_path) and f.new_mode != SYMLINK)
            for f in files
        ):
            return files  # nothing a module symlink could point at, and no such symlink
        entries = head._files()  # the listing the snapshot reads anyway, only earlier
        links = {p: e for p, e in entries.items() if e.mode == SYMLINK and _module_name(p)}
        if not links:
            return files
        blobs = self.read_blobs(e.oid for e in links.values())
        targets = {p: _follow(p, blobs.get(e.oid), entries, blobs) for p, e in links.items()}
        linked = {t for t in targets.values() if t is not None}
        sources = head.read_many(sorted(linked))
        out = []
        for f in files:
            if f.new_path in links and f.new_mode == SYMLINK:
                target = targets[f.new_path]
                f = replace(f, link_source=sources.get(target) if target else None)
            elif f.new_path in linked:
                f = replace(f, linked_from_python=True)
            out.append(f)
        return tuple(out)

    def _diff(self, *args: str, env: Mapping[str, str] | None = None) -> tuple[FileChange, ...]:
        out = self._git(*args[:1], *_DIFF_OPTIONS, *args[1:], env=env).stdout
        records, patch = _split_diff(out)
        unmerged = sorted(r.new_path for r in records if r.status == "U")
        if unmerged:
            raise GitError(
                f"unmerged paths: {', '.join(unmerged)}",
                fix="resolve the conflicts and git add the files",
            )
        patches = _PATCH_START.split(patch)[1:]
        # A type change (file <-> symlink) is printed as a deletion then a creation.
        expected = sum(2 if r.status == TYPE_CHANGED else 1 for r in records)
        if len(patches) != expected:
            raise GitError(
                f"could not read git's diff output ({len(patches)} patches for {expected} files)",
                fix="please report this with your `git --version`",
            )
        blobs = self.read_blobs(
            oid
            for r in records
            for oid, mode in ((r.old_oid, r.old_mode), (r.new_oid, r.new_mode))
            if mode != GITLINK
        )
        files: list[FileChange] = []
        it = iter(patches)
        for r in records:
            if r.status == TYPE_CHANGED:
                removed = _line_ranges(next(it))[1]
                added = _line_ranges(next(it))[0]
            else:
                added, removed = _line_ranges(next(it))
            files.append(_file_change(r, added, removed, blobs))
        return tuple(sorted(files, key=lambda f: f.path))


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


_MODULE_SUFFIXES = (".py", ".pyw", ".pyi")


def _module_name(path: str) -> bool:
    return path.endswith(_MODULE_SUFFIXES)


def _follow(
    link: str, target: bytes | None, entries: Mapping[str, _Entry], blobs: Mapping[str, bytes]
) -> str | None:
    """The regular file a symlink in the tree resolves to, or None (outside, dangling, a loop,
    a directory, or a chain through links we did not read)."""
    for _ in range(40):  # the kernel's own limit on chained links
        if not target or target.startswith(b"/"):
            return None
        path = posixpath.normpath(posixpath.join(posixpath.dirname(link), _fspath(target)))
        if path == ".." or path.startswith("../"):
            return None
        entry = entries.get(path)
        if entry is None:
            return None
        if entry.mode != SYMLINK:
            return path if entry.mode in ("100644", "100755") else None
        link, target = path, blobs.get(entry.oid)
    return None


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


def _open_error(cwd: str, stderr: bytes) -> GitError:
    complaint = _git_complaint(stderr)
    if "not a git repository" in complaint:
        return GitError("not a git repository", path=cwd, fix="run inside a clone, or pass --repo")
    owner = re.search(r"dubious ownership in repository at '(.*)'", complaint)
    if owner:
        return GitError(
            "git refuses to read this repository: it belongs to another user",
            path=cwd,
            fix=f"git config --global --add safe.directory {owner[1]}",
        )
    if "must be run in a work tree" in complaint:
        return GitError(
            "this needs a work tree (not a bare repository or a .git directory)",
            path=cwd,
            fix="run inside a checkout of the repository",
        )
    return GitError(
        f"cannot open the repository: {complaint}",
        path=cwd,
        fix="check that `git status` works here",
    )
