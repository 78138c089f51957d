from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo, git_env


@pytest.fixture(autouse=True)
def _isolate(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test may read or write the real $HOME, the user's git config or this repository.

    Like pre-commit's own suite: HOME points at an empty directory, git ignores global and
    system config, and agent markers from the developer's shell are removed.
    """
    home = tmp_path_factory.mktemp("home")
    for key, value in git_env().items():
        monkeypatch.setenv(key, value)
    for key in list(os.environ):
        if key.startswith("GIT_") and key not in git_env():
            monkeypatch.delenv(key, raising=False)
    for key in ("CLAUDECODE", "GUARDRAILS_AUTHOR_KIND", "CI", "GITHUB_ACTIONS", "PRE_COMMIT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PRE_COMMIT_HOME", str(home / ".cache" / "pre-commit"))
    yield


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.create(tmp_path / "repo")
