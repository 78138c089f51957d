"""Writing a file so that no reader ever sees half of it: a temp file beside it, renamed in.

One definition for the caches under ``.git/guardrails`` and for ``--output`` reports.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, prefix: str, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` in one rename (``mode``: the new file's permissions).

    Raises OSError as the file system does; the temp file never outlives a failure.
    """
    import tempfile  # ~8 ms; a run that writes nothing never needs it

    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
