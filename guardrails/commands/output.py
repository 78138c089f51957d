"""Writing a report: stdout, or a file written whole (never half-written)."""

from __future__ import annotations

import io
import os
import stat
import sys
import threading
from pathlib import Path
from typing import NoReturn

from guardrails.atomic import write_atomically
from guardrails.errors import GuardrailsError


def encode(text: str) -> bytes:
    """UTF-8, always valid: a path byte that is not UTF-8 (held as a surrogate) is written as
    the escape ``\\\\udcXX``, which JSON parsers read back as the same code point."""
    return text.encode("utf-8", "backslashreplace")


def emit(text: str, output: str | None) -> None:
    if output is None:
        _to_stdout(encode(text))
        return
    target = Path(output)
    try:
        _to_file(target, encode(text))
    except OSError as exc:
        raise GuardrailsError(
            f"cannot write {output}: {exc.strerror or exc}",
            fix="choose a writable --output path (or leave it out to print to stdout)",
        ) from exc


def _to_stdout(data: bytes) -> None:
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Point stdout at /dev/null so
        # the interpreter's final flush stays quiet; the exit code still carries the verdict.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _to_file(target: Path, data: bytes) -> None:
    real = target.resolve() if target.is_symlink() else target
    if real.exists() and not real.is_file():
        # A device, a FIFO, /dev/stdout: write into it; replacing it would destroy it.
        with open(real, "wb") as fh:
            fh.write(data)
        return
    if not real.parent.is_dir():
        raise GuardrailsError(
            f"cannot write {target}: directory {real.parent} does not exist",
            fix="create the directory or choose another --output path",
        )
    # A regular file (or none yet): write a temp file beside it and rename it into place, so a
    # reader never sees half a report. Keep the old file's mode, else the umask's default.
    mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else _default_mode()
    write_atomically(real, data, prefix=f".{real.name}.", mode=mode)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# --- the process's own streams ------------------------------------------------------------


class _PipeSafe(io.RawIOBase):
    """A standard stream's file descriptor whose reader may go away (`| head -0`).

    After EPIPE the rest of the output is dropped and the command runs on to its own exit
    code: a broken pipe is the reader's choice, never an error of ours, and never exit 1
    ("blocked") from an interpreter that died writing.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.broken = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        size = len(data)
        if self.broken:
            return size
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            self.broken = True
            return size


def _reopen(stream: io.TextIOBase | None, fd: int) -> io.TextIOWrapper:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "strict"
    raw = _PipeSafe(fd)
    return io.TextIOWrapper(
        io.BufferedWriter(raw),  # type: ignore[type-var]  # a RawIOBase with write(): what it needs
        encoding=encoding,
        errors=errors,
        line_buffering=fd == 2 or raw.isatty(),
        write_through=fd == 2,
    )


def protect_streams() -> None:
    """Make stdout and stderr safe to write whatever the caller did with them.

    A closed descriptor (`>&-`, `2>&-`) is pointed at /dev/null first, so neither our writes
    nor git's (a child inherits fds 0-2) fail with EBADF, and Python's None in place of the
    stream never reaches click. Both streams then drop output quietly after EPIPE.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        current = getattr(sys, name)
        try:
            if current is not None:
                current.flush()
        except (OSError, ValueError):
            pass
        setattr(sys, name, _reopen(current, fd))


def finish(code: int) -> NoReturn:
    """Flush stdout and stderr, then leave at once with ``code``.

    Everything a run writes is complete by now (reports and caches are written whole and
    closed, temporary directories removed by their context managers), so the interpreter's
    shutdown would only free the run's records one by one (~30 ms of a check on a large
    repository; the OS reclaims them at once). Skipping it also keeps our exit code when an
    interrupt stopped the analysis while its worker thread (the libcst parser runs in one,
    with a large stack) was still winding down: shutdown could then die with SIGABRT (rc -6).

    Unless someone waits for the shutdown: a profiler or tracer (``python -m cProfile``,
    coverage) writes its data then, and atexit callbacks (a plugin's, logging's) expect to
    run; then, with no other thread left, the interpreter exits as usual.
    """
    lost = False
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            lost = True
    if _shutdown_awaited() and threading.active_count() == 1:
        if lost:
            # A full disk, a closed pipe: the interpreter's own final flush would fail again
            # and turn our code into 120. What was not written is lost either way.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.dup2(devnull, sys.stderr.fileno())
        sys.exit(code)
    os._exit(code)


def _shutdown_awaited() -> bool:
    import atexit

    callbacks = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere assume some
    return (
        sys.getprofile() is not None
        or sys.gettrace() is not None
        or callbacks is None
        or callbacks() > 0
    )
