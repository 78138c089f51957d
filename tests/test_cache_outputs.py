"""`guardrails graph` remembered per tree (guardrails/cache/outputs.py).

A hit must be exactly what a fresh computation prints: every input that changes the
answer (a file's content on disk, the config, CODEOWNERS, an untracked file read by name, a
deleted file, the options, guardrails itself) must miss, and a damaged entry is recomputed.
Each case compares the warm answer with one computed from an empty cache directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

import guardrails
from guardrails.cache import store as store_mod
from guardrails.cache.outputs import KIND
from guardrails.cli import cli
from tests.cli_run import run_listing_modules
from tests.gitrepo import GitRepo
from tests.test_cache import CONFIG, make_org

ROOT = Path(__file__).resolve().parent.parent

def run(repo: GitRepo, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["graph", "-C", str(repo.root), *args])
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


def cache_dir(repo: GitRepo) -> Path:
    return repo.root / ".git" / "guardrails"


def outputs(repo: GitRepo) -> list[Path]:
    return sorted(p for p in (cache_dir(repo) / KIND).rglob("*") if p.is_file())


def fresh(repo: GitRepo, *args: str) -> str:
    shutil.rmtree(cache_dir(repo), ignore_errors=True)
    return run(repo, *args)


@pytest.fixture
def org(repo: GitRepo) -> GitRepo:
    return make_org(repo)


def test_the_same_question_of_the_same_tree_is_answered_from_one_entry(org: GitRepo) -> None:
    first = fresh(org, "--format", "json")
    assert len(outputs(org)) == 1
    # Poison the world caches below: a hit never reads them, so the answer stays right.
    for kind in ("catalog", "claims", "import-graph"):
        shutil.rmtree(cache_dir(org) / kind)
    assert run(org, "--format", "json") == first
    assert not (cache_dir(org) / "catalog").exists()  # nothing below the output was built


def test_a_hit_imports_no_stage_of_the_pipeline(org: GitRepo, tmp_path: Path) -> None:
    stages = {"guardrails.engine", "guardrails.catalog.model", "guardrails.imports", "yaml"}
    runs = [
        run_listing_modules(org.root, tmp_path / f"run{i}.txt", "graph", "--format", "json")
        for i in range(2)
    ]
    assert [(r.returncode, sorted(stages & loaded)) for r, loaded in runs] == [
        (0, sorted(stages)),
        (0, []),
    ]
    assert runs[0][0].stdout == runs[1][0].stdout
    assert '"schema": "guardrails.graph/v1"' in runs[1][0].stdout


def _edit_python(r: GitRepo) -> None:
    r.write({"b/x.py": "from a import m\nvalue = 1\n"})  # unstaged: the worktree counts


def _edit_config(r: GitRepo) -> None:
    r.write({"guardrails.yaml": CONFIG.replace("a: {owner: ta", "a: {owner: tb")})


def _edit_codeowners(r: GitRepo) -> None:
    r.write({"CODEOWNERS": "b/ @org/ta\n"})


def _delete_on_disk(r: GitRepo) -> None:
    (r.root / "a" / "m.py").unlink()  # tracked, gone from disk, not staged


def _move(r: GitRepo) -> None:
    r.move("a/m.py", "b/m.py")


def _edit_assumed_unchanged(r: GitRepo) -> None:
    r.git("update-index", "--assume-unchanged", "b/x.py")  # git stops looking at it
    r.write({"b/x.py": "from a import m\nvalue = 1\n"})


def _edit_skip_worktree(r: GitRepo) -> None:
    r.git("update-index", "--skip-worktree", "guardrails.yaml")
    _edit_config(r)


def _stage_identical_content_elsewhere(r: GitRepo) -> None:
    r.write({"a/n.py": "from b.x import value\n"})  # a new file, same blob as a/m.py
    r.stage("a/n.py")


@pytest.mark.parametrize(
    "edit",
    [
        _edit_python,
        _edit_config,
        _edit_codeowners,
        _delete_on_disk,
        _move,
        _edit_assumed_unchanged,
        _edit_skip_worktree,
        _stage_identical_content_elsewhere,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_every_input_that_changes_the_answer_misses(
    org: GitRepo, edit: Callable[[GitRepo], None], fmt: str
) -> None:
    before = run(org, "--format", fmt)
    assert run(org, "--format", fmt) == before  # warm
    edit(org)
    warm = run(org, "--format", fmt)
    if fmt == "json":  # every edge and its evidence (the text summary counts them only)
        assert warm != before
    assert warm == fresh(org, "--format", fmt)


def test_an_untracked_config_is_checked_by_content_on_every_hit(repo: GitRepo) -> None:
    repo.write({"a/__init__.py": "", "b/__init__.py": "", "a/m.py": "import b\n"})
    repo.commit("init")
    repo.write({"guardrails.yaml": CONFIG})  # never added: read by name, not listed
    before = run(repo, "--format", "json")
    assert '"owner": "team:ta"' in before
    repo.write({"guardrails.yaml": CONFIG.replace("a: {owner: ta", "a: {owner: tb")})
    edited = run(repo, "--format", "json")
    assert '"owner": "team:ta"' not in edited
    assert edited == fresh(repo, "--format", "json")
    (repo.root / "guardrails.yaml").unlink()  # gone: zero-config, another answer again
    gone = run(repo, "--format", "json")
    assert gone not in (before, edited)
    assert gone == fresh(repo, "--format", "json")


def test_each_set_of_options_is_its_own_entry(org: GitRepo) -> None:
    shapes = [
        ("--format", "json"),
        ("--format", "text"),
        ("--format", "dot"),
        ("--format", "mermaid"),
        ("--format", "graphml"),
        ("--format", "json", "--focus", "service:a"),
        ("--format", "json", "--focus", "service:a", "--depth", "0"),
    ]
    answers = [run(org, *shape) for shape in shapes]
    assert len(set(answers)) == len(shapes)
    assert len(outputs(org)) == len(shapes)
    assert [run(org, *shape) for shape in shapes] == answers


def test_an_error_is_never_remembered(org: GitRepo) -> None:
    for _ in range(2):
        err = run(org, "--focus", "service:nope", code=2)
        assert "unknown node 'service:nope'" in err
    assert outputs(org) == []
    org.write({"guardrails.yaml": "version: 1\nservices: [\n"})
    for _ in range(2):
        assert "guardrails.yaml" in run(org, code=2)
    assert outputs(org) == []


def test_a_guardrails_upgrade_misses(org: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(org, "--format", "json")
    monkeypatch.setattr(guardrails, "__version__", "99.0.0")
    store_mod.reset_fingerprint()
    try:
        assert run(org, "--format", "json") == first
        assert len(outputs(org)) == 2  # computed again under the new version's key
    finally:
        monkeypatch.undo()
        store_mod.reset_fingerprint()


@pytest.mark.parametrize("how", ["truncate", "flip", "empty"])
def test_a_damaged_entry_is_computed_again(org: GitRepo, how: str) -> None:
    first = run(org, "--format", "json")
    (entry,) = outputs(org)
    data = entry.read_bytes()
    damaged = {
        "truncate": data[: len(data) // 2],
        "flip": data[:-1] + bytes([data[-1] ^ 0xFF]),
        "empty": b"",
    }[how]
    entry.write_bytes(damaged)
    assert run(org, "--format", "json") == first
    assert entry.read_bytes() == data  # rewritten whole


def test_a_tree_that_changes_while_the_query_runs_is_not_remembered(org: GitRepo) -> None:
    from guardrails.cache import activate
    from guardrails.cache.outputs import remembered_output
    from guardrails.git import Repo

    git = Repo.open(org.root)
    activate(cache_dir(org))

    def compute(snapshot: object) -> str:
        org.write({"b/x.py": "value = 2\n"})  # an editor saves mid-run
        return "answer"

    try:
        assert remembered_output(git.worktree, ("q",), compute) == "answer"
        assert outputs(org) == []
        assert remembered_output(git.worktree, ("q",), lambda s: "answer") == "answer"
        assert len(outputs(org)) == 1  # a quiet tree is remembered
        assert remembered_output(git.worktree, ("q",), lambda s: "other") == "answer"
    finally:
        activate(None)


def test_an_entry_of_the_wrong_shape_is_computed_again(org: GitRepo) -> None:
    from guardrails.cache.store import EntryStore

    first = run(org, "--format", "json")
    (entry,) = outputs(org)
    # Whole and checksummed, but not what this guardrails writes: a miss, never a crash.
    EntryStore(cache_dir(org)).put(KIND, entry.name, (((5, "absent"),), "x"))
    assert run(org, "--format", "json") == first


def test_installing_a_plugin_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy or rule plugin changes what a run computes (which built-in pack names are
    valid, which rules run), so every remembered entry must miss once it is installed."""
    before = store_mod.fingerprint()
    site = tmp_path / "site"
    meta = site / "acme_policies-1.0.dist-info"
    meta.mkdir(parents=True)
    (meta / "entry_points.txt").write_text("[guardrails.policies]\nacme = acme_policies:PACK\n")
    monkeypatch.syspath_prepend(str(site))
    store_mod.reset_fingerprint()
    try:
        installed = store_mod.fingerprint()
        assert installed != before
        meta.rename(site / "acme_policies-1.1.dist-info")  # an upgrade
        store_mod.reset_fingerprint()
        assert store_mod.fingerprint() not in (before, installed)
    finally:
        monkeypatch.undo()
        store_mod.reset_fingerprint()
    assert store_mod.fingerprint() == before


# -- whether the work tree is still the one listed (WorktreeSnapshot.unchanged) --


def _mutations() -> dict[str, Callable[[GitRepo], object]]:
    def touch_clean(r: GitRepo) -> None:
        r.write({"c/y.py": "import sys\n"})  # the same size: git's stat check still sees it

    def edit_dirty_again(r: GitRepo) -> None:
        r.write({"a/m.py": "from b.x import value  # again\n"})  # already modified

    def stage(r: GitRepo) -> None:
        r.git("add", "a/m.py")

    def refresh_index(r: GitRepo) -> None:  # the same entries, the index file rewritten
        os.utime(r.root / "c/y.py", ns=(1_800_000_000_000_000_000, 1_800_000_000_000_000_000))
        r.git("status", "--porcelain")  # refreshes the file's stat in the index

    def edit_unwatched(r: GitRepo) -> None:
        r.write({"b/x.py": "value = 3\n"})  # git is told not to look at it

    def delete_dirty(r: GitRepo) -> None:
        (r.root / "a/m.py").unlink()

    def add_untracked(r: GitRepo) -> None:
        r.write({"d/new.py": "x = 1\n"})  # not in the listing: no change to the tree

    return {
        "a clean file edited": touch_clean,
        "a modified file edited again": edit_dirty_again,
        "a file staged": stage,
        "the index refreshed": refresh_index,
        "an assume-unchanged file edited": edit_unwatched,
        "a modified file deleted": delete_dirty,
        "an untracked file added": add_untracked,
    }


def test_an_index_rewritten_while_the_disk_is_compared_is_a_change(
    org: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file edited and staged between the index's stat and git's stat check: the check
    compares the disk with the new index and finds nothing modified; the index is stat'ed
    again after it, so the tree is not taken for the one listed."""
    from guardrails.cache.reads import tree_digest
    from guardrails.git import Repo

    git = Repo.open(org.root)
    snapshot = git.worktree()
    before = tree_digest(snapshot)
    real = type(git).modified

    def staged_meanwhile(self):  # type: ignore[no-untyped-def]
        org.write({"c/y.py": "import sys\n"})
        org.git("add", "c/y.py")
        return real(self)

    monkeypatch.setattr(type(git), "modified", staged_meanwhile)
    assert snapshot.unchanged() is False  # type: ignore[attr-defined]
    assert tree_digest(Repo.open(org.root).worktree()) != before


@pytest.mark.parametrize("how", sorted(_mutations()))
def test_the_work_tree_is_unchanged_only_when_a_new_listing_would_say_so(
    org: GitRepo, how: str
) -> None:
    """`unchanged()` never says yes where listing the tree again gives another digest."""
    from guardrails.cache.reads import tree_digest
    from guardrails.git import Repo

    org.write({"a/m.py": "from b.x import value  # edited\n"})
    org.git("update-index", "--assume-unchanged", "b/x.py")
    git = Repo.open(org.root)
    snapshot = git.worktree()
    before = tree_digest(snapshot)
    assert snapshot.unchanged()  # type: ignore[attr-defined]
    _mutations()[how](org)
    # Later stages ask this snapshot for ids again (the import graph asks for every file's):
    # what the check compares with stays what the listing was digested from.
    for path in snapshot.paths():
        snapshot.blob_id(path)
    same = tree_digest(git.worktree()) == before
    assert same == (how in ("an untracked file added", "the index refreshed", "a file staged"))
    # A refreshed index (or one where a modified file was staged as it is on disk) lists the
    # same tree from another index file: not known to be the same, so not remembered.
    assert snapshot.unchanged() is (how == "an untracked file added")  # type: ignore[attr-defined]
