"""The semantic diffs of many files at once, on the cores the process may use.

A wide range (a formatter's run over 400 files) spends most of its first ``check --base``
in :func:`~guardrails.semantic.python.diff_python`, a pure function of each file's two
sides: forked workers (:mod:`guardrails.forkpool`) each take a share and send the diffs
back while this process computes its own. Below :data:`PARALLEL_MIN` files forking costs
more than it saves, and the diffs run in this process alone. A worker that cannot start or
dies costs only speed: its share is computed here, with the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from guardrails import forkpool
from guardrails.semantic.python import diff_python

if TYPE_CHECKING:
    from guardrails.changes import FileChange
    from guardrails.semantic._segments import Skeleton, Skeletons
    from guardrails.semantic.facts import ModuleDiff

    Job = tuple[FileChange, int, Skeletons | None]  # change, max_bytes, skeletons
    Done = tuple[ModuleDiff, dict[str, dict[str, Skeleton]]]  # the diff, each side's skeletons

PARALLEL_MIN = 32  # files; forking (~10 ms) and the transfers pay off above this


def workers_for(files: int) -> int:
    """How many processes ``files`` diffs are shared between (1: this one alone)."""
    return forkpool.workers_for(files, PARALLEL_MIN)


def _run(job: Job) -> Done:
    change, max_bytes, skeletons = job
    diff = diff_python(change, max_bytes=max_bytes, skeletons=skeletons)
    return diff, (skeletons.sides if skeletons is not None else {})


def _job(job: Job) -> Done:  # what a worker runs (tests replace it to kill one)
    return _run(job)


def diff_many(jobs: Sequence[Job]) -> list[Done]:
    """``diff_python`` of every job, in order, shared between worker processes when there
    are many (:func:`workers_for`)."""
    workers = workers_for(len(jobs))
    if workers > 1:
        return _in_pool(jobs, workers)
    return [_run(job) for job in jobs]


def _in_pool(jobs: Sequence[Job], workers: int) -> list[Done]:
    """The jobs' results, shared between this process and forked workers."""
    return forkpool.fork_map(_job, jobs, workers)
