"""What every fuzz test checks, and the small in-memory tree the catalog readers read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from guardrails.errors import Problem

ERROR_KINDS = ("error", "info", "warning")


class Tree:
    """A Snapshot over a dict: the catalog readers run in-process, thousands per second."""

    label = "fuzz"

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._files = dict(files)

    def paths(self) -> Sequence[str]:
        return sorted(self._files)

    def read(self, path: str) -> bytes | None:
        return self._files.get(path)

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {p: self._files[p] for p in paths if p in self._files}

    def blob_id(self, path: str) -> str | None:
        return None if path not in self._files else f"{hash(self._files[path]) & 0xFFFFFFFF:040x}"


def assert_located(problems: Iterable[Problem], files: Iterable[str]) -> None:
    """A defined result for bad input: each problem names a file of the input (or none, for
    a problem of the whole run), says what is wrong, and renders as one line."""
    known = set(files)
    for p in problems:
        assert p.message.strip(), p
        assert p.severity in ERROR_KINDS, p
        assert p.path is None or p.path in known, (p.path, known)
        assert p.line is None or p.line >= 1, p
        assert "\n" not in p.render(), p.render()
