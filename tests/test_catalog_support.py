"""Test-only Snapshots for the catalog tests: a committed tree read with git, and a directory.

The product's Snapshot lives in guardrails/git/snapshots.py; these are deliberately tiny so
that the catalog tests depend on nothing but the Snapshot protocol.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from guardrails.catalog.load import build_catalog, load_catalog
from guardrails.catalog.model import Catalog
from guardrails.errors import ConfigError, Problem
from tests.gitrepo import GitRepo, git_env


class CommitSnapshot:
    """A commit's tree, read with `git ls-tree` and one `git cat-file --batch`."""

    def __init__(self, root: Path, rev: str = "HEAD") -> None:
        self.root = root
        self.label = rev
        out = subprocess.run(
            ["git", "ls-tree", "-r", "-z", rev],
            cwd=root,
            env=git_env(),
            check=True,
            capture_output=True,
        ).stdout.decode("utf-8", "surrogateescape")
        self._blobs: dict[str, str] = {}
        for entry in filter(None, out.split("\0")):
            meta, path = entry.split("\t", 1)
            self._blobs[path] = meta.split()[2]

    def paths(self) -> Sequence[str]:
        return sorted(self._blobs)

    def read(self, path: str) -> bytes | None:
        return self.read_many([path]).get(path)

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        wanted = [p for p in paths if p in self._blobs]
        if not wanted:
            return {}
        stdin = "".join(self._blobs[p] + "\n" for p in wanted).encode()
        out = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            env=git_env(),
            input=stdin,
            check=True,
            capture_output=True,
        ).stdout
        result, pos = {}, 0
        for path in wanted:
            header_end = out.index(b"\n", pos)
            size = int(out[pos:header_end].split()[2])
            start = header_end + 1
            result[path] = out[start : start + size]
            pos = start + size + 1
        return result

    def blob_id(self, path: str) -> str | None:
        return self._blobs.get(path)


class DirSnapshot:
    """A directory on disk (used for the shipped example catalog)."""

    label = "worktree"

    def __init__(self, root: Path) -> None:
        self.root = root

    def paths(self) -> Sequence[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def read(self, path: str) -> bytes | None:
        p = self.root / path
        return p.read_bytes() if p.is_file() else None

    def read_many(self, paths: Sequence[str]) -> dict[str, bytes]:
        return {p: data for p in paths if (data := self.read(p)) is not None}

    def blob_id(self, path: str) -> str | None:
        return None


def committed(repo: GitRepo, files: Mapping[str, str | bytes]) -> CommitSnapshot:
    repo.write(files)
    repo.commit("catalog")
    return CommitSnapshot(repo.root)


def load(repo: GitRepo, files: Mapping[str, str | bytes], **kw: object) -> Catalog:
    return load_catalog(committed(repo, files), **kw)  # type: ignore[arg-type]


def problems(repo: GitRepo, files: Mapping[str, str | bytes], **kw: object) -> list[str]:
    """Every problem rendered (``path:line: message (fix: ...)``), errors and infos."""
    _, found = build_catalog(committed(repo, files), **kw)  # type: ignore[arg-type]
    return [p.render() for p in found]


def errors(repo: GitRepo, files: Mapping[str, str | bytes], **kw: object) -> tuple[Problem, ...]:
    """The problems of a catalog that must fail to load (and the ConfigError is checked)."""
    with pytest.raises(ConfigError) as info:
        load(repo, files, **kw)
    return info.value.problems
