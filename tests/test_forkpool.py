"""fork_map: the answers one process gives, in order; the exception one process would raise;
a child that dies or cannot fork costs only speed."""

from __future__ import annotations

import os
import sys

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
