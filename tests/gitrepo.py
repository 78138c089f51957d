"""Real git repositories for tests: fixed identities and dates, no global config.

Usage::

    repo = GitRepo.create(tmp_path / "repo")
    repo.write({"svc/a.py": "x = 1\n"})
    base = repo.commit("initial")
    repo.write({"svc/a.py": "x = 2\n"}); repo.remove("old.py")
    head = repo.commit("change", author=("Claude", "noreply@anthropic.com"),
                       trailers=["Co-Authored-By: Claude <noreply@anthropic.com>"])
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

DEFAULT_AUTHOR = ("Test Author", "author@example.com")
BASE_DATE = 1_700_000_000  # 2023-11-14T22:13:20Z; each commit adds a minute


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") and k not in {"CLAUDECODE", "GUARDRAILS_AUTHOR_KIND"}
    }
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    if extra:
        env.update(extra)
    return env


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._tick = 0

    @classmethod
    def create(cls, root: Path, *, branch: str = "main") -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", branch)
        repo.git("config", "user.name", DEFAULT_AUTHOR[0])
        repo.git("config", "user.email", DEFAULT_AUTHOR[1])
        repo.git("config", "commit.gpgsign", "false")
        repo.git("config", "core.quotepath", "true")
        return repo

    def git(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> str:
        out = subprocess.run(
            ["git", *args],
            cwd=self.root,
            input=input,
            env=git_env(env),
            check=True,
            capture_output=True,
        )
        return out.stdout.decode("utf-8", "surrogateescape").strip()

    def write(self, files: Mapping[str, str | bytes]) -> None:
        for rel, content in files.items():
            p = self.root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                p.write_bytes(content)
            else:
                p.write_text(content, encoding="utf-8")

    def remove(self, *paths: str) -> None:
        self.git("rm", "-r", "-q", "--", *paths)

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def stage(self, *paths: str) -> None:
        self.git("add", "-A", "--", *(paths or (".",)))

    def commit(
        self,
        message: str,
        *,
        author: tuple[str, str] = DEFAULT_AUTHOR,
        committer: tuple[str, str] | None = None,
        trailers: list[str] | tuple[str, ...] = (),
        add_all: bool = True,
    ) -> str:
        """Commit (everything, by default) with a fixed date; returns the full sha."""
        if add_all:
            self.git("add", "-A")
        self._tick += 1
        date = f"@{BASE_DATE + 60 * self._tick} +0000"
        committer = committer or author
        body = message if not trailers else message + "\n\n" + "\n".join(trailers)
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "--no-verify",
            "-m",
            body,
            env={
                "GIT_AUTHOR_NAME": author[0],
                "GIT_AUTHOR_EMAIL": author[1],
                "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_NAME": committer[0],
                "GIT_COMMITTER_EMAIL": committer[1],
                "GIT_COMMITTER_DATE": date,
            },
        )
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, *, checkout: bool = True) -> None:
        self.git("checkout", "-q", "-b", name) if checkout else self.git("branch", name)

    def checkout(self, rev: str) -> None:
        self.git("checkout", "-q", rev)
