"""Running libcst (and deep ``ast`` work) in a worker thread with a large stack and a raised
recursion limit, so deep-but-valid code parses instead of crashing the interpreter.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

WORKER_STACK = 256 * 1024 * 1024  # virtual; only the pages touched are committed
WORKER_RECURSION = 50_000

T = TypeVar("T")
_guard = threading.Lock()


def run_guarded(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a worker thread with a large stack and a raised recursion limit.

    The limit is interpreter-wide, so it is raised only while the worker runs and the
    caller waits; the lock keeps two callers from restoring each other's limit.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # handed back to the caller's thread
            box["error"] = e

    with _guard:
        limit = sys.getrecursionlimit()
        try:
            previous = threading.stack_size(WORKER_STACK)
        except (ValueError, RuntimeError):  # platform without adjustable stacks
            return fn()
        try:
            sys.setrecursionlimit(max(limit, WORKER_RECURSION))
            worker = threading.Thread(target=target, name="guardrails-libcst", daemon=True)
            worker.start()
            worker.join()
        finally:
            # Also on an interrupt: the main thread's small stack must not keep the raised limit.
            threading.stack_size(previous)
            sys.setrecursionlimit(limit)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
