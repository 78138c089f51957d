"""The semantic diffs of many files at once, on the cores the process may use.

A wide range (a formatter's run over 400 files) spends most of its first ``check --base``
in :func:`~guardrails.semantic.python.diff_python`, a pure function of each file's two
sides: forked workers (Linux only, where ``fork`` is safe and cheap, and only from a process
with one thread) each take a share and send the diffs back. Below :data:`PARALLEL_MIN`
files a pool costs more than it saves, and the diffs run in this process. A pool that
cannot start or breaks (no ``fork``, a killed worker) costs only speed: the diffs are
computed here instead, with the same result.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from guardrails.semantic.python import diff_python

if TYPE_CHECKING:
    from guardrails.changes import FileChange
    from guardrails.semantic._segments import Skeleton, Skeletons
    from guardrails.semantic.facts import ModuleDiff

    Job = tuple[FileChange, int, Skeletons | None]  # change, max_bytes, skeletons
    Done = tuple[ModuleDiff, dict[str, dict[str, Skeleton]]]  # the diff, each side's skeletons

PARALLEL_MIN = 32  # files; a pool's start (~50 ms) and the transfers pay off above this
MAX_WORKERS = 4

# What the forked workers read: set just before the pool starts (a fork copies it), so the
# changes' bytes are never pickled to the workers, only the diffs back.
_JOBS: Sequence[Job] = ()


def workers_for(files: int) -> int:
    """How many processes ``files`` diffs are shared between (1: this one alone)."""
    if files < PARALLEL_MIN or not sys.platform.startswith("linux"):
        return 1
    if threading.active_count() > 1:
        # A fork copies one thread: a lock another thread holds (an import, a log handler)
        # would stay held in the child forever. The MCP server runs checks beside others.
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS, files // (PARALLEL_MIN // 2)))


def _run(job: Job) -> Done:
    change, max_bytes, skeletons = job
    diff = diff_python(change, max_bytes=max_bytes, skeletons=skeletons)
    return diff, (skeletons.sides if skeletons is not None else {})


def _job(i: int) -> Done:
    return _run(_JOBS[i])


def diff_many(jobs: Sequence[Job]) -> list[Done]:
    """``diff_python`` of every job, in order, shared between worker processes when there
    are many (:func:`workers_for`)."""
    workers = workers_for(len(jobs))
    done = _in_pool(jobs, workers) if workers > 1 else None
    if done is None:  # one process, or no pool after all: the same diffs, here
        done = [_run(job) for job in jobs]
    return done


def _in_pool(jobs: Sequence[Job], workers: int) -> list[Done] | None:
    """The jobs' results from a pool of forked workers; None when there is no such pool
    (no ``fork``, a fork refused, a worker killed). Whatever a diff itself raises in a
    worker is raised here, as it would be in this process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOBS
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return None
    _JOBS = jobs
    # A collection in a worker would touch every object it inherited, copying each page the
    # fork shared: what exists now is left out of collections until the pool is done.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            # Small chunks: a few large files must not all land on one worker.
            return list(pool.map(_job, range(len(jobs)), chunksize=4))
    except (BrokenProcessPool, OSError):  # the workers could not start, or one died
        return None
    finally:
        gc.unfreeze()
        _JOBS = ()
