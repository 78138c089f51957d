"""A cold import graph read by forked workers is the graph one process reads; a pool that
cannot start or dies costs only speed."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from guardrails import forkpool
from guardrails.imports import build as build_module
from guardrails.imports import cold as cold_module
from guardrails.imports.extract import RawExtraction, extract_raw
from tests.test_imports_cache import DirSnapshot, build, write

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool: Linux")


def _tree(n: int) -> dict[str, str]:
    files = {f"services/{s}/__init__.py": "" for s in ("a", "b", "c")}
    for i in range(n):
        files[f"services/b/m{i}.py"] = (
            f"import services.a\nfrom . import m{(i + 1) % n}\n"
            "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n"
            f"def f():\n    import services.c\n    return {i}\n"
        )
    files["services/b/broken.py"] = "import services.a\nfrom . import (m0\n"
    files["services/c/dyn.py"] = "import importlib\nm = importlib.import_module('services.a')\n"
    return files


def _pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    started: list[int] = []
    real = forkpool.fork_map

    def spy(fn, jobs, workers, **kw):  # type: ignore[no-untyped-def]
        started.append(len(jobs))
        return real(fn, jobs, workers, **kw)

    monkeypatch.setattr(forkpool, "fork_map", spy)
    return started


@linux_only
def test_a_cold_graph_read_by_workers_is_the_graph_one_process_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "src", _tree(40))
    alone = build(DirSnapshot(tmp_path / "src"), tmp_path / "alone")
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 2)
    monkeypatch.setattr(build_module, "_CHUNK", 16)  # each share read a few files at a time
    pools = _pools(monkeypatch)
    snapshot = DirSnapshot(tmp_path / "src")
    shared = build(snapshot, tmp_path / "shared")
    assert pools == [2]  # one share per process
    # 43 distinct blobs (the empty __init__.py files are one): this process read its own
    # 22 and the worker the other 21.
    extracted = [p for p in snapshot.reads if p.endswith(".py")]
    assert len(extracted) == len(set(extracted)) == 22
    assert shared.edges == alone.edges and shared.problems == alone.problems
    assert shared.stats is not None and alone.stats is not None
    assert (shared.stats.parsed, shared.stats.cached) == (alone.stats.parsed, 0)
    kinds = {(e.src_path, e.dst_path, e.weak, e.in_function, e.dynamic) for e in alone.edges}
    assert ("services/b/m0.py", "services/c/__init__.py", False, True, False) in kinds
    assert ("services/c/dyn.py", "services/a/__init__.py", False, False, True) in kinds
    assert any(p.path == "services/b/broken.py" for p in alone.problems)
    # What the workers read is remembered: the next build parses nothing.
    monkeypatch.setattr(forkpool, "fork_map", lambda *a, **k: pytest.fail("a pool for nothing"))
    again = build(DirSnapshot(tmp_path / "src"), tmp_path / "shared")
    assert again.edges == alone.edges and again.stats is not None and again.stats.parsed == 0


def test_few_new_files_are_read_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "src", _tree(6))
    pools = _pools(monkeypatch)
    graph = build(DirSnapshot(tmp_path / "src"), None)
    assert pools == [] and graph.stats is not None and graph.stats.parsed > 0


PARENT = os.getpid()


@linux_only
def test_a_worker_that_dies_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "src", _tree(20))
    alone = build(DirSnapshot(tmp_path / "src"), None)
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 2)
    here: list[bytes] = []

    def dying(data: bytes) -> RawExtraction:
        if os.getpid() != PARENT:
            os._exit(3)
        here.append(data)
        return extract_raw(data)

    monkeypatch.setattr(build_module, "extract_raw", dying)
    shared = build(DirSnapshot(tmp_path / "src"), None)
    assert len(here) == 23  # every distinct blob: this process's share, then the dead one's
    assert shared.edges == alone.edges and shared.problems == alone.problems


# -- a cold graph's extraction started before the catalog loads (start_extraction) --


def _takes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records each EarlyExtraction.take gave."""
    taken: list[int] = []
    real_take = build_module.EarlyExtraction.take

    def take(self):  # type: ignore[no-untyped-def]
        found = real_take(self)
        taken.append(len(found))
        return found

    monkeypatch.setattr(build_module.EarlyExtraction, "take", take)
    return taken


def _early_build(snapshot: DirSnapshot, cache: Path, early: object) -> object:
    from tests.test_imports_cache import CATALOG, service_of

    return build_module.build_import_graph(
        snapshot,  # type: ignore[arg-type]
        CATALOG,
        cache_dir=cache,
        service_of=service_of,
        early=early,  # type: ignore[arg-type]
    )


@linux_only
def test_a_graph_started_early_is_the_graph_built_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "src", _tree(40))
    alone = build(DirSnapshot(tmp_path / "src"), tmp_path / "alone")
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 1)  # the rest: here
    cache = tmp_path / "early"
    early = build_module.start_extraction(DirSnapshot(tmp_path / "src"), cache)
    assert early is not None
    taken = _takes(monkeypatch)
    snapshot = DirSnapshot(tmp_path / "src")
    graph = _early_build(snapshot, cache, early)
    assert len(taken) == 1 and 0 <= taken[0] <= 43  # what the child had done, any amount
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]
    # Each blob read once in all: here, those the child had not done.
    extracted = [p for p in snapshot.reads if p.endswith(".py")]
    assert len(extracted) == len(set(extracted)) == 43 - taken[0]
    # The extraction file is there now: the next cold-looking start starts nothing.
    assert build_module.start_extraction(DirSnapshot(tmp_path / "src"), cache) is None


@linux_only
def test_an_early_child_that_dies_costs_only_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "src", _tree(20))
    alone = build(DirSnapshot(tmp_path / "src"), None)
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)

    def dying(data: bytes) -> RawExtraction:
        if os.getpid() != PARENT:
            os._exit(3)
        return extract_raw(data)

    monkeypatch.setattr(build_module, "extract_raw", dying)
    early = build_module.start_extraction(DirSnapshot(tmp_path / "src"), tmp_path / "c")
    assert early is not None
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 1)
    graph = _early_build(DirSnapshot(tmp_path / "src"), tmp_path / "c", early)
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]


def test_no_early_start_for_a_warm_repository_or_little_python(tmp_path: Path) -> None:
    write(tmp_path / "src", _tree(6))
    assert build_module.start_extraction(DirSnapshot(tmp_path / "src"), None) is None  # 9 files
    write(tmp_path / "big", _tree(300))
    cache = tmp_path / "cache"
    build(DirSnapshot(tmp_path / "big"), cache)
    assert build_module.start_extraction(DirSnapshot(tmp_path / "big"), cache) is None  # warm


@linux_only
def test_what_an_early_child_had_done_is_used_and_the_rest_done_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child is caught in its third chunk of four: its 12 records are taken, and this
    process extracts the other 31 blobs, the graph the same as one built alone."""
    write(tmp_path / "src", _tree(40))
    alone = build(DirSnapshot(tmp_path / "src"), tmp_path / "alone")
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(build_module, "_EARLY_CHUNK", 4)
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 1)
    mark = tmp_path / "third-chunk"
    calls = [0]

    def pacing(data: bytes) -> RawExtraction:
        if os.getpid() != PARENT:
            calls[0] += 1  # the child's own copy
            if calls[0] == 9:  # the first file of its third chunk
                mark.write_text("in chunk 3")
                import time

                time.sleep(1.0)  # long enough for the build below to ask for what it has
        return extract_raw(data)

    monkeypatch.setattr(build_module, "extract_raw", pacing)
    early = build_module.start_extraction(DirSnapshot(tmp_path / "src"), tmp_path / "c")
    assert early is not None
    from tests.test_forkpool import _wait_for

    _wait_for(mark)
    taken = _takes(monkeypatch)
    snapshot = DirSnapshot(tmp_path / "src")
    graph = _early_build(snapshot, tmp_path / "c", early)
    assert taken == [12]
    assert len([p for p in snapshot.reads if p.endswith(".py")]) == 43 - 12
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]


def _early_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each early extraction: "started", then what became of it ("taken" or "cancelled")."""
    events: list[str] = []
    real_start = build_module.start_extraction

    def start(*args):  # type: ignore[no-untyped-def]
        early = real_start(*args)
        if early is not None:
            events.append("started")
            real_take, real_cancel = early.take, early.cancel
            state = {"done": False}

            def take():  # type: ignore[no-untyped-def]
                state["done"] = True
                events.append("taken")
                return real_take()

            def cancel():  # type: ignore[no-untyped-def]
                if not state["done"]:
                    state["done"] = True
                    events.append("cancelled")
                real_cancel()

            early.take, early.cancel = take, cancel  # type: ignore[method-assign]
        return early

    monkeypatch.setattr(build_module, "start_extraction", start)
    return events


CONFIG_OFF = """\
version: 1
teams:
  tb: {members: [bo]}
services:
  b: {owner: tb, paths: ["services/b/**"]}
inference: {python_imports: false}
"""


@linux_only
@pytest.mark.parametrize("case", ["graph", "imports off", "docs only", "then warm"])
def test_an_early_extraction_starts_only_when_a_graph_will_want_it(
    repo: object, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from click.testing import CliRunner

    from guardrails.cli import cli
    from tests.gitrepo import GitRepo

    assert isinstance(repo, GitRepo)
    files = _tree(20)
    if case == "imports off":
        files["guardrails.yaml"] = CONFIG_OFF
    repo.write({**files, "README.md": "hello\n"})
    repo.commit("tree")
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    events = _early_starts(monkeypatch)

    def run(*args: str) -> None:
        result = CliRunner().invoke(cli, [*args[:1], "-C", str(repo.root), *args[1:]])
        assert result.exit_code in (0, 1), result.output

    if case in ("graph", "imports off"):
        run("graph", "--format", "json")
        assert events == ["started", "taken" if case == "graph" else "cancelled"]
    elif case == "docs only":
        repo.write({"README.md": "hello again\n"})
        repo.git("add", "README.md")
        run("check", "--staged", "--format", "json")
        assert events == []  # a change without Python: no child
    else:
        run("check", "--staged", "--format", "json")  # nothing staged: nothing remembered
        repo.write({"README.md": "hello again\n"})
        repo.git("add", "README.md")
        run("check", "--staged", "--format", "json")  # remembers the catalog
        repo.write({"services/b/m3.py": "import services.a\n"})
        repo.git("add", "services/b/m3.py")
        run("check", "--staged", "--format", "json")
        assert events == []  # the cache remembers a catalog: not the first run any more


def _all_from_the_child(
    monkeypatch: pytest.MonkeyPatch, tree: Callable[[], DirSnapshot], tmp_path: Path
) -> Any:
    """The graph of ``tree()`` (``_tree(40)``: 43 blobs) built once an early child has
    extracted every blob: this process reads no Python file."""
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    mark = tmp_path / "done"
    real = build_module.extract_raw
    calls = [0]

    def counting(data: bytes) -> RawExtraction:
        if os.getpid() != PARENT:
            calls[0] += 1
            if calls[0] == 43:  # the child's last blob: every record is the child's
                mark.write_text("done")
        return real(data)

    monkeypatch.setattr(build_module, "extract_raw", counting)
    early = build_module.start_extraction(tree(), tmp_path / "c")
    assert early is not None
    from tests.test_forkpool import _wait_for

    _wait_for(mark)
    snapshot = tree()
    graph = _early_build(snapshot, tmp_path / "c", early)
    assert [p for p in snapshot.reads if p.endswith(".py")] == []  # all of it from the child
    return graph


class _Unreadable(DirSnapshot):
    """A tree with one listed file that cannot be read when asked for (gone meanwhile)."""

    def read_many(self, paths):  # type: ignore[no-untyped-def]
        found = super().read_many(paths)
        found.pop("services/b/m5.py", None)
        return found


@linux_only
def test_a_file_gone_when_the_early_child_reads_is_read_as_the_build_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read ahead 256 files at a time and extracted 16 at a time, a file the read does not
    return is an empty file, as in the build's own reading, and its neighbours keep theirs."""
    write(tmp_path / "src", _tree(40))
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 1)
    alone = build(_Unreadable(tmp_path / "src"), tmp_path / "alone")
    graph = _all_from_the_child(monkeypatch, lambda: _Unreadable(tmp_path / "src"), tmp_path)
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]
    assert not any(e.src_path == "services/b/m5.py" for e in graph.edges)  # type: ignore[attr-defined]
    assert any(e.src_path == "services/b/m6.py" for e in graph.edges)  # type: ignore[attr-defined]


@linux_only
def test_a_modified_file_in_the_work_tree_is_left_to_the_build(
    repo: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its id is a hash of the disk when asked: the child would read it much later, and a
    save in between would put the new imports under the old id. The build asks again."""
    from guardrails.git import Repo
    from tests.gitrepo import GitRepo

    assert isinstance(repo, GitRepo)
    repo.write(_tree(20))
    repo.commit("tree")
    edited = "import services.c\n# edited in the work tree\n"
    repo.write({"services/b/m3.py": edited, "services/b/m4.py": edited})
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(forkpool, "workers_for", lambda jobs, minimum: 1)
    git = Repo.open(repo.root)
    alone = build(git.worktree(), None)
    snapshot = git.worktree()
    early = build_module.start_extraction(snapshot, tmp_cache := repo.root / ".git" / "early")
    assert early is not None
    dirty = snapshot.blob_id("services/b/m3.py")
    assert dirty is not None and dirty not in early._blobs  # noqa: SLF001
    assert snapshot.blob_id("services/b/m5.py") in early._blobs  # noqa: SLF001
    graph = _early_build(snapshot, tmp_cache, early)  # type: ignore[arg-type]
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]
    assert any(  # the edit's import, read by the build itself
        e.src_path == "services/b/m3.py" and e.dst_path == "services/c/__init__.py"
        for e in graph.edges  # type: ignore[attr-defined]
    )


@linux_only
def test_an_early_child_reads_ahead_window_after_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows of 10 files read, chunks of 4 extracted: every record in its place."""
    write(tmp_path / "src", _tree(40))
    alone = build(DirSnapshot(tmp_path / "src"), tmp_path / "alone")
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 8)
    monkeypatch.setattr(build_module, "_EARLY_CHUNK", 4)
    monkeypatch.setattr(build_module, "_EARLY_READ", 10)
    graph = _all_from_the_child(monkeypatch, lambda: DirSnapshot(tmp_path / "src"), tmp_path)
    assert graph.edges == alone.edges and graph.problems == alone.problems  # type: ignore[attr-defined]
