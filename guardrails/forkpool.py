"""Pure work shared between forked copies of this process, on the cores it may use.

Two stages have work that is a pure function of bytes already in memory and costs far more
than it takes to send the answer back: the semantic diffs of a wide range
(:mod:`guardrails.semantic.parallel`) and the import records of a cold import graph
(:mod:`guardrails.imports.build`). :func:`fork_map` shares such a function's inputs between
this process and ``workers - 1`` forked children (Linux only, where ``fork`` is safe and
cheap, and only from a process with one thread). The inputs are never sent: a fork copies
them. Each child sends its answers back, pickled, through a pipe, while this process
computes its own share. A child that cannot start, dies or sends something unreadable
costs only speed: its share is computed here, with the same answers.

Plain ``os.fork`` and pipes rather than ``concurrent.futures``: importing the executor costs
~25 ms and its queues ~40 ms more per pool, as much as a cold graph of 1,000 files parses.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
GRAIN = 8  # consecutive inputs per turn: neighbours (often similar files) spread out


def workers_for(jobs: int, minimum: int) -> int:
    """How many processes ``jobs`` inputs are shared between (1: this one alone).

    ``minimum`` is the fewest inputs for which forking pays off; each process gets at least
    half that many.
    """
    if jobs < minimum or not sys.platform.startswith("linux"):
        return 1
    if threading.active_count() > 1:
        # A fork copies one thread: a lock another thread holds (an import, a log handler)
        # would stay held in the child forever. The MCP server runs checks beside others.
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, jobs // max(1, minimum // 2)))


def share(jobs: int, workers: int, k: int, grain: int = GRAIN) -> list[int]:
    """The indexes of the inputs process ``k`` of ``workers`` computes (0: this one), taken
    ``grain`` at a time in turn."""
    return [i for i in range(jobs) if (i // grain) % workers == k]


def fork_map(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    *,
    grain: int = GRAIN,
    on_done: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(job) for job in jobs]``, in order, shared between this process and
    ``workers - 1`` forked children.

    The processes take ``grain`` inputs at a time in turn (1 with one input per process).
    Whatever ``fn`` raises, in a child or here, is raised here. ``on_done(n)`` is told,
    in this process, each time ``n`` answers are in.
    """
    import pickle  # noqa: F401 - here (~1.5 ms, not for a hook that never forks), once for all

    done: dict[int, R] = {}
    children: list[tuple[int, int, list[int]]] = []  # pid, read end, share
    # A collection in a child would touch every object it inherited, copying each page the
    # fork shared: what exists now is left out of collections until the children are done.
    gc.freeze()
    try:
        for k in range(1, workers):
            mine = share(len(jobs), workers, k, grain)
            started = _start(fn, jobs, mine)
            if started is None:  # no fork after all: this share is computed here
                children.append((-1, -1, mine))
            else:
                children.append((*started, mine))
        for i in share(len(jobs), workers, 0, grain):
            done[i] = fn(jobs[i])
        if on_done is not None:
            on_done(len(done))
        for n, (pid, fd, mine) in enumerate(children):
            children[n] = (-1, -1, mine)  # _collect reaps it, whatever happens
            answers = _collect(pid, fd, len(mine))
            if answers is None:  # the child could not say: its share, here
                answers = ("ok", [fn(jobs[i]) for i in mine])
            kind, found = answers
            if kind == "raised":
                assert isinstance(found, Exception)  # _collect checked
                raise found
            done.update(zip(mine, found, strict=True))
            if on_done is not None:
                on_done(len(done))
    finally:
        for pid, fd, _ in children:
            if pid > 0:
                _kill(pid, fd)
        gc.unfreeze()
    return [done[i] for i in range(len(jobs))]


def _start(fn: Callable[[T], R], jobs: Sequence[T], mine: list[int]) -> tuple[int, int] | None:
    """Fork a child that computes ``mine`` and writes its answers: (pid, read end)."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: never returns
        status = 1
        try:
            import pickle
            os.close(read)
            try:
                message: tuple[str, object] = ("ok", [fn(jobs[i]) for i in mine])
            except Exception as exc:  # raised here as it would be in the parent
                message = ("raised", exc)
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)  # no atexit, no flush of the parent's buffers
    os.close(write)
    return pid, read


def _collect(pid: int, fd: int, count: int) -> tuple[str, Any] | None:
    """What the child ``pid`` wrote to ``fd`` (``count`` answers or what it raised), once
    it has exited; None when it could not start, died or wrote something unreadable. The
    child is reaped and ``fd`` closed whatever happens."""
    if pid < 0:
        return None
    payload = None
    try:
        with os.fdopen(fd, "rb") as pipe:
            payload = pipe.read()
    except OSError:
        pass
    finally:
        if payload is None:  # interrupted, or the pipe failed: the answers are not wanted
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(pid, 0)
        except OSError:
            status = -1
    if payload is None or status != 0:
        return None
    import pickle

    try:
        # guardrails: ignore[safety.pickle] -- sent by the child we forked, over our own pipe
        message = pickle.loads(payload)
    except Exception:
        return None
    if not isinstance(message, tuple) or len(message) != 2:
        return None
    kind, answers = message
    if kind == "ok" and isinstance(answers, list) and len(answers) == count:
        return message
    if kind == "raised" and isinstance(answers, Exception):
        return message
    return None


def _kill(pid: int, fd: int) -> None:
    """Stop and reap a child whose answers are no longer wanted."""
    with contextlib.suppress(OSError):
        if fd >= 0:
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)
