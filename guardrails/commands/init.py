"""`guardrails init`: write a commented starter guardrails.yaml inferred from the repository."""

from __future__ import annotations

import click

from guardrails.cache import open_repo
from guardrails.catalog.model import CONFIG_FILE
from guardrails.commands.output import emit
from guardrails.errors import EXIT_OK, GuardrailsError


def main(*, repo: str = ".", force: bool = False, stdout: bool = False) -> int:
    from guardrails.app.init import starter_config

    git = open_repo(repo)
    target = git.root / CONFIG_FILE
    if target.exists() and not force and not stdout:
        raise GuardrailsError(
            "already exists",
            path=CONFIG_FILE,
            fix="keep it, or rerun with --force to overwrite it (or --stdout to compare)",
        )
    text = starter_config(git.worktree(), cache_dir=git.git_dir / "guardrails")
    if stdout:
        emit(text, None)
        return EXIT_OK
    emit(text, str(target))
    click.echo(
        f"wrote {target} — review the owners and tiers, then run `guardrails validate`", err=True
    )
    return EXIT_OK
