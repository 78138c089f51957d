"""Writing a file so that no reader ever sees half of it: a temp file beside it, renamed in.

One definition for the caches under ``.git/guardrails`` and for ``--output`` reports.
"""

from __future__ import annotations

import os
from pathlib import Path

# What tempfile.mkstemp opens with: a new file only (never one an attacker placed, never
# through a symlink), not inherited by child processes, binary on Windows.
_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_ATTEMPTS = 100


def _create_temp(directory: Path, prefix: str) -> tuple[int, str]:
    """A new file in ``directory`` only this process can read (0600), and its path.

    tempfile.mkstemp does the same, but importing tempfile (random, shutil, ...) cost the
    pre-commit hook, which writes a few cache entries on every commit, ~5 ms.
    """
    for _ in range(_ATTEMPTS):
        name = os.path.join(directory, f"{prefix}{os.urandom(6).hex()}")
        try:
            return os.open(name, _FLAGS, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {directory}")


def write_atomically(path: Path, data: bytes, *, prefix: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename (``mode``: the new file's permissions).

    Raises OSError as the file system does; the temp file never outlives a failure.
    """
    fd, tmp = _create_temp(path.parent, prefix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
