"""guardrails.git against real repositories: statuses, line ranges, names, modes, errors."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from guardrails.changes import FileChange, LineRange, Person, Trailer
from guardrails.errors import GitError
from guardrails.git import Change, Repo
from tests.gitrepo import DEFAULT_AUTHOR, GitRepo

ME = Person(*DEFAULT_AUTHOR)
TWENTY = "".join(f"l{i}\n" for i in range(1, 21))


def by_path(change: Change) -> dict[str, FileChange]:
    return {f.path: f for f in change.changes.files}


def status(repo: GitRepo) -> str:
    return repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all")


def git_blob_id(repo: GitRepo, path: str) -> str:
    return repo.git("hash-object", "--", path)


# --- range mode: statuses ------------------------------------------------------------------


def test_range_reports_each_status(repo: GitRepo) -> None:
    repo.write(
        {
            "keep.py": "a = 1\n",
            "gone.py": "g = 1\n",
            "old_name.py": TWENTY,
            "link_me": "target text\n",
            "tool.sh": "echo hi\n",
        }
    )
    base = repo.commit("base")
    repo.write({"keep.py": "a = 2\n", "added.py": "new = True\n"})
    repo.remove("gone.py")
    repo.move("old_name.py", "pkg/new_name.py")
    (repo.root / "link_me").unlink()
    os.symlink("keep.py", repo.root / "link_me")
    (repo.root / "tool.sh").chmod(0o755)
    head = repo.commit("change")

    change = Repo.open(repo.root).read_range(base)
    files = by_path(change)
    assert {p: f.status for p, f in files.items()} == {
        "added.py": "A",
        "gone.py": "D",
        "keep.py": "M",
        "link_me": "T",
        "pkg/new_name.py": "R",
        "tool.sh": "M",
    }
    assert [f.path for f in change.changes.files] == sorted(files)
    assert change.changes.mode == "range"
    assert (change.changes.base, change.changes.head) == (base, head)

    added = files["added.py"]
    assert (added.old_path, added.new_path, added.old_blob, added.old_data) == (
        None,
        "added.py",
        None,
        None,
    )
    assert added.new_data == b"new = True\n" and added.new_mode == "100644"
    assert added.new_blob == git_blob_id(repo, "added.py")
    assert (added.added_lines, added.removed_lines) == ((LineRange(1, 1),), ())

    gone = files["gone.py"]
    assert (gone.old_path, gone.new_path, gone.new_blob, gone.new_data) == (
        "gone.py",
        None,
        None,
        None,
    )
    assert gone.old_data == b"g = 1\n" and gone.old_mode == "100644"
    assert (gone.added_lines, gone.removed_lines) == ((), (LineRange(1, 1),))

    keep = files["keep.py"]
    assert (keep.old_data, keep.new_data) == (b"a = 1\n", b"a = 2\n")
    assert (keep.added_lines, keep.removed_lines) == ((LineRange(1, 1),), (LineRange(1, 1),))

    moved = files["pkg/new_name.py"]
    assert (moved.old_path, moved.new_path, moved.similarity) == (
        "old_name.py",
        "pkg/new_name.py",
        100,
    )
    assert moved.old_data == moved.new_data == TWENTY.encode()
    assert (moved.added_lines, moved.removed_lines) == ((), ())
    assert moved.paths == ("old_name.py", "pkg/new_name.py")

    link = files["link_me"]
    assert (link.old_mode, link.new_mode) == ("100644", "120000")
    assert (link.old_data, link.new_data) == (
        b"target text\n",
        b"keep.py",
    )  # a symlink's data is its target
    assert (link.added_lines, link.removed_lines) == ((LineRange(1, 1),), (LineRange(1, 1),))

    tool = files["tool.sh"]  # mode only: a patch with headers and no hunks
    assert (tool.old_mode, tool.new_mode) == ("100644", "100755")
    assert (tool.added_lines, tool.removed_lines) == ((), ())
    assert tool.old_blob == tool.new_blob


def test_rename_with_edit_has_gits_similarity(repo: GitRepo) -> None:
    repo.write({"a.py": TWENTY})
    base = repo.commit("base")
    repo.move("a.py", "b.py")
    repo.write({"b.py": TWENTY.replace("l7\n", "seven\n")})
    head = repo.commit("rename and edit")
    moved = by_path(Repo.open(repo.root).read_range(base))["b.py"]
    porcelain = repo.git("diff", "--name-status", "-M", base, head)
    assert porcelain == "R091\ta.py\tb.py"
    assert (moved.status, moved.old_path, moved.similarity) == ("R", "a.py", 91)
    assert (moved.added_lines, moved.removed_lines) == ((LineRange(7, 7),), (LineRange(7, 7),))


def test_copy_of_a_modified_file_is_a_copy(repo: GitRepo) -> None:
    repo.write({"src.py": TWENTY})
    base = repo.commit("base")
    repo.write({"copy.py": TWENTY, "src.py": TWENTY.replace("l1\n", "first\n")})
    repo.commit("copy")
    files = by_path(Repo.open(repo.root).read_range(base))
    assert {p: f.status for p, f in files.items()} == {"copy.py": "C", "src.py": "M"}
    copy = files["copy.py"]
    assert (copy.old_path, copy.new_path, copy.similarity) == ("src.py", "copy.py", 100)
    assert copy.paths == ("copy.py", "src.py")


def test_multi_hunk_edit_has_exact_line_ranges(repo: GitRepo) -> None:
    repo.write({"f.txt": TWENTY})
    base = repo.commit("base")
    new = TWENTY.replace("l3\n", "L3\n").replace("l8\nl9\n", "")
    new = new.replace("l15\n", "l15\nn1\nn2\n").replace("l19\nl20\n", "L19\nL20\n")
    repo.write({"f.txt": new})
    repo.commit("edit")
    f = by_path(Repo.open(repo.root).read_range(base))["f.txt"]
    assert f.added_lines == (LineRange(3, 3), LineRange(14, 15), LineRange(19, 20))
    assert f.removed_lines == (LineRange(3, 3), LineRange(8, 9), LineRange(19, 20))
    assert [n for n in range(1, 21) if f.touches_line(n)] == [3, 14, 15, 19, 20]
    assert f.new_text == new and f.old_text == TWENTY


def test_lines_near_each_other_stay_separate_hunks(repo: GitRepo) -> None:
    repo.git("config", "diff.interHunkContext", "10")  # a user's setting must not glue hunks
    repo.write({"f.txt": TWENTY})
    base = repo.commit("base")
    repo.write({"f.txt": TWENTY.replace("l2\n", "two\n").replace("l5\n", "five\n")})
    repo.commit("edit")
    f = by_path(Repo.open(repo.root).read_range(base))["f.txt"]
    assert f.added_lines == (LineRange(2, 2), LineRange(5, 5))


def test_missing_final_newline_is_one_line_change(repo: GitRepo) -> None:
    repo.write({"f.txt": "a\nb"})
    base = repo.commit("base")
    repo.write({"f.txt": "a\nb\nc"})
    repo.commit("append")
    f = by_path(Repo.open(repo.root).read_range(base))["f.txt"]
    assert (f.added_lines, f.removed_lines) == ((LineRange(2, 3),), (LineRange(2, 2),))


def test_binary_file_has_data_but_no_line_ranges(repo: GitRepo) -> None:
    old, new = (
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)),
        b"\x89PNG\0" + bytes(range(200)),
    )
    repo.write({"logo.png": old, "text.txt": "x\n"})
    base = repo.commit("base")
    repo.write({"logo.png": new, "text.txt": "y\n"})
    repo.commit("new logo")
    files = by_path(Repo.open(repo.root).read_range(base))
    logo = files["logo.png"]
    assert (logo.status, logo.old_data, logo.new_data) == ("M", old, new)
    assert (logo.added_lines, logo.removed_lines, logo.binary) == ((), (), True)
    assert logo.new_text is None
    # The text file after it still gets its own ranges: patches stay aligned with files.
    assert files["text.txt"].added_lines == (LineRange(1, 1),)


def test_gitattributes_in_the_change_cannot_hide_added_lines(repo: GitRepo) -> None:
    repo.write({"app.py": "x = 1\n"})
    base = repo.commit("base")
    repo.write({".gitattributes": "*.py -diff\n", "app.py": "x = 1\nos.system(cmd)\n"})
    repo.commit("sneaky")
    app = by_path(Repo.open(repo.root).read_range(base))["app.py"]
    assert (app.added_lines, app.binary) == ((LineRange(2, 2),), False)


def test_binary_content_that_looks_like_a_diff_keeps_files_aligned(repo: GitRepo) -> None:
    evil = b"\0\ndiff --git a/x b/x\n@@ -1 +1,99 @@\nBinary files a and b differ\n"
    repo.write({"a.bin": b"\0old\n", "b.txt": "1\n2\n"})
    base = repo.commit("base")
    repo.write({"a.bin": evil, "b.txt": "1\ntwo\n"})
    repo.commit("edit")
    files = by_path(Repo.open(repo.root).read_range(base))
    assert (files["a.bin"].added_lines, files["a.bin"].new_data) == ((), evil)
    assert files["b.txt"].added_lines == (LineRange(2, 2),)


@pytest.mark.parametrize(
    "name",
    [
        "with space.py",
        "new\nline.py",
        "quo\"te's.py",
        "tab\there.py",
        "caf\udce9.py",
        "ünï.py",
        "-dash.py",
        "dir with space/x.py",
    ],
)
def test_awkward_file_names_round_trip(repo: GitRepo, name: str) -> None:
    repo.write({"plain.py": "p = 1\n"})
    base = repo.commit("base")
    repo.write({name: "x = 1\n", "plain.py": "p = 2\n"})
    repo.commit("add")
    r = Repo.open(repo.root)
    files = by_path(r.read_range(base))
    assert sorted(files) == sorted([name, "plain.py"])
    assert files[name].new_data == b"x = 1\n"
    assert files[name].added_lines == (LineRange(1, 1),)
    assert files["plain.py"].added_lines == (LineRange(1, 1),)
    head = r.snapshot("HEAD")
    assert name in head.paths() and head.read(name) == b"x = 1\n"
    assert head.blob_id(name) == files[name].new_blob


def test_awkward_names_side_by_side_in_every_listing(repo: GitRepo) -> None:
    # A listing is decoded whole, not record by record: a name that ends in a cut UTF-8
    # sequence, right before the NUL, must not swallow its neighbour.
    names = ["cut\udce2\udc82", "tab\there.py", "caf\udce9.py", "ünï.py", "z\udcff"]
    repo.write({n: f"{i}\n" for i, n in enumerate(names)})
    repo.commit("base")
    repo.write({"staged.py": "s\n"})
    repo.git("add", "staged.py")
    r = Repo.open(repo.root)
    ids = {n: repo.git("hash-object", "--", n).strip() for n in [*names, "staged.py"]}
    head, staged = r.snapshot("HEAD"), r.read_staged().head
    for snap, listed in ((head, names), (staged, [*names, "staged.py"]), (r.worktree(), ids)):
        assert sorted(snap.paths()) == sorted(listed)
        assert {n: snap.blob_id(n) for n in listed} == {n: ids[n] for n in listed}


def test_awkward_names_in_staged_rename_and_paths(repo: GitRepo) -> None:
    odd = "caf\udce9 menu\n.txt"
    repo.write({odd: TWENTY})
    repo.commit("base")
    repo.move(odd, 'renamed "x".txt')
    staged = Repo.open(repo.root).read_staged()
    (f,) = staged.changes.files
    assert (f.status, f.old_path, f.new_path, f.similarity) == ("R", odd, 'renamed "x".txt', 100)
    repo.commit("move")
    paths = Repo.open(repo.root).read_paths(['renamed "x".txt'])
    assert [x.path for x in paths.changes.files] == ['renamed "x".txt']


def test_submodule_gitlink_has_no_data_or_ranges(repo: GitRepo) -> None:
    repo.write({"a.txt": "a\n"})
    base = repo.commit("base")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{base},vendor/lib")
    repo.commit("add submodule", add_all=False)
    r = Repo.open(repo.root)
    (sub,) = r.read_range(base).changes.files
    assert (sub.status, sub.path, sub.new_mode, sub.new_blob) == ("A", "vendor/lib", "160000", base)
    assert (sub.new_data, sub.added_lines) == (None, ())
    assert r.snapshot("HEAD").paths() == ["a.txt"]


# --- range mode: merge-base semantics and commits ------------------------------------------


def diverged(repo: GitRepo) -> dict[str, str]:
    """main: base -> m1 (touches main.py); feature (from base): f1, f2 (touch feat.py)."""
    repo.write({"main.py": "m = 0\n", "feat.py": "f = 0\n"})
    shas = {"base": repo.commit("base")}
    repo.branch("feature")
    repo.write({"feat.py": "f = 1\n"})
    shas["f1"] = repo.commit(
        "Add the feature\n\nNote: this line looks like a trailer but is in the body.",
        author=("Claude", "noreply@anthropic.com"),
        committer=("Emma", "emma@acme.dev"),
        trailers=[
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            "Assisted-by: claude-code:claude-opus-4",
        ],
    )
    repo.write({"feat.py": "f = 2\n"})
    shas["f2"] = repo.commit(
        "Tune it", trailers=["Approved-by: Raj <raj@acme.dev>", "  (on the design call)"]
    )
    repo.checkout("main")
    repo.write({"main.py": "m = 1\n"})
    shas["m1"] = repo.commit("Main moves on")
    return shas


def test_range_is_three_dot_from_the_merge_base(repo: GitRepo) -> None:
    shas = diverged(repo)
    r = Repo.open(repo.root)
    change = r.read_range("main", "feature")
    assert [f.path for f in change.changes.files] == ["feat.py"]  # not main.py from m1
    assert (change.changes.base, change.changes.head) == (shas["base"], shas["f2"])
    assert change.base.read("main.py") == b"m = 0\n" and change.head.read("feat.py") == b"f = 2\n"
    f = change.changes.files[0]
    assert (f.old_data, f.new_data) == (b"f = 0\n", b"f = 2\n")
    back = r.read_range("feature", "main")
    assert [f.path for f in back.changes.files] == ["main.py"]
    assert [c.sha for c in back.changes.commits] == [shas["m1"]]


def test_range_commits_oldest_first_with_people_dates_and_trailers(repo: GitRepo) -> None:
    shas = diverged(repo)
    commits = Repo.open(repo.root).read_range("main", "feature").changes.commits
    assert [c.sha for c in commits] == [shas["f1"], shas["f2"]]
    f1, f2 = commits
    assert f1.parents == (shas["base"],) and f2.parents == (shas["f1"],)
    assert f1.author == Person("Claude", "noreply@anthropic.com")
    assert f1.committer == Person("Emma", "emma@acme.dev")
    assert (f1.author_date, f1.committer_date) == ("2023-11-14T22:15:20+00:00",) * 2
    assert f1.subject == "Add the feature"
    assert f1.message == (
        "Add the feature\n\nNote: this line looks like a trailer but is in the body.\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>\nAssisted-by: claude-code:claude-opus-4"
    )
    assert f1.trailers == (
        Trailer("Co-Authored-By", "Claude <noreply@anthropic.com>"),
        Trailer("Assisted-by", "claude-code:claude-opus-4"),
    )
    assert f1.trailer_values("co-authored-by") == ("Claude <noreply@anthropic.com>",)
    assert f2.trailers == (Trailer("Approved-by", "Raj <raj@acme.dev> (on the design call)"),)
    assert f2.author == f2.committer == ME


def test_range_includes_merge_commits_with_both_parents(repo: GitRepo) -> None:
    shas = diverged(repo)
    repo.checkout("feature")
    repo.git("merge", "-q", "--no-edit", "main")
    merge = repo.git("rev-parse", "HEAD")
    change = Repo.open(repo.root).read_range(shas["base"])
    assert [c.sha for c in change.changes.commits][-1] == merge
    assert change.changes.commits[-1].parents == (shas["f2"], shas["m1"])
    assert len(change.changes.commits) == 4
    assert [f.path for f in change.changes.files] == ["feat.py", "main.py"]


# --- staged mode ---------------------------------------------------------------------------


def test_staged_is_index_against_head_not_the_worktree(repo: GitRepo) -> None:
    repo.write({"a.py": "a = 1\n", "b.py": "b = 1\n"})
    head = repo.commit("base")
    repo.write({"a.py": "a = 2\n"})
    repo.stage("a.py")
    repo.write({"a.py": "a = 3\n", "b.py": "b = 2\n"})  # unstaged edits are not the change
    change = Repo.open(repo.root).read_staged()
    cs = change.changes
    assert (cs.mode, cs.base, cs.head, cs.commits, cs.committer) == ("staged", head, None, (), ME)
    (f,) = cs.files
    assert (f.path, f.status, f.old_data, f.new_data) == ("a.py", "M", b"a = 1\n", b"a = 2\n")
    assert change.head.label == "index" and change.base.label == "HEAD"
    assert change.head.read("a.py") == b"a = 2\n" and change.base.read("a.py") == b"a = 1\n"
    assert change.head.read_many(["a.py", "b.py", "nope"]) == {
        "a.py": b"a = 2\n",
        "b.py": b"b = 1\n",
    }


def test_staged_reads_the_index_a_git_hook_is_given(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`git commit -a` runs the pre-commit hook with GIT_INDEX_FILE naming a temporary index."""
    repo.write({"a.py": "a = 1\n", "b.py": "b = 1\n"})
    repo.commit("base")
    repo.write({"b.py": "b = 2\n"})
    other = repo.root / ".git" / "next-index"
    repo.git("read-tree", "HEAD", env={"GIT_INDEX_FILE": str(other)})
    repo.git("add", "b.py", env={"GIT_INDEX_FILE": str(other)})
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    change = Repo.open(repo.root).read_staged()
    assert [(f.path, f.new_data) for f in change.changes.files] == [("b.py", b"b = 2\n")]


def test_staged_on_an_unborn_branch_compares_with_the_empty_tree(repo: GitRepo) -> None:
    repo.write({"a.py": "a = 1\n", "pkg/b.py": "b = 1\nb = 2\n"})
    repo.stage()
    change = Repo.open(repo.root).read_staged()
    cs = change.changes
    assert (cs.base, cs.head) == (None, None)
    assert [(f.path, f.status, f.added_lines) for f in cs.files] == [
        ("a.py", "A", (LineRange(1, 1),)),
        ("pkg/b.py", "A", (LineRange(1, 2),)),
    ]
    assert list(change.base.paths()) == [] and change.base.read("a.py") is None
    assert list(change.head.paths()) == ["a.py", "pkg/b.py"]


def test_staged_with_nothing_staged_is_an_empty_change(repo: GitRepo) -> None:
    repo.write({"a.py": "a = 1\n"})
    repo.commit("base")
    assert Repo.open(repo.root).read_staged().changes.files == ()


def _diverged(repo: GitRepo) -> None:
    """main and other each change a.py: merging other into main conflicts."""
    repo.write({"a.py": "a = 0\n"})
    repo.commit("base")
    repo.branch("other")
    repo.write({"a.py": "a = 1\n"})
    repo.commit("other")
    repo.checkout("main")
    repo.write({"a.py": "a = 2\n"})
    repo.commit("main")


def _merge_other(repo: GitRepo) -> None:
    subprocess.run(["git", "merge", "-q", "other"], cwd=repo.root, capture_output=True, check=False)


def test_staged_refuses_unmerged_paths(repo: GitRepo) -> None:
    _diverged(repo)
    _merge_other(repo)
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_staged()
    assert str(err.value) == (
        "unmerged paths: a.py (fix: resolve the conflicts and git add the files)"
    )


def test_sha256_repository(tmp_path: Path) -> None:
    root = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)], check=True)
    repo = GitRepo(root)
    repo.write({"a.py": "a = 1\n"})
    repo.stage()
    r = Repo.open(root)
    (f,) = r.read_staged().changes.files  # against the sha256 empty tree
    assert (f.status, f.new_data, len(f.new_blob or "")) == ("A", b"a = 1\n", 64)
    repo.write({"a.py": "a = 2\n"})
    assert r.worktree().blob_id("a.py") == git_blob_id(repo, "a.py")


def test_identity_is_the_committer_git_would_use(repo: GitRepo) -> None:
    r = Repo.open(repo.root)
    assert r.identity() == ME
    repo.git("config", "--unset", "user.name")
    repo.git("config", "--unset", "user.email")
    repo.git("config", "user.useConfigOnly", "true")
    assert r.identity() is None


# --- patch mode ----------------------------------------------------------------------------


def make_patch(repo: GitRepo, files: dict[str, str], remove: tuple[str, ...] = ()) -> bytes:
    """A `git diff HEAD` of an edit, then the edit is undone."""
    repo.write(files)
    for p in remove:
        (repo.root / p).unlink()
    repo.git("add", "-A")
    out = subprocess.run(
        ["git", "diff", "--cached", "-M", "HEAD"], cwd=repo.root, capture_output=True, check=True
    ).stdout
    repo.git("reset", "-q", "--hard", "HEAD")
    return out


def test_patch_is_applied_in_memory(repo: GitRepo) -> None:
    repo.write({"a.py": TWENTY, "gone.py": "g\n", "dirty.py": "d = 0\n"})
    head = repo.commit("base")
    patch = make_patch(
        repo, {"a.py": TWENTY.replace("l4\n", "four\n"), "new dir/n.py": "n\n"}, remove=("gone.py",)
    )
    # The user has their own staged and unstaged work: it must survive untouched.
    repo.write({"dirty.py": "d = 1\n", "untracked.txt": "u\n"})
    repo.stage("dirty.py")
    repo.write({"dirty.py": "d = 2\n"})
    before = (status(repo), (repo.root / ".git" / "index").read_bytes())

    change = Repo.open(repo.root).read_patch(patch)

    assert (status(repo), (repo.root / ".git" / "index").read_bytes()) == before
    assert [
        p.name for p in (repo.root / ".git").iterdir() if p.name.startswith("guardrails-")
    ] == []
    cs = change.changes
    assert (cs.mode, cs.base, cs.head, cs.committer) == ("patch", head, None, ME)
    assert {f.path: f.status for f in cs.files} == {
        "a.py": "M",
        "gone.py": "D",
        "new dir/n.py": "A",
    }
    a = by_path(change)["a.py"]
    assert (a.added_lines, a.removed_lines) == ((LineRange(4, 4),), (LineRange(4, 4),))
    assert a.new_data == TWENTY.replace("l4\n", "four\n").encode()
    assert change.head.label == "patch"
    assert list(change.head.paths()) == ["a.py", "dirty.py", "new dir/n.py"]
    assert change.head.read("dirty.py") == b"d = 0\n"  # HEAD + patch, not the user's index
    assert change.head.read_many(["new dir/n.py", "gone.py"]) == {"new dir/n.py": b"n\n"}


def test_patch_with_a_rename(repo: GitRepo) -> None:
    repo.write({"a.py": TWENTY})
    repo.commit("base")
    repo.move("a.py", "b.py")
    patch = subprocess.run(
        ["git", "diff", "--cached", "-M", "HEAD"], cwd=repo.root, capture_output=True, check=True
    ).stdout
    repo.git("reset", "-q", "--hard", "HEAD")
    (f,) = Repo.open(repo.root).read_patch(patch).changes.files
    assert (f.status, f.old_path, f.new_path, f.similarity) == ("R", "a.py", "b.py", 100)


def test_patch_that_does_not_apply_names_the_file_and_line(repo: GitRepo) -> None:
    repo.write({"a.py": TWENTY})
    repo.commit("base")
    patch = make_patch(repo, {"a.py": TWENTY.replace("l4\n", "four\n")})
    repo.write({"a.py": TWENTY.replace("l4\n", "FOUR\n")})
    repo.commit("someone else changed line 4")
    before = (status(repo), (repo.root / ".git" / "index").read_bytes())
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_patch(patch)
    assert str(err.value) == (
        "the patch does not apply to HEAD: patch failed: a.py:1; a.py: patch does not apply "
        "(fix: regenerate it against HEAD (git diff HEAD > change.patch))"
    )
    assert (status(repo), (repo.root / ".git" / "index").read_bytes()) == before
    assert [
        p.name for p in (repo.root / ".git").iterdir() if p.name.startswith("guardrails-")
    ] == []


@pytest.mark.parametrize("patch", [b"", b"\n  \n", b"this is not a diff\n"])
def test_empty_or_garbage_patch_is_an_error(repo: GitRepo, patch: bytes) -> None:
    repo.write({"a.py": "a\n"})
    repo.commit("base")
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_patch(patch)
    message = str(err.value)
    assert message.startswith(("the patch is empty", "the patch does not apply to HEAD: "))
    assert "(fix: " in message


def test_patch_on_an_unborn_branch(repo: GitRepo) -> None:
    patch = (
        b"diff --git a/a.py b/a.py\nnew file mode 100644\n--- /dev/null\n+++ b/a.py\n"
        b"@@ -0,0 +1,2 @@\n+one\n+two\n"
    )
    change = Repo.open(repo.root).read_patch(patch)
    (f,) = change.changes.files
    assert (f.status, f.path, f.new_data, f.added_lines) == (
        "A",
        "a.py",
        b"one\ntwo\n",
        (LineRange(1, 2),),
    )
    assert change.changes.base is None and list(change.base.paths()) == []


# --- paths mode ----------------------------------------------------------------------------


def test_paths_expand_directories_and_accept_cwd_relative_names(repo: GitRepo) -> None:
    repo.write({"svc/a/x.py": "", "svc/a/y.py": "", "svc/ab.py": "", "top.py": "", "docs/r.md": ""})
    head = repo.commit("base")
    repo.write({"svc/a/new.py": ""})  # on disk, not yet added: still a path you can ask about
    change = Repo.open(repo.root / "svc").read_paths(
        ["svc/a", "ab.py", "a/new.py", str(repo.root / "top.py")]
    )
    cs = change.changes
    assert [f.path for f in cs.files] == [
        "svc/a/new.py",
        "svc/a/x.py",
        "svc/a/y.py",
        "svc/ab.py",
        "top.py",
    ]
    assert all((f.status, f.old_path, f.new_path) == ("M", f.path, f.path) for f in cs.files)
    assert all(f.old_data is None and f.new_data is None for f in cs.files)
    assert (cs.mode, cs.base, cs.head, cs.commits) == ("paths", head, None, ())
    assert change.head.label == "worktree" and change.base.label == "HEAD"


def test_paths_dot_is_every_tracked_file(repo: GitRepo) -> None:
    repo.write({"a.py": "", "b/c.py": ""})
    repo.commit("base")
    assert [f.path for f in Repo.open(repo.root).read_paths(["."]).changes.files] == [
        "a.py",
        "b/c.py",
    ]
    assert [f.path for f in Repo.open(repo.root / "b").read_paths(["."]).changes.files] == [
        "b/c.py"
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "nope.py",
            "nope.py: no such file or directory in the repository (fix: name a tracked file "
            "or directory, relative to the repository root)",
        ),
        (
            "empty",
            "empty: no tracked files in this directory (fix: git add the files, or name the "
            "files themselves)",
        ),
    ],
)
def test_paths_unknown(repo: GitRepo, path: str, message: str) -> None:
    repo.write({"a.py": ""})
    repo.commit("base")
    (repo.root / "empty").mkdir()
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_paths(["a.py", path])
    assert str(err.value) == message


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside", "a/../../x", "{parent}/x.py"])
def test_paths_outside_the_repository_say_so(repo: GitRepo, path: str) -> None:
    # It used to say "no such file or directory in the repository", as if a typo.
    repo.write({"a.py": ""})
    repo.commit("base")
    path = path.format(parent=repo.root.parent)
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_paths([path])
    assert str(err.value) == (
        f"{path}: outside the repository {repo.root} "
        f"(fix: name a file or directory inside {repo.root})"
    )


def test_absolute_paths_inside_the_repository_still_work(repo: GitRepo) -> None:
    repo.write({"a/b.py": "", "c.py": ""})
    repo.commit("base")
    change = Repo.open(repo.root / "a").read_paths([str(repo.root / "a"), f"{repo.root}/c.py"])
    assert [f.path for f in change.changes.files] == ["a/b.py", "c.py"]


# --- snapshots -----------------------------------------------------------------------------


def test_commit_snapshot_reads_a_tree_in_one_batch(repo: GitRepo) -> None:
    repo.write({"a.py": "a\n", "d/b.py": "b\n"})
    first = repo.commit("one")
    repo.write({"a.py": "A\n"})
    repo.commit("two")
    snap = Repo.open(repo.root).snapshot(first[:10])
    assert snap.label == first
    assert snap.paths() == ["a.py", "d/b.py"]
    assert snap.read_many(["a.py", "d/b.py", "d", "missing"]) == {"a.py": b"a\n", "d/b.py": b"b\n"}
    assert snap.read("missing") is None
    assert snap.blob_id("a.py") == hashlib.sha1(b"blob 2\0a\n").hexdigest()
    assert snap.blob_id("d") is None


def test_worktree_snapshot_reads_disk_and_hashes_like_git(repo: GitRepo) -> None:
    repo.write({"same.py": "s\n", "edited.py": "e\n", "deleted.py": "d\n"})
    repo.write({"unlooked.py": "u\n", "sparse.py": "p\n", "kept.py": "k\n"})
    repo.commit("base")
    os.symlink("same.py", repo.root / "link")
    repo.stage("link")
    repo.write({"edited.py": "e2\n", "untracked.py": "u\n"})
    (repo.root / "deleted.py").unlink()
    # Gone from disk where git is told not to look: git reports neither, the disk decides.
    repo.git("update-index", "--assume-unchanged", "unlooked.py", "kept.py")
    repo.git("update-index", "--skip-worktree", "sparse.py")
    (repo.root / "unlooked.py").unlink()
    (repo.root / "sparse.py").unlink()
    wt = Repo.open(repo.root).worktree()
    assert wt.label == "worktree"
    assert wt.paths() == ["edited.py", "kept.py", "link", "same.py"]
    assert wt.read_many(["edited.py", "link", "deleted.py"]) == {
        "edited.py": b"e2\n",
        "link": b"same.py",
    }
    assert wt.read("untracked.py") == b"u\n"  # readable by name, though not listed
    for path in ("same.py", "edited.py", "untracked.py"):
        assert wt.blob_id(path) == git_blob_id(repo, path)
    assert wt.blob_id("link") == repo.git("rev-parse", ":link")
    assert wt.blob_id("deleted.py") is None
    for outside in ("../x", "/etc/passwd", ".git/config", ""):
        assert wt.read(outside) is None


# --- errors --------------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitError) as err:
        Repo.open(plain)
    assert (
        str(err.value) == f"{plain}: not a git repository (fix: run inside a clone, or pass --repo)"
    )


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(GitError) as err:
        Repo.open(tmp_path / "nowhere")
    assert (
        str(err.value)
        == f"{tmp_path / 'nowhere'}: no such directory (fix: pass an existing directory to --repo)"
    )


def test_open_from_a_subdirectory_finds_the_top(repo: GitRepo) -> None:
    repo.write({"a/b/c.py": ""})
    repo.commit("base")
    r = Repo.open(repo.root / "a" / "b")
    assert (r.root, r.git_dir, r.prefix) == (repo.root, repo.root / ".git", "a/b/")


@pytest.mark.parametrize(
    ("rev", "fetch"),
    [
        # `git fetch origin origin/main` fails: the remote has no branch named origin/main.
        ("origin/main", "git fetch origin main"),
        ("origin/feature/x", "git fetch origin feature/x"),
        ("upstream/release~2", "git fetch upstream release"),
        ("origin-mirror/main", "git fetch origin-mirror main"),
        ("main", "git fetch origin main"),
        ("v9.9", "git fetch origin v9.9"),
        ("--output=x", "git fetch origin --output=x"),
    ],
)
def test_unknown_revision_says_how_to_fetch_it(repo: GitRepo, rev: str, fetch: str) -> None:
    repo.write({"a.py": ""})
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "work")
    repo.git("branch", "-q", "-D", "main")
    for remote in ("origin", "upstream", "origin-mirror"):
        repo.git("remote", "add", remote, f"https://git.example/{remote}.git")
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_range(rev)
    assert str(err.value) == f"unknown revision '{rev}' (fix: check the name, or fetch it: {fetch})"


def test_unknown_revision_without_remotes_names_origin(repo: GitRepo) -> None:
    repo.write({"a.py": ""})
    repo.commit("base")
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_range("origin/nope")
    assert str(err.value) == (
        "unknown revision 'origin/nope' (fix: check the name, or fetch it: git fetch origin nope)"
    )


def test_resolve_gives_the_full_sha(repo: GitRepo) -> None:
    repo.write({"a.py": ""})
    sha = repo.commit("base")
    repo.git("tag", "-a", "-m", "v1", "v1")
    r = Repo.open(repo.root)
    assert r.resolve("HEAD") == r.resolve(sha[:7]) == r.resolve("v1") == sha


def test_no_commits_yet(repo: GitRepo) -> None:
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_range("main")
    assert (
        str(err.value)
        == "unknown revision 'main' (fix: check the name, or fetch it: git fetch origin main)"
    )
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).resolve("HEAD")
    assert "HEAD: the repository has no commits yet" in str(err.value)


def test_empty_range(repo: GitRepo) -> None:
    repo.write({"a.py": ""})
    repo.commit("base")
    repo.branch("feature")
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_range("main")
    assert str(err.value) == (
        "no commits between main and HEAD: HEAD is already in main "
        "(fix: commit the change first, or pass an older --base)"
    )


def test_unrelated_histories_have_no_merge_base(repo: GitRepo) -> None:
    repo.write({"a.py": ""})
    repo.commit("base")
    repo.git("checkout", "-q", "--orphan", "other")
    repo.commit("unrelated")
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_range("main")
    assert str(err.value) == (
        "no merge base between main and HEAD: they share no history "
        "(fix: pass a --base on the same history as the head, e.g. origin/main)"
    )


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[GitRepo, dict[str, str]]:
    origin = GitRepo.create(tmp_path / "origin")
    return origin, diverged(origin)


def shallow_clone(origin: GitRepo, dest: Path, *extra: str) -> GitRepo:
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", *extra, f"file://{origin.root}", str(dest)],
        check=True,
        capture_output=True,
    )
    return GitRepo(dest)


def test_shallow_clone_old_base_says_how_to_fetch_more(
    upstream: tuple[GitRepo, dict[str, str]], tmp_path: Path
) -> None:
    origin, shas = upstream
    clone = shallow_clone(origin, tmp_path / "clone")
    with pytest.raises(GitError) as err:
        Repo.open(clone.root).read_range(shas["base"])
    assert str(err.value) == (
        f"unknown revision '{shas['base']}': this is a shallow clone and it may lie outside the "
        f"fetched history (fix: git fetch origin {shas['base']}, or fetch more history: "
        "git fetch --deepen=N or git fetch --unshallow (in GitHub Actions set fetch-depth: 0 on "
        "actions/checkout))"
    )


def test_shallow_clone_without_merge_base(
    upstream: tuple[GitRepo, dict[str, str]], tmp_path: Path
) -> None:
    origin, shas = upstream
    clone = shallow_clone(origin, tmp_path / "clone", "--no-single-branch")
    with pytest.raises(GitError) as err:
        Repo.open(clone.root).read_range("origin/main", "origin/feature")
    assert str(err.value) == (
        "no merge base between origin/main and origin/feature: this is a shallow clone and "
        "their common history was not fetched (fix: fetch more history: git fetch --deepen=N or "
        "git fetch --unshallow (in GitHub Actions set fetch-depth: 0 on actions/checkout))"
    )
    clone.git("fetch", "-q", "--unshallow")  # and the fix works
    change = Repo.open(clone.root).read_range("origin/main", "origin/feature")
    assert change.changes.base == shas["base"]


# --- cost: a constant number of git processes ----------------------------------------------


def count_git_processes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = subprocess.Popen

    def spy(args, *a, **kw):  # type: ignore[no-untyped-def]
        if args and args[0] == "git":
            calls.append(list(args[1:]))
        return real(args, *a, **kw)

    monkeypatch.setattr("guardrails.git.run._popen", spy)
    return calls


@pytest.mark.parametrize("n", [3, 1000])
def test_process_count_does_not_grow_with_files(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    repo.write({f"pkg/m{i}.py": f"x = {i}\n" for i in range(n)})
    base = repo.commit("base")
    repo.write({f"pkg/m{i}.py": f"x = {i + 1}\n" for i in range(n)})
    repo.write({f"new/n{i}.py": "n\n" for i in range(n)})
    repo.commit("edit everything")
    repo.write({f"pkg/m{i}.py": "staged\n" for i in range(n)})
    repo.stage()
    r = Repo.open(repo.root)
    calls = count_git_processes(monkeypatch)

    change = r.read_range(base)
    assert len(change.changes.files) == 2 * n
    assert all(f.new_data is not None for f in change.changes.files)
    assert [c[0] if c[0] != "-c" else c[2] for c in calls] == [
        "rev-parse",  # base and head at once
        "merge-base",
        "diff-tree",  # the raw records, then the patch, the log and both listings at once
        "diff-tree",
        "log",
        "ls-tree",
        "ls-tree",
        "cat-file",  # the blobs the raw records name, while the patch is written
    ]
    calls.clear()
    head = change.head
    assert len(head.read_many(head.paths())) == 2 * n
    assert calls == []  # listed already, and every file changed: the diff read them all
    calls.clear()
    change = r.read_staged()
    assert len(change.changes.files) == n
    # Two rounds: HEAD, the committer and the diff at once, then the blobs beside the index
    # listing, which the catalog reads next (so listing the index later starts nothing).
    assert [c[0] for c in calls] == ["rev-parse", "var", "diff-index", "ls-files", "cat-file"]
    calls.clear()
    assert len(change.head.paths()) == 2 * n
    assert calls == []
    calls.clear()
    wt = r.worktree()
    ids = {wt.blob_id(p) for p in wt.paths()}
    assert len(wt.paths()) == 2 * n and len(ids) == 2  # every m*.py is "staged\n", n*.py "n\n"
    assert [c[0] for c in calls] == ["diff-files", "ls-files"]  # at once


def test_fix_hints_for_ranges_empty_names_and_deep_ancestors(repo: GitRepo) -> None:
    from guardrails.errors import GitError
    from guardrails.git import Repo

    repo.write({"a.py": "x = 1\n"})
    repo.commit("one")
    r = Repo.open(repo.root)
    for bad in ("main..HEAD", ""):
        with pytest.raises(GitError) as err:
            r.resolve(bad)
        assert "not a revision" in str(err.value) and "git fetch" not in str(err.value)
    with pytest.raises(GitError) as deep:
        r.resolve("HEAD~99")
    assert "git fetch --deepen=100" in str(deep.value)


def _staged_cases(repo: GitRepo) -> list[tuple[str, bool]]:
    """(what, anything staged) after each step, as read_staged reads it."""
    r = Repo.open(repo.root)
    out = []

    def note(what: str) -> None:
        out.append((what, bool(r.read_staged().changes.files)))

    note("unborn, nothing staged")
    repo.write({"a.py": "a = 0\n", "b.txt": "b\n"})
    repo.stage()
    note("unborn, files staged")
    repo.commit("base")
    note("committed, clean")
    repo.write({"a.py": "a = 1\n"})
    note("an unstaged edit only")
    repo.stage()
    note("an edit staged")
    repo.git("reset", "-q")
    repo.remove("b.txt")
    note("a deletion staged")
    repo.git("reset", "-q", "--hard")
    repo.git("update-index", "--chmod=+x", "b.txt")
    note("a mode change staged")
    return out


def test_read_staged_sees_exactly_what_is_staged(repo: GitRepo) -> None:
    assert _staged_cases(repo) == [
        ("unborn, nothing staged", False),
        ("unborn, files staged", True),
        ("committed, clean", False),
        ("an unstaged edit only", False),
        ("an edit staged", True),
        ("a deletion staged", True),
        ("a mode change staged", True),
    ]


def test_nothing_staged_costs_three_processes_started_together(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook with nothing staged (`git commit --amend -m`): no cat-file, nothing listed."""
    repo.write({"a.py": "a = 0\n"})
    repo.commit("base")
    r = Repo.open(repo.root)
    calls = count_git_processes(monkeypatch)
    assert r.read_staged().changes.files == ()
    assert [c[0] for c in calls] == ["rev-parse", "var", "diff-index"]  # all three at once


def test_nothing_staged_in_a_sha256_repository(tmp_path: Path) -> None:
    root = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(root)], check=True)
    repo = GitRepo(root)
    r = Repo.open(root)
    assert r.read_staged().changes.files == ()
    repo.write({"a.py": "a = 1\n"})
    repo.stage()
    assert [f.path for f in r.read_staged().changes.files] == ["a.py"]


@pytest.mark.parametrize("selector", ["staged", "range", "patch"])
def test_a_changes_trees_read_its_own_files_without_git(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, selector: str
) -> None:
    """The diff read both sides of every changed file: reading them again through the trees
    (the import graph, the rules) starts no cat-file (only the listing each tree needs
    anyway); other files still come from git."""
    repo.write({"a.py": "a = 0\n", "b.py": "b = 0\n", "c.py": "c = 0\n"})
    repo.commit("base")
    repo.write({"a.py": "a = 1\n", "b.py": "b = 1\n"})
    r = Repo.open(repo.root)
    if selector == "staged":
        repo.stage()
        change = r.read_staged()
    elif selector == "range":
        repo.commit("edit")
        change = r.read_range("HEAD~1", "HEAD")
    else:
        patch = (repo.git("diff") + "\n").encode()
        repo.git("checkout", "--", ".")
        change = r.read_patch(patch)
    calls = count_git_processes(monkeypatch)
    assert change.head.read_many(["a.py", "b.py"]) == {"a.py": b"a = 1\n", "b.py": b"b = 1\n"}
    assert change.base.read_many(["a.py", "b.py"]) == {"a.py": b"a = 0\n", "b.py": b"b = 0\n"}
    listed = [c[0] for c in calls]
    assert "cat-file" not in listed and len(listed) <= 2
    calls.clear()
    assert change.head.read_many(["a.py", "c.py"]) == {"a.py": b"a = 1\n", "c.py": b"c = 0\n"}
    assert [c[0] for c in calls] == ["cat-file"]


def test_a_range_resolves_base_and_head_at_once_as_one_by_one(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write({"a.py": "a = 0\n"})
    first = repo.commit("one")
    repo.git("tag", "-a", "-m", "v1", "v1")  # an annotated tag: peeled to its commit
    repo.branch("feature")
    repo.write({"a.py": "a = 1\n"})
    second = repo.commit("two")
    r = Repo.open(repo.root)
    calls = count_git_processes(monkeypatch)
    for base, head in [
        ("main", "feature"),
        ("v1", "HEAD"),
        (first[:7], "HEAD~0"),
        ("HEAD~1", second),
    ]:
        calls.clear()
        assert r._resolve_pair(base, head) == (r.resolve(base), r.resolve(head))
        assert calls[0] == ["rev-parse", "--revs-only", f"{base}^{{commit}}", f"{head}^{{commit}}"]
        assert len(calls) == 3  # the pair, then the two checks above
    for base, head, wrong in [
        ("nope", "HEAD", "nope"),
        ("main", "nope", "nope"),
        ("main", "a.py", "a.py"),
    ]:
        with pytest.raises(GitError) as err:
            r.read_range(base, head)
        assert str(err.value).startswith(f"unknown revision '{wrong}' (fix: check the name")


def test_a_staged_diff_git_cannot_make_fails_closed(repo: GitRepo) -> None:
    """HEAD is there but its tree cannot be read: an error, never a diff against nothing
    (which would drop the staged deletion of CODEOWNERS from the change)."""
    repo.write({"a.py": "a = 0\n", "CODEOWNERS": "* @org/a\n"})
    repo.commit("base")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    repo.git("rm", "-q", "CODEOWNERS")
    repo.write({"b.py": "b = 0\n"})
    repo.stage()
    obj = repo.root / ".git" / "objects" / tree[:2] / tree[2:]
    obj.chmod(0o644)
    obj.unlink()
    with pytest.raises(GitError) as err:
        Repo.open(repo.root).read_staged()
    assert "git diff-index failed" in str(err.value)


def test_a_failed_staged_read_leaves_no_git_process_behind(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    _diverged(repo)
    _merge_other(repo)
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def spy(args, *a, **kw):  # type: ignore[no-untyped-def]
        proc = real(args, *a, **kw)
        started.append(proc)
        return proc

    monkeypatch.setattr("guardrails.git.run._popen", spy)
    with pytest.raises(GitError, match="unmerged paths"):
        Repo.open(repo.root).read_staged()
    assert len(started) >= 4
    assert all(p.returncode is not None for p in started)
    assert all(p.stdout is None or p.stdout.closed for p in started)


# -- several git processes read at once (run.drain) --


def _big_range(repo: GitRepo) -> str:
    """A range whose patch text and blobs are each far over a pipe's 64 KiB."""
    body = "".join(f"value_{i} = {i}  # {'x' * 40}\n" for i in range(60))
    repo.write({f"pkg/m{i}.py": body for i in range(300)})
    base = repo.commit("base")
    repo.write({f"pkg/m{i}.py": body.replace("= 7 ", f"= {i} ") for i in range(300) if i != 3})
    repo.remove("pkg/m3.py")
    repo.write({"pkg/renamed.py": body + "tail = 1\n"})
    repo.commit("edit")
    return base


def test_a_wide_range_reads_as_one_diff_process_would(repo: GitRepo) -> None:
    from guardrails.git.run import _DIFF_OPTIONS

    base = _big_range(repo)
    r = Repo.open(repo.root)
    change = r.read_range(base)
    one = r._changes(r._git("diff-tree", "-r", *_DIFF_OPTIONS, base, "HEAD").stdout)
    assert change.changes.files == one
    assert len(one) > 290 and sum(len(f.new_data or b"") for f in one) > 128 * 1024
    assert "M" in {f.status for f in one} and any(f.removed_lines for f in one)


def test_drain_reads_every_process_whole(repo: GitRepo) -> None:
    from guardrails.git.run import _Pending, drain

    base = _big_range(repo)
    r = Repo.open(repo.root)
    oids = "".join(
        f"{line.split()[2]}\n" for line in repo.git("ls-tree", "-r", "HEAD").splitlines()
    )
    started = [
        r._start("cat-file", "--batch", input=oids.encode()),
        r._start("diff-tree", "-r", "-p", base, "HEAD"),
        r._start("rev-parse", "HEAD", input=b"x" * 300_000),  # exits without reading its input
        r._start("log", "--format=%H"),
    ]
    drain(*started)
    alone = [_Pending(p._args, repo.root, input=p._input).result().stdout for p in started]
    assert [p.result().stdout for p in started] == alone
    assert len(alone[0]) > 128 * 1024 and len(alone[1]) > 128 * 1024


def test_an_interrupted_drain_leaves_no_process(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import selectors

    from guardrails.git.run import drain

    base = _big_range(repo)
    r = Repo.open(repo.root)
    started = [r._start("diff-tree", "-r", "-p", base, "HEAD"), r._start("log", "-p")]

    def interrupted(self, timeout=None):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(selectors.DefaultSelector, "select", interrupted)
    with pytest.raises(KeyboardInterrupt):
        drain(*started)
    for p in started:
        assert p._proc.returncode is not None  # killed and reaped
        assert p._proc.stdout is not None and p._proc.stdout.closed
        assert p.result(ok=(-9,)).returncode == -9


def test_touches_line_is_membership_in_the_added_ranges() -> None:
    import itertools

    # Every set of disjoint ranges over lines 1-7, every line from 0 to 9.
    spans = [(a, b) for a in range(1, 8) for b in range(a, 8)]
    for n in range(4):
        for picked in itertools.combinations(spans, n):
            if any(picked[i][1] >= picked[i + 1][0] for i in range(len(picked) - 1)):
                continue
            ranges = tuple(LineRange(a, b) for a, b in picked)
            change = FileChange("M", "a.py", "a.py", added_lines=ranges)
            for line in range(10):
                assert change.touches_line(line) == any(a <= line <= b for a, b in picked)
