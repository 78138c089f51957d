"""Writing a report: stdout, or a file written whole (never half-written)."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

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
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
