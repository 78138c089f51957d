"""Many semantic diffs shared between worker processes: the same diffs, in the same order,
as one process computes; a pool that cannot start costs only speed."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guardrails import forkpool
from guardrails.changes import MODIFIED, FileChange, LineRange
from guardrails.cli import cli
from guardrails.imports import build as build_module
from guardrails.imports import cold as cold_module
from guardrails.semantic import parallel
from guardrails.semantic.python import diff_python
from tests.gitrepo import GitRepo

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork pool: Linux")


def _changes(n: int) -> list[FileChange]:
    out = []
    for i in range(n):
        old = f"import os\n\n\ndef f{i}(a, b=1):\n    return a + b\n".encode()
        new = (
            f"import os\n\n\ndef f{i}(a, b={i % 3}):\n    return os.system(a)\n\n\n"
            f"class C{i}:\n    pass\n"
        ).encode()
        out.append(
            FileChange(
                MODIFIED,
                f"pkg/m{i}.py",
                f"pkg/m{i}.py",
                added_lines=(LineRange(4, 9),),
                removed_lines=(LineRange(4, 5),),
                old_data=old,
                new_data=new if i % 5 else b"def broken(:\n",
            )
        )
    return out


def _pools_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker count of each pool started from now on."""
    started: list[int] = []
    real = parallel._in_pool

    def spy(jobs, workers):  # type: ignore[no-untyped-def]
        started.append(workers)
        return real(jobs, workers)

    monkeypatch.setattr(parallel, "_in_pool", spy)
    return started


def test_few_files_stay_in_this_process() -> None:
    assert parallel.workers_for(parallel.PARALLEL_MIN - 1) == 1
    assert parallel.workers_for(0) == 1


@linux_only
def test_a_process_with_other_threads_never_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(forkpool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert parallel.workers_for(400) == 2
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert parallel.workers_for(400) == 1


@linux_only
def test_a_pool_gives_the_diffs_one_process_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = _changes(40)
    serial = [diff_python(c) for c in changes]
    monkeypatch.setattr(parallel, "workers_for", lambda n: 2)
    started = _pools_started(monkeypatch)
    done = parallel.diff_many([(c, 2**22, None) for c in changes])
    assert started == [2]
    assert [d for d, _ in done] == serial
    assert any(d.problems for d in serial) and any(d.calls for d in serial)


@linux_only
def test_skeletons_go_through_the_pool_and_come_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the workers read of each large side comes back to be remembered, as at home."""
    from guardrails.semantic._segments import Skeletons
    from tests.test_semantic_skeletons import BASE, _change, _edit

    edits = ["inside a class", "a signature", "appended", "moved"]
    changes = [_change(BASE, _edit(e)) for e in edits]
    alone = [parallel._run((c, 2**22, Skeletons())) for c in changes]
    monkeypatch.setattr(parallel, "workers_for", lambda n: 2)
    started = _pools_started(monkeypatch)
    shared = parallel.diff_many([(c, 2**22, Skeletons()) for c in changes])
    assert started == [2] and shared == alone
    assert all(sides.keys() == {"old", "new"} for _, sides in shared)


PARENT = os.getpid()


def _die(job: parallel.Job) -> parallel.Done:
    if os.getpid() != PARENT:
        os._exit(3)  # a worker killed in the middle of its share
    return parallel._run(job)


@linux_only
def test_a_worker_that_dies_costs_only_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = _changes(40)
    monkeypatch.setattr(parallel, "workers_for", lambda n: 2)
    monkeypatch.setattr(parallel, "_job", _die)
    done = parallel.diff_many([(c, 2**22, None) for c in changes])
    assert [d for d, _ in done] == [diff_python(c) for c in changes]


@linux_only
def test_what_a_diff_raises_in_a_worker_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Raised as it would be in this process, not taken for a dead worker: the worker's
    share is not computed again here."""
    here: list[str] = []
    real = parallel.diff_python

    def failing(change, **kw):  # type: ignore[no-untyped-def]
        if os.getpid() != PARENT:
            raise ValueError(change.new_path)
        here.append(change.new_path)
        return real(change, **kw)

    changes = _changes(40)
    monkeypatch.setattr(parallel, "workers_for", lambda n: 2)
    monkeypatch.setattr(parallel, "diff_python", failing)
    with pytest.raises(ValueError, match=r"pkg/m8\.py"):  # the worker's first file
        parallel.diff_many([(c, 2**22, None) for c in changes])
    assert here == [changes[i].new_path for i in forkpool.share(40, 2, 0)]


@linux_only
def test_a_worker_that_cannot_start_costs_only_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = _changes(40)
    monkeypatch.setattr(parallel, "workers_for", lambda n: 2)

    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forkpool.os, "fork", no_fork)
    done = parallel.diff_many([(c, 2**22, None) for c in changes])
    assert [d for d, _ in done] == [diff_python(c) for c in changes]


@linux_only
def test_a_wide_range_judged_in_workers_is_judged_the_same(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        f"pkg/m{i}.py": f"from pkg import m{(i + 1) % 40}\n\n\ndef f{i}(a, b=1):\n    return a + b\n"
        for i in range(40)
    }
    repo.write({"pkg/__init__.py": "", **files})
    base = repo.commit("base")
    repo.write(
        {p: t.replace("b=1", "b=2") + "\nimport os\nos.system(cmd)\n" for p, t in files.items()}
    )
    repo.commit("wide")

    def check() -> dict[str, Any]:
        shutil.rmtree(Path(repo.root) / ".git" / "guardrails", ignore_errors=True)
        result = CliRunner().invoke(
            cli, ["check", "-C", str(repo.root), "--base", base, "--format", "json"]
        )
        assert result.exit_code == 1, result.output
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    monkeypatch.setattr(parallel, "PARALLEL_MIN", 10**9)
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 10**9)
    alone = check()
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 4)
    monkeypatch.setattr(cold_module, "EXTRACT_MIN", 4)  # each graph's imports, from commits
    monkeypatch.setattr(forkpool.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    pools = _pools_started(monkeypatch)
    forked: list[str] = []
    real = forkpool.fork_map

    def spy(fn, jobs, workers, **kw):  # type: ignore[no-untyped-def]
        forked.append(fn.__qualname__)
        return real(fn, jobs, workers, **kw)

    monkeypatch.setattr(forkpool, "fork_map", spy)
    real_start = build_module.start_extraction
    monkeypatch.setattr(build_module, "start_extraction", lambda *a: None)
    shared = check()
    assert pools and shared == alone
    assert "_extract.<locals>.<lambda>" in forked  # workers read blobs with a cat-file each
    # A cold graph's extraction started before the catalog loads: the same verdict.
    early: list[object] = []

    def recorded(*args):  # type: ignore[no-untyped-def]
        started = real_start(*args)
        early.append(started)
        return started

    monkeypatch.setattr(build_module, "start_extraction", recorded)
    assert check() == alone
    assert early and early[0] is not None
    assert "safety.os-system" in {f["rule"] for f in alone["findings"]}
    assert {e["path"] for e in alone["impact"]["files"]} >= {"pkg/m0.py"}
