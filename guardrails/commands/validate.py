"""`guardrails validate`: every problem in the config at once; exit 2 when any is an error."""

from __future__ import annotations

from collections.abc import Sized

import click

from guardrails.engine import open_repo
from guardrails.errors import EXIT_ERROR, EXIT_OK


def main(*, config: str | None = None, repo: str = ".") -> int:
    from guardrails.catalog.load import build_catalog
    from guardrails.catalog.model import CONFIG_FILE
    from guardrails.errors import ConfigError

    git = open_repo(repo)
    snapshot = git.worktree()
    if config is not None and snapshot.read(config) is None:
        raise ConfigError(
            f"{config} not found",
            path=config,
            fix="create it (`guardrails init`) or point --config at it",
        )
    from guardrails.engine import inferred_services

    catalog, problems = build_catalog(
        snapshot,
        config_path=config or CONFIG_FILE,
        inferred=inferred_services(snapshot, config, required=True),
    )
    errors = [p for p in problems if p.severity == "error"]
    for p in sorted(problems, key=lambda p: (p.severity != "error", *p.sort_key())):
        label = "error" if p.severity == "error" else p.severity
        click.echo(f"{label}: {p.render()}", err=p.severity == "error")
    if errors:
        click.echo(
            f"guardrails: {len(errors)} problem{'s' if len(errors) != 1 else ''} "
            f"in the configuration",
            err=True,
        )
        return EXIT_ERROR
    if catalog is not None:
        source = catalog.config_path or "no guardrails.yaml (zero-config)"
        click.echo(
            f"{source}: valid — {_count(catalog.services, 'service')}, "
            f"{_count(catalog.resources, 'resource')}, {_count(catalog.teams, 'team')}"
        )
    return EXIT_OK


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
