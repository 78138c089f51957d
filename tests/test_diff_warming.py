"""Warming the diff cache: a forked child computes a change's semantic diffs while the
catalogs and the import graph load, and the rules read back exactly what they would have
computed. A child that cannot start or dies costs only time; none is left behind."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from guardrails import forkpool
from guardrails.cache import activate
from guardrails.cache import diffs as diffs_mod
from guardrails.changes import MODIFIED, FileChange, LineRange
from guardrails.cli import cli
from guardrails.semantic import parallel
from guardrails.semantic.python import diff_python
from guardrails.semantic.python_files import MAX_FILE_BYTES
from tests.gitrepo import GitRepo

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")


def _module(tag: str, n: int = 300) -> str:
    """A module of ``n`` functions, ~22 KB at 300: two changes of such sides pass WARM_BYTES."""
    return "import os\n\n" + "".join(
        f"def f{i}(value: int = {i}) -> int:\n    return os.getpid() + value  # {tag} {i}\n\n"
        for i in range(n)
    )


def _change(path: str, old: str, new: str) -> FileChange:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    changed = [i + 1 for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    ranges = tuple(LineRange(i, i) for i in changed)
    return FileChange(
        MODIFIED,
        path,
        path,
        added_lines=ranges,
        removed_lines=ranges,
        old_data=old.encode(),
        new_data=new.encode(),
    )


def _changes() -> list[FileChange]:
    out = []
    for name in ("a", "b"):
        old = _module(name)
        new = old.replace(f"os.getpid() + value  # {name} 7\n", "os.system(value)\n")
        new = new.replace("def f3(value: int = 3)", "def f3(value: str = '3')")
        out.append(_change(f"pkg/{name}.py", old, new))
    assert sum(len(c.old_data or b"") + len(c.new_data or b"") for c in out) >= (
        diffs_mod.WARM_BYTES
    )
    return out


def _reaped(*pids: int) -> bool:
    """Each of ``pids`` has exited and been waited for (not a zombie, not running)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def _recording(monkeypatch: pytest.MonkeyPatch, child=None):  # type: ignore[no-untyped-def]
    """Every background child cache.diffs starts, as a list of pids (``child``: what each
    runs instead of the diffs)."""
    real = forkpool.background
    pids: list[int] = []

    def start(fn):  # type: ignore[no-untyped-def]
        started = real(fn if child is None else child)
        if started is not None:
            pids.append(started.pid)
        return started

    monkeypatch.setattr(diffs_mod.forkpool, "background", start)
    return pids


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    found = activate(tmp_path / "cache")
    assert found is not None
    try:
        yield found
    finally:
        diffs_mod.settle(cancel=True)
        activate(None)


def _computing_here_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on a diff computed in this process raises: the ones read back did not."""

    def refuse(jobs):  # type: ignore[no-untyped-def]
        if jobs:
            raise AssertionError(f"computed here: {[j[0].path for j in jobs]}")
        return []

    monkeypatch.setattr(parallel, "diff_many", refuse)


# -- forkpool.background --


def test_a_background_child_runs_and_says_whether_it_returned(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    ok = forkpool.background(lambda: mark.write_text(str(os.getpid())))
    assert ok is not None
    pid = ok.pid
    assert ok.wait() is True and _reaped(pid)
    assert int(mark.read_text()) == pid
    failed = forkpool.background(lambda: 1 / 0)
    assert failed is not None
    pid = failed.pid
    assert failed.wait() is False and _reaped(pid)
    assert failed.wait() is False  # reaped once; asking again is harmless


def test_a_cancelled_child_is_stopped_and_reaped() -> None:
    slow = forkpool.background(lambda: time.sleep(30))
    assert slow is not None
    pid = slow.pid
    started = time.monotonic()
    slow.cancel()
    assert time.monotonic() - started < 5
    assert _reaped(pid)


def test_no_background_child_beside_another_thread() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forkpool.background(lambda: None) is None
    finally:
        release.set()
        other.join()


def test_a_failed_fork_gives_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError("no more processes")

    monkeypatch.setattr(forkpool.os, "fork", no_fork)
    assert forkpool.background(lambda: None) is None
    # The signal mask is back as it was: an interrupt still reaches this process.
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())


# -- cache.diffs.warm --


def test_warmed_diffs_are_read_back_not_computed_again(
    store: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    changes = _changes()
    expected = [diff_python(c) for c in changes]
    pids = _recording(monkeypatch)
    diffs_mod.warm(changes, max_bytes=MAX_FILE_BYTES)
    assert len(pids) == 1 and diffs_mod._warming is not None
    _computing_here_fails(monkeypatch)
    assert diffs_mod.cached_diffs(changes, max_bytes=MAX_FILE_BYTES) == expected
    assert diffs_mod._warming is None and _reaped(*pids)
    assert all(d.changes for d in expected) and any(d.calls for d in expected)  # not empty


def test_a_child_that_dies_costs_only_time(store: object, monkeypatch: pytest.MonkeyPatch) -> None:
    changes = _changes()
    pids = _recording(monkeypatch, child=lambda: os._exit(3))
    diffs_mod.warm(changes, max_bytes=MAX_FILE_BYTES)
    assert len(pids) == 1 and diffs_mod._warming is not None
    assert diffs_mod.cached_diffs(changes, max_bytes=MAX_FILE_BYTES) == [
        diff_python(c) for c in changes
    ]
    assert _reaped(*pids)


@pytest.mark.parametrize("why", ["too few bytes", "all stored", "no store", "many files"])
def test_no_child_when_it_would_not_pay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, why: str
) -> None:
    changes = _changes()
    activate(None if why == "no store" else tmp_path / "cache")
    try:
        if why == "too few bytes":
            changes = [_change("pkg/s.py", "x = 1\n", "x = 2\n")] * 2
        elif why == "all stored":
            diffs_mod.cached_diffs(changes, max_bytes=MAX_FILE_BYTES)
        elif why == "many files":
            changes = changes * (parallel.PARALLEL_MIN // 2)
        started: list[object] = []
        monkeypatch.setattr(diffs_mod.forkpool, "background", started.append)
        diffs_mod.warm(changes, max_bytes=MAX_FILE_BYTES)
        assert started == [] and diffs_mod._warming is None
    finally:
        activate(None)


# -- through the gate --


def _check(repo: GitRepo) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--staged", "--format", "json"]
    )
    return result.exit_code, result.stdout


def test_the_hook_says_the_same_with_and_without_a_warming_child(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    changes = _changes()
    repo.write({"pkg/__init__.py": "", **{c.path: (c.old_data or b"").decode() for c in changes}})
    repo.commit("base")
    repo.write({c.path: (c.new_data or b"").decode() for c in changes})
    repo.stage()
    forks = _recording(monkeypatch)
    warmed = _check(repo)
    assert len(forks) == 1 and diffs_mod._warming is None and _reaped(*forks)
    cache = repo.root / ".git" / "guardrails"
    import shutil

    shutil.rmtree(cache)
    monkeypatch.setattr(diffs_mod, "WARM_BYTES", 1 << 40)
    alone = _check(repo)
    assert len(forks) == 1  # no child this time
    assert warmed == alone
    assert warmed[0] == 1 and '"rule": "safety.os-system"' in warmed[1]


def test_a_run_that_fails_leaves_no_child(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    changes = _changes()
    repo.write({"pkg/__init__.py": "", **{c.path: (c.old_data or b"").decode() for c in changes}})
    repo.commit("base")
    repo.write({c.path: (c.new_data or b"").decode() for c in changes})
    repo.write({"guardrails.yaml": "version: [\n"})  # the config cannot be read: exit 2
    repo.stage()
    forks = _recording(monkeypatch)
    code, _ = _check(repo)
    assert code == 2 and len(forks) == 1  # the child had started
    assert diffs_mod._warming is None and _reaped(*forks)
