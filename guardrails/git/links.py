"""Module symlinks in a tree: which paths Python imports as modules, and the regular file a
symlink resolves to (``x.py -> ../tools/payload`` makes Python import the payload).

Pure functions of a listing and the links' blobs: nothing here runs git.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from guardrails.git.parse import SYMLINK, _Entry, _fspath

_MODULE_SUFFIXES = (".py", ".pyw", ".pyi")


def _module_name(path: str) -> bool:
    return path.endswith(_MODULE_SUFFIXES)


def _follow(
    link: str, target: bytes | None, entries: Mapping[str, _Entry], blobs: Mapping[str, bytes]
) -> str | None:
    """The regular file a symlink in the tree resolves to, or None (outside, dangling, a loop,
    a directory, or a chain through links we did not read)."""
    for _ in range(40):  # the kernel's own limit on chained links
        if not target or target.startswith(b"/"):
            return None
        path = posixpath.normpath(posixpath.join(posixpath.dirname(link), _fspath(target)))
        if path == ".." or path.startswith("../"):
            return None
        entry = entries.get(path)
        if entry is None:
            return None
        if entry.mode != SYMLINK:
            return path if entry.mode in ("100644", "100755") else None
        link, target = path, blobs.get(entry.oid)
    return None
