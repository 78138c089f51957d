"""fork_map: the answers one process gives, in order; the exception one process would raise;
a child that dies or cannot fork costs only speed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from guardrails import forkpool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux")

PARENT = os.getpid()


def _square(n: int) -> int:
    return n * n


def test_the_answers_of_one_process_in_order() -> None:
    done: list[int] = []
    out = forkpool.fork_map(_square, list(range(50)), 3, on_done=done.append)
    assert out == [n * n for n in range(50)]
    assert done[-1] == 50 and done == sorted(done)


def test_a_fork_thaws_only_what_it_froze() -> None:
    # The console script freezes its imports' objects at start (guardrails.cli); a fork
    # pool's own freeze must not hand them back to the collector when it is done.
    import gc

    assert gc.get_freeze_count() == 0  # pytest's process: nothing frozen
    assert forkpool.fork_map(_square, [2, 3], 2, grain=1) == [4, 9]
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert forkpool.fork_map(_square, [2, 3], 2, grain=1) == [4, 9]
        assert gc.get_freeze_count() >= frozen > 0
    finally:
        gc.unfreeze()


def test_one_input_per_process() -> None:
    assert forkpool.share(3, 3, 1, grain=1) == [1]
    assert forkpool.fork_map(_square, [2, 3], 2, grain=1) == [4, 9]


def _fails_on(bad: set[int]):  # type: ignore[no-untyped-def]
    def fn(n: int) -> int:
        if n in bad:
            raise ValueError(n)
        return n

    return fn


@pytest.mark.parametrize(
    "bad", [{1, 9}, {9, 20}, {20}, {9}], ids=["here first", "child first", "here", "child"]
)
def test_the_first_failing_input_is_raised_whichever_process_met_it(bad: set[int]) -> None:
    # grain 8, two processes: this one takes 0-7 and 16-23, the child 8-15 and 24-31.
    with pytest.raises(ValueError) as raised:
        forkpool.fork_map(_fails_on(bad), list(range(32)), 2)
    assert raised.value.args == (min(bad),)


class _Unpicklable(Exception):
    def __init__(self, a: int, b: int) -> None:  # pickle calls it with one argument
        super().__init__(f"{a}/{b}")


def test_an_exception_that_cannot_travel_is_raised_from_here() -> None:
    calls: list[int] = []

    def fn(n: int) -> int:
        if os.getpid() == PARENT:
            calls.append(n)
        if n == 9:
            raise _Unpicklable(n, 2)
        return n

    with pytest.raises(_Unpicklable):
        forkpool.fork_map(fn, list(range(16)), 2)
    # This process's own share, then the child's again, up to the failing input.
    assert calls == [*range(8), 8, 9]


def test_a_child_that_dies_costs_only_speed() -> None:
    def fn(n: int) -> int:
        if os.getpid() != PARENT:
            os._exit(3)
        return n * n

    assert forkpool.fork_map(fn, list(range(20)), 2) == [n * n for n in range(20)]


def test_no_child_is_left_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(forkpool.os, "fork", fork)
    forkpool.fork_map(_square, list(range(40)), 3)
    with pytest.raises(ValueError):
        forkpool.fork_map(_fails_on({1}), list(range(40)), 3)
    assert len(pids) == 4
    for pid in pids:  # every child was reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


# -- head_start: a child works through inputs in order until asked for what it has --


def _wait_for(path: Path, seconds: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _squares_marking(done_at: int, mark: Path):  # type: ignore[no-untyped-def]
    """A chunk's squares; ``mark`` appears once the chunk starting at ``done_at`` is done."""

    def fn(chunk: list[int]) -> list[int]:
        out = [n * n for n in chunk]
        if chunk and chunk[0] == done_at:
            mark.write_text("done")
        return out

    return fn


def test_a_head_start_gives_every_answer_once_it_is_done(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    handle = forkpool.head_start(_squares_marking(90, mark), list(range(100)), 10)
    assert handle is not None
    pid = handle.pid
    _wait_for(mark)
    assert handle.take() == [n * n for n in range(100)]
    assert _reaped(pid) and handle.take() == []  # taken once


def test_a_head_start_taken_early_gives_a_prefix_in_order() -> None:
    import time

    def slow(chunk: list[int]) -> list[int]:
        time.sleep(0.002)
        return [n * n for n in chunk]

    handle = forkpool.head_start(slow, list(range(2000)), 4)
    assert handle is not None
    got = handle.take()
    assert len(got) < 2000 and got == [n * n for n in range(len(got))]


def test_a_head_start_stops_where_fn_raises(tmp_path: Path) -> None:
    mark = tmp_path / "mark"

    def fn(chunk: list[int]) -> list[int]:
        if chunk[0] == 20:
            mark.write_text("raising")
            raise ValueError(chunk[0])
        return [n * n for n in chunk]

    handle = forkpool.head_start(fn, list(range(50)), 10)
    assert handle is not None
    _wait_for(mark)
    assert handle.take() == [n * n for n in range(20)]  # the inputs from 20 on are ours


def test_a_head_start_cancelled_or_dropped_leaves_no_child() -> None:
    import gc
    import time

    def forever(chunk: list[int]) -> list[int]:
        time.sleep(30)
        return chunk

    handle = forkpool.head_start(forever, [1, 2, 3], 1)
    assert handle is not None
    pid = handle.pid
    handle.cancel()
    assert _reaped(pid) and handle.take() == []
    dropped = forkpool.head_start(forever, [1, 2, 3], 1)
    assert dropped is not None
    pid = dropped.pid
    del dropped
    gc.collect()
    assert _reaped(pid)


def test_no_head_start_beside_another_thread() -> None:
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert forkpool.head_start(lambda c: list(c), [1, 2], 1) is None
    finally:
        release.set()
        other.join()


def test_a_head_start_stops_at_a_chunk_without_one_answer_per_input(tmp_path: Path) -> None:
    mark = tmp_path / "mark"

    def fn(chunk: list[int]) -> list[int]:
        if chunk[0] == 30:
            mark.write_text("short")
            return [0]  # three inputs, one answer: nothing from here on can be placed
        return [n * n for n in chunk]

    handle = forkpool.head_start(fn, list(range(60)), 3)
    assert handle is not None
    _wait_for(mark)
    assert handle.take() == [n * n for n in range(30)]


def test_a_wait_interrupted_inside_waitpid_leaves_no_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    slow = forkpool.background(lambda: time.sleep(30))
    assert slow is not None
    pid = slow.pid
    real = os.waitpid
    calls = [0]

    def interrupted(p: int, options: int):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] == 1:
            raise KeyboardInterrupt
        return real(p, options)

    monkeypatch.setattr(forkpool.os, "waitpid", interrupted)
    with pytest.raises(KeyboardInterrupt):
        slow.wait()
    monkeypatch.undo()
    assert _reaped(pid)  # killed and waited for on the way out
