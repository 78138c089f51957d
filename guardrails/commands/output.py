"""Writing a report: stdout, or a file written atomically (never half-written)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from guardrails.errors import GuardrailsError


def encode(text: str) -> bytes:
    """UTF-8, always valid: a path byte that is not UTF-8 (held as a surrogate) is written as
    the escape ``\\udcXX``, which JSON parsers read back as the same code point."""
    return text.encode("utf-8", "backslashreplace")


def emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(encode(text))
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise GuardrailsError(
            f"cannot write {output}: directory {target.parent} does not exist",
            fix="create the directory or choose another --output path",
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(encode(text))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
