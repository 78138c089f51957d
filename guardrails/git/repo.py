"""The repository: :class:`Repo` opens one and turns each selector (``--staged``,
``--base``/``--head``, ``--patch``, ``PATH...``) into a :class:`Change`: a
:class:`~guardrails.changes.ChangeSet` plus readable base and head trees.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import msgspec
from msgspec.structs import replace

from guardrails.changes import MODIFIED, TYPE_CHANGED, ChangeSet, FileChange, Person, Snapshot
from guardrails.errors import GitError
from guardrails.git.links import _follow, _module_name
from guardrails.git.parse import (
    _LOG_FIELDS,
    _PATCH_START,
    GITLINK,
    SYMLINK,
    _Entry,
    _file_change,
    _fspath,
    _line_ranges,
    _null,
    _parse_batch,
    _parse_commits,
    _parse_ident,
    _parse_listing,
    _RawDiff,
    _split_diff,
    _text,
)
from guardrails.git.run import (
    _DIFF_OPTIONS,
    _PATCH_OPTIONS,
    _RAW_OPTIONS,
    _Completed,
    _git_complaint,
    _open_error,
    _Pending,
    _run,
    drain,
)
from guardrails.git.snapshots import CommitSnapshot, EmptySnapshot, TreeSnapshot, WorktreeSnapshot

EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
_OID_RE = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")
SHALLOW_FIX = (
    "fetch more history: git fetch --deepen=N or git fetch --unshallow "
    "(in GitHub Actions set fetch-depth: 0 on actions/checkout)"
)


class Change(msgspec.Struct, frozen=True):
    changes: ChangeSet
    base: Snapshot  # HEAD (staged/patch/paths), the merge base (range), empty when unborn
    head: Snapshot  # the index, HEAD + patch, the head commit, or the work tree


_LOG_COMMAND = (
    "-c",
    "log.showSignature=false",
    "log",
    "-z",
    "--no-use-mailmap",
    "--no-color",
    "--date-order",
    "--reverse",
    "--format=" + "%x00".join(_LOG_FIELDS),
)


def _refuse_unmerged(records: Sequence[_RawDiff]) -> None:
    unmerged = sorted(r.new_path for r in records if r.status == "U")
    if unmerged:
        raise GitError(
            f"unmerged paths: {', '.join(unmerged)}",
            fix="resolve the conflicts and git add the files",
        )


def _blob_ids(records: Sequence[_RawDiff]) -> Iterator[str]:
    """The blobs a diff's records name (a submodule's commit is not one)."""
    for r in records:
        for oid, mode in ((r.old_oid, r.old_mode), (r.new_oid, r.new_mode)):
            if mode != GITLINK:
                yield oid


def _blobs_of(pending: _Pending | None, wanted: Sequence[str]) -> dict[str, bytes]:
    """What the ``cat-file --batch`` of ``wanted`` printed, every one there."""
    if pending is None:
        return {}
    blobs = _parse_batch(pending.result().stdout)
    missing = [o for o in wanted if o not in blobs]
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


def _file_changes(
    records: Sequence[_RawDiff], patch: bytes, blobs: Mapping[str, bytes]
) -> tuple[FileChange, ...]:
    """The file changes of a diff's raw records and its patch text, by path."""
    patches = _PATCH_START.split(patch)[1:]
    # A type change (file <-> symlink) is printed as a deletion then a creation.
    expected = sum(2 if r.status == TYPE_CHANGED else 1 for r in records)
    if len(patches) != expected:
        raise GitError(
            f"could not read git's diff output ({len(patches)} patches for {expected} files)",
            fix="please report this with your `git --version`",
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


def _head_of(pending: _Pending) -> str | None:
    proc = pending.result()
    return _text(proc.stdout).strip() if proc.returncode == 0 else None


def _identity(pending: _Pending) -> Person | None:
    proc = pending.result()
    return _parse_ident(_text(proc.stdout)) if proc.returncode == 0 else None


def _modified_of(pending: _Pending) -> frozenset[str]:
    return frozenset(_fspath(p) for p in pending.result().stdout.split(b"\0") if p)


def _listing_of(pending: _Pending, *, index: bool = True) -> Callable[[], dict[str, _Entry]]:
    """The listing a started ``ls-files -s`` (``index``) or ``ls-tree -r`` will print,
    parsed when first asked for."""

    def load() -> dict[str, _Entry]:
        return _parse_listing(pending.result().stdout, index=index)

    return load


def _remembering(change: Change) -> Change:
    """``change`` with its trees knowing the blobs its diff already read: the import graph
    and the rules read the changed files again through the trees (one ``cat-file`` each)."""
    files = change.changes.files
    if isinstance(change.base, TreeSnapshot):
        change.base.remember(
            {f.old_blob: f.old_data for f in files if f.old_blob and f.old_data is not None}
        )
    if isinstance(change.head, TreeSnapshot):
        change.head.remember(
            {f.new_blob: f.new_data for f in files if f.new_blob and f.new_data is not None}
        )
    return change


class Repo(msgspec.Struct, frozen=True):
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
    ) -> _Completed:
        return _run(args, self.root, input=input, env=env, ok=ok)

    def _start(
        self,
        *args: str,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (0,),
    ) -> _Pending:
        return _Pending(args, self.root, input=input, env=env, ok=ok)

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Many blobs, one `git cat-file --batch`."""
        return _blobs_of(*self._start_blobs(oids))

    def _start_blobs(self, oids: Iterable[str]) -> tuple[_Pending | None, list[str]]:
        """`git cat-file --batch` of ``oids`` started (None: nothing to read), and the ids
        it was asked for."""
        unique = sorted({o for o in oids if not _null(o)})
        if not unique:
            return None, unique
        request = "".join(f"{o}\n" for o in unique).encode()
        return self._start("cat-file", "--batch", input=request), unique

    def list_tree(self, sha: str) -> dict[str, _Entry]:
        return _listing_of(self._start_tree_listing(sha), index=False)()

    def _start_tree_listing(self, sha: str) -> _Pending:
        return self._start("ls-tree", "-r", "-z", "--full-tree", sha)

    def list_index(self, env: Mapping[str, str] | None = None) -> dict[str, _Entry]:
        return _listing_of(self._start_listing(env))()

    def _start_listing(self, env: Mapping[str, str] | None = None) -> _Pending:
        return self._start("ls-files", "-s", "-z", env=env)

    def list_worktree_index(self) -> tuple[dict[str, _Entry], frozenset[str], frozenset[str]]:
        """The index; the paths git does not compare with the disk (assume-unchanged,
        skip-worktree: what is on disk there may differ from the index without git noticing);
        and the paths whose file on disk differs from the index or is gone (``git
        diff-files``, git's own stat check, as for ``git status``). Both git processes run at
        once."""
        unstaged = self._start_modified()
        try:
            out = self._git("ls-files", "-s", "-v", "-z").stdout
        except BaseException:
            unstaged.close()
            raise
        unwatched: set[str] = set()
        listing = _parse_listing(out, index=True, unwatched=unwatched)
        return listing, frozenset(unwatched), _modified_of(unstaged)

    def modified(self) -> frozenset[str]:
        """The paths whose file on disk differs from the index or is gone (git's stat check,
        ``git diff-files``)."""
        return _modified_of(self._start_modified())

    def _start_modified(self) -> _Pending:
        return self._start("diff-files", "-z", "--name-only", "--no-relative")

    def index_file(self) -> Path:
        """The index git reads here: ``$GIT_INDEX_FILE`` (a hook's ``git commit -a`` names a
        temporary one; relative to the top of the work tree, where git runs), else the
        worktree's own."""
        named = os.environ.get("GIT_INDEX_FILE")
        if named:
            return Path(named) if os.path.isabs(named) else self.root / named
        return self.private_dir / "index"

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

    def _resolve_pair(self, base: str, head: str) -> tuple[str, str]:
        """``(resolve(base), resolve(head))`` in one ``rev-parse`` when both name commits.

        Without ``--verify`` (which takes one name) git stops reading revisions at the first
        name that is none and prints nothing for the rest: anything but two object ids asks
        again one by one, so every error is :meth:`resolve`'s own.
        """
        names = (base, head)
        if all(n and not n.startswith("-") and ".." not in n for n in names):
            proc = self._git(
                "rev-parse", "--revs-only", *(f"{n}^{{commit}}" for n in names), ok=(0, 128)
            )
            found = _text(proc.stdout).split()
            if proc.returncode == 0 and len(found) == 2 and all(_OID_RE.match(f) for f in found):
                return found[0], found[1]
        return self.resolve(base), self.resolve(head)

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
        return _identity(self._start("var", "GIT_COMMITTER_IDENT", ok=(0, 1, 128)))

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
        return _head_of(self._start_head())

    def _start_head(self) -> _Pending:
        return self._start("rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok=(0, 1, 128))

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
        base_sha, head_sha = self._resolve_pair(base, head)
        mb = self._merge_base(base, base_sha, head, head_sha)
        if mb == head_sha:
            raise GitError(
                f"no commits between {base} and {head}: {head} is already in {base}",
                fix="commit the change first, or pass an older --base",
            )
        # The diff's raw records first (the blob ids), then its contents read while git
        # still writes the patch text, and the log beside both: on a formatter's 400 files
        # the three took 58 + 22 + 5 ms one after the other.
        # The listings of both trees, which the catalogs read next, come beside them.
        raw_p = self._start("diff-tree", "-r", *_RAW_OPTIONS, mb, head_sha)
        started = [raw_p]
        try:
            started.append(patch_p := self._start("diff-tree", "-r", *_PATCH_OPTIONS, mb, head_sha))
            started.append(log_p := self._start(*_LOG_COMMAND, f"{mb}..{head_sha}"))
            started.append(head_ls := self._start_tree_listing(head_sha))
            started.append(base_ls := self._start_tree_listing(mb))
            records, _ = _split_diff(raw_p.result().stdout)
            _refuse_unmerged(records)
            blobs_p, wanted = self._start_blobs(_blob_ids(records))
            if blobs_p is not None:
                started.append(blobs_p)
            drain(*started)
            files = _file_changes(records, patch_p.result().stdout, _blobs_of(blobs_p, wanted))
            commits = _parse_commits(log_p.result().stdout)
        except BaseException:
            for pending in started:
                pending.close()
            raise
        head_tree = CommitSnapshot(self, head_sha, listing=_listing_of(head_ls, index=False))
        files = self._python_links(files, head_tree)
        changes = ChangeSet("range", mb, head_sha, files, commits)
        base_tree = CommitSnapshot(self, mb, listing=_listing_of(base_ls, index=False))
        return _remembering(Change(changes, base_tree, head_tree))

    def read_staged(self) -> Change:
        """The index against HEAD (the empty tree before the first commit).

        HEAD, the committer and the diff are asked at once, and the index listing (which the
        catalog reads next) while the changed blobs are read: two rounds of processes. (The
        diff names HEAD itself, not the commit the first process read: a commit made by
        another process between the two would be judged against the older one.)
        """
        head_p, who_p = (
            self._start_head(),
            self._start("var", "GIT_COMMITTER_IDENT", ok=(0, 1, 128)),
        )
        diff_p = self._start("diff-index", *_DIFF_OPTIONS, "--cached", "HEAD", ok=(0, 128))
        started = [head_p, who_p, diff_p]
        try:
            head = _head_of(head_p)
            if head is None:  # no commit yet: everything staged is added
                diff_p.close()
                out = self._git(
                    "diff-index", *_DIFF_OPTIONS, "--cached", EMPTY_TREE[self.object_format]
                )
            else:
                out = diff_p.result(ok=(0,))  # HEAD is there: git must be able to diff it
            listing = self._start_listing() if out.stdout else None
            if listing is not None:
                started.append(listing)
            files = self._changes(out.stdout)
            load = self.list_index if listing is None else _listing_of(listing)
            index = TreeSnapshot(self, "index", load)
            files = self._python_links(files, index)
            committer = _identity(who_p)
        except BaseException:
            for pending in started:
                pending.close()
            raise
        changes = ChangeSet("staged", head, None, files, committer=committer)
        return _remembering(Change(changes, self._head_snapshot(head), index))

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
            import shutil  # --patch only: shutil brings bz2 and lzma (~3 ms) to every run

            shutil.rmtree(scratch, ignore_errors=True)
        patched = TreeSnapshot(self, "patch", lambda: listing)
        files = self._python_links(files, patched)
        changes = ChangeSet("patch", head, None, files, committer=self.identity())
        return _remembering(Change(changes, self._head_snapshot(head), patched))

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
        import tempfile  # ~8 ms, for the few commands that need a scratch directory

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
        return self._changes(self._git(*args[:1], *_DIFF_OPTIONS, *args[1:], env=env).stdout)

    def _changes(self, out: bytes) -> tuple[FileChange, ...]:
        """The file changes of a raw + patch diff (:data:`_DIFF_OPTIONS`), blobs read."""
        records, patch = _split_diff(out)
        _refuse_unmerged(records)
        return _file_changes(records, patch, self.read_blobs(_blob_ids(records)))
