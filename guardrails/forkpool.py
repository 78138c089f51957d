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

Work can also start before the stage that needs it, on a core that would otherwise wait:
:func:`background` runs a function for what it leaves in a content-addressed cache (the
change's semantic diffs, while the catalogs load), and :func:`head_start` works through a
list of inputs in order until this process takes what it has done (a cold tree's import
records, while its catalog loads).

Plain ``os.fork`` and pipes rather than ``concurrent.futures``: importing the executor costs
~25 ms and its queues ~40 ms more per pool (``-X importtime``; a one-worker pool against
no pool over django's files, in-process), as much as a cold graph of 1,000 files parses.
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
GRAIN = 8  # consecutive inputs a process takes in turn: a run of large files is shared


def can_fork() -> bool:
    """Linux, and this process has one thread.

    A fork copies one thread: a lock another thread holds (an import, a log handler) would
    stay held in the child forever. The MCP server runs checks beside others.
    """
    return sys.platform.startswith("linux") and threading.active_count() == 1


def workers_for(jobs: int, minimum: int) -> int:
    """How many processes ``jobs`` inputs are shared between (1: this one alone).

    ``minimum`` is the fewest inputs for which forking pays off; each process gets at least
    half that many.
    """
    if jobs < minimum or not can_fork():
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
    ``workers - 1`` forked children. Ask :func:`workers_for` first: it alone checks the
    platform and that this process has one thread.

    The processes take ``grain`` inputs at a time in turn (1 with one input per process).
    When ``fn`` raises, the exception of the first input it fails on is raised here, as one
    process would: each process stops at its first failure and the lowest input wins, so
    which one is raised does not depend on the number of processes. (An exception travels
    pickled, without its traceback; one that cannot be pickled or unpickled has its share
    computed here again, which raises it.) ``on_done(n)`` is told, in this process, each
    time ``n`` answers are in.
    """
    import pickle  # noqa: F401 - here (~1.5 ms, not for a hook that never forks), once for all

    done: dict[int, R] = {}
    failed: list[tuple[int, Exception]] = []  # each process's first failure
    children: list[tuple[int, int, list[int]]] = []  # pid, read end, share
    # A collection in a child would touch every object it inherited, copying each page the
    # fork shared: what exists now is left out of collections until the children are done
    # (for good when something froze objects before: the console script does at start).
    thawed = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        for k in range(1, workers):
            mine = share(len(jobs), workers, k, grain)
            open_ends = [fd for _, fd, _ in children if fd >= 0]
            started = _start(fn, jobs, mine, open_ends)
            if started is None:  # no fork after all: this share is computed here
                children.append((-1, -1, mine))
            else:
                children.append((*started, mine))
        _compute(fn, jobs, share(len(jobs), workers, 0, grain), done, failed)
        if on_done is not None:
            on_done(len(done))
        for n, (pid, fd, mine) in enumerate(children):
            children[n] = (-1, -1, mine)  # _collect reaps it, whatever happens
            answers = _collect(pid, fd, len(mine))
            if answers is None:  # the child could not say: its share, here
                _compute(fn, jobs, mine, done, failed)
            elif answers[0] == "raised":
                failed.append(answers[1])
            else:
                done.update(zip(mine, answers[1], strict=True))
            if on_done is not None:
                on_done(len(done))
    finally:
        for pid, fd, _ in children:
            if pid > 0:
                _kill(pid, fd)
        if thawed:
            gc.unfreeze()
    if failed:
        raise min(failed, key=lambda f: f[0])[1]
    return [done[i] for i in range(len(jobs))]


class Background:
    """A forked child running one function for what it leaves behind (entries in a cache),
    while this process goes on. Nothing comes back but whether it finished."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def wait(self) -> bool:
        """Wait for the child to finish: True when it returned."""
        if self.pid < 0:
            return False
        pid, self.pid = self.pid, -1
        return _reap(pid, kill=False) == 0

    def cancel(self) -> None:
        """Stop the child if it still runs (its work is not wanted) and reap it."""
        if self.pid >= 0:
            pid, self.pid = self.pid, -1
            _reap(pid, kill=True)


def background(fn: Callable[[], object]) -> Background | None:
    """``fn()`` in a forked child, or None when this process cannot fork (:func:`can_fork`)
    or the fork fails: the caller then does without. ``fn`` must only leave what it computes
    where this process can read it (a content-addressed cache): the child prints nothing and
    exits without flushing this process's buffers or running its ``atexit`` handlers."""
    if not can_fork():
        return None

    def child() -> None:
        # Collections here see only what the child makes: touching every inherited object
        # would copy each page the fork shared.
        gc.freeze()
        fn()

    pid = _fork(child)
    return None if pid is None else Background(pid)


class HeadStart:
    """A forked child working through a list of inputs in order, a chunk at a time, until
    this process asks for what it has (:meth:`take`): a stage's pure work started before
    the stage is reached, on a core that would otherwise wait for it."""

    def __init__(self, pid: int, stop: int, answers: int, count: int) -> None:
        self.pid, self._stop, self._answers, self._count = pid, stop, answers, count

    def take(self) -> list[Any]:
        """The answers for the first inputs, in order: as many as the child had finished
        (it stops after the chunk it is in); [] when it died or sent something unreadable.
        The child is reaped whatever happens."""
        if self.pid < 0:
            return []
        pid, self.pid = self.pid, -1
        with contextlib.suppress(OSError):
            os.close(self._stop)  # the child sees its end of this pipe close: it stops
        payload = None
        try:
            with os.fdopen(self._answers, "rb") as pipe:
                payload = pipe.read()
        except OSError:
            pass
        finally:
            status = _reap(pid, kill=payload is None)
        if not payload or status != 0:
            return []
        import pickle

        try:
            # guardrails: ignore[safety.pickle] -- sent by the child we forked, over our own pipe
            answers = pickle.loads(payload)
        except Exception:
            return []
        if not isinstance(answers, list) or len(answers) > self._count:
            return []
        return answers

    def cancel(self) -> None:
        """Stop the child (its answers are not wanted) and reap it."""
        if self.pid >= 0:
            pid, self.pid = self.pid, -1
            for fd in (self._stop, self._answers):
                with contextlib.suppress(OSError):
                    os.close(fd)
            _reap(pid, kill=True)

    def __del__(self) -> None:  # dropped untaken (the stage was never reached): stopped
        self.cancel()


def head_start(
    fn: Callable[[Sequence[T]], list[R]], jobs: Sequence[T], chunk: int
) -> HeadStart | None:
    """Start ``fn`` on ``jobs``, ``chunk`` inputs at a time, in a forked child (``fn`` of a
    chunk gives one answer per input); None when this process cannot fork. ``fn`` raising
    ends the child's work there: the inputs from that chunk on are this process's to do
    (and to raise about, as it would have)."""
    if not can_fork() or not jobs:
        return None
    import pickle  # noqa: F401 - before the fork: the child pickles its answers

    try:
        stop_read, stop_write = os.pipe()
    except OSError:
        return None
    try:
        answers_read, answers_write = os.pipe()
    except OSError:
        os.close(stop_read)
        os.close(stop_write)
        return None

    def child() -> None:
        import select

        os.close(stop_write)
        os.close(answers_read)
        gc.freeze()  # as in background(): collections see only what the child makes
        stop = select.poll()
        stop.register(stop_read, select.POLLIN)
        done: list[R] = []
        for start in range(0, len(jobs), chunk):
            if stop.poll(0):
                break  # asked for what it has (its end of the pipe closed)
            piece = jobs[start : start + chunk]
            try:
                answers = fn(piece)
            except Exception:
                break
            if len(answers) != len(piece):
                break  # not one answer per input: nothing from here on can be placed
            done.extend(answers)
        with os.fdopen(answers_write, "wb") as out:
            out.write(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))

    pid = _fork(child)
    os.close(stop_read)
    os.close(answers_write)
    if pid is None:
        os.close(stop_write)
        os.close(answers_read)
        return None
    return HeadStart(pid, stop_write, answers_read, len(jobs))


def _compute(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    mine: list[int],
    done: dict[int, R],
    failed: list[tuple[int, Exception]],
) -> None:
    """``fn`` of each input of ``mine`` into ``done``, up to the first that raises."""
    for i in mine:
        try:
            done[i] = fn(jobs[i])
        except Exception as exc:
            failed.append((i, exc))
            return


def _start(
    fn: Callable[[T], R], jobs: Sequence[T], mine: list[int], inherited: list[int]
) -> tuple[int, int] | None:
    """Fork a child that computes ``mine`` and writes its answers: (pid, read end).
    ``inherited``: the read ends of earlier children, which this one closes."""
    try:
        read, write = os.pipe()
    except OSError:
        return None

    def child() -> None:
        import pickle

        os.close(read)
        for fd in inherited:  # a sibling's pipe, held open, would keep it from EPIPE
            os.close(fd)
        done: dict[int, object] = {}
        failed: list[tuple[int, Exception]] = []
        _compute(fn, jobs, mine, done, failed)
        message = ("raised", failed[0]) if failed else ("ok", [done[i] for i in mine])
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(payload)

    pid = _fork(child)
    os.close(write)
    if pid is None:
        os.close(read)
        return None
    return pid, read


def _fork(child: Callable[[], object]) -> int | None:
    """Fork; the child runs ``child()`` and exits (0 when it returned), never returning
    here. The child's pid, or None when the fork failed."""
    # Signals wait until the child is inside its try: an interrupt on the way there would
    # unwind this process's stack in the child (its finally blocks, its buffered output).
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid = os.fork()
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return None
    if pid == 0:
        status = 1
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            child()
            status = 0
        finally:
            os._exit(status)  # no atexit, no flush of the parent's buffers
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return pid


def _collect(pid: int, fd: int, count: int) -> tuple[str, Any] | None:
    """What the child ``pid`` wrote to ``fd`` once it has exited: ``count`` answers, or the
    input it failed on first and what it raised; None when it could not start, died or
    wrote something unreadable. The child is reaped and ``fd`` closed whatever happens."""
    if pid < 0:
        return None
    payload = None
    try:
        with os.fdopen(fd, "rb") as pipe:
            payload = pipe.read()
    except OSError:
        pass
    finally:
        # Interrupted, or the pipe failed: the answers are not wanted.
        status = _reap(pid, kill=payload is None)
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
    if (
        kind == "raised"
        and isinstance(answers, tuple)
        and len(answers) == 2
        and isinstance(answers[0], int)
        and isinstance(answers[1], Exception)
    ):
        return message
    return None


def _kill(pid: int, fd: int) -> None:
    """Stop and reap a child whose answers are no longer wanted."""
    with contextlib.suppress(OSError):
        if fd >= 0:
            os.close(fd)
    _reap(pid, kill=True)


def _reap(pid: int, *, kill: bool) -> int:
    """Wait for the child ``pid`` (killed first if ``kill``): its exit status, -1 if gone."""
    if kill:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    try:
        return os.waitpid(pid, 0)[1]
    except OSError:
        return -1
    except BaseException:  # interrupted while waiting: the child is not left behind
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
        raise
