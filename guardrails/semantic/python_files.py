"""What counts as Python: the files Python imports or runs, and the changes that touch one
(by name, by a ``#!...python`` line, or through a symlink to a module); and how large a file
the semantic diff reads.

Light on purpose: the rules ask it of every changed file, and a change with no Python file
in it (a commit of docs) must not pay for creating the semantic diff's record types.
"""

from __future__ import annotations

from guardrails.changes import SYMLINK_MODE, FileChange

# What Python imports or runs: modules, stubs, Windows scripts, and bytecode (sourceless
# imports load a committed .pyc; it cannot be reviewed: binary, which blocks in CI).
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw", ".pyc")

# A side larger than this is not analysed (a ParseProblem says so): generated code, vendored
# bundles.
MAX_FILE_BYTES = 2 * 1024 * 1024


def is_python_file(path: str | None, data: bytes | None = None) -> bool:
    """A file Python imports or runs: by its name, or a ``#!...python`` script by its content."""
    if path is None:
        return False
    if path.endswith(PYTHON_SUFFIXES):
        return True
    if data is None or not data.startswith(b"#!"):
        return False
    first = data[:256].split(b"\n", 1)[0]
    return b"python" in first


def is_python_change(change: FileChange) -> bool:
    return (
        is_python_file(change.new_path, change.new_data)
        or is_python_file(change.old_path, change.old_data)
        or change.link_source is not None
        or change.linked_from_python
        or (change.new_mode == SYMLINK_MODE and is_python_file(change.new_path))
    )
