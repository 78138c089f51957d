"""Pure work shared between forked copies of this process, on the cores it may use.

Two stages have work that is a pure function of bytes already in memory and costs far more
than it takes to send the answer back: the semantic diffs of a wide range
(:mod:`guardrails.semantic.parallel`) and the import records of a cold import graph
(:mod:`guardrails.imports.build`). :func:`fork_map` runs such a function over many inputs in
forked workers (Linux only, where ``fork`` is safe and cheap, and only from a process with
one thread). The inputs are never pickled: they are set aside just before the pool starts
and a fork copies them; only the answers travel back. A pool that cannot start or breaks
(no ``fork``, a killed worker) returns None, and the caller computes the same answers in
its own process: a pool costs only speed, never a result.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4

# What the forked workers read: (function, inputs), set just before the pool starts.
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def workers_for(jobs: int, minimum: int) -> int:
    """How many processes ``jobs`` inputs are shared between (1: this one alone).

    ``minimum`` is the fewest inputs for which a pool's start (~30-50 ms: forking, the
    transfers) pays off; each worker gets at least half that many.
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


def _call(i: int) -> Any:
    assert _WORK is not None  # set by fork_map before the fork
    fn, jobs = _WORK
    return fn(jobs[i])


def fork_map(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    *,
    chunksize: int = 4,
    on_done: Callable[[int], None] | None = None,
) -> list[R] | None:
    """``[fn(job) for job in jobs]`` computed by ``workers`` forked processes, in order;
    None when there is no such pool (no ``fork``, a fork refused, a worker killed).

    Whatever ``fn`` itself raises in a worker is raised here, as it would be in this
    process. ``on_done(n)`` is told, in this process, each time more answers are in.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _WORK
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None
    _WORK = (fn, jobs)
    # A collection in a worker would touch every object it inherited, copying each page the
    # fork shared: what exists now is left out of collections until the pool is done.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done: list[R] = []
            # Small chunks: a few large inputs must not all land on one worker.
            for answer in pool.map(_call, range(len(jobs)), chunksize=chunksize):
                done.append(answer)
                if on_done is not None and len(done) % chunksize == 0:
                    on_done(len(done))
            if on_done is not None:
                on_done(len(done))
            return done
    except (BrokenProcessPool, OSError):  # the workers could not start, or one died
        return None
    finally:
        gc.unfreeze()
        _WORK = None
