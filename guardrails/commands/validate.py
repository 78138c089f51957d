"""`guardrails validate`: every problem in the config at once; exit 2 when any is an error.

After a valid config it also lists what import inference could not read (files no parser
accepts, module names two files claim, relative imports past the top package): those never
stop a run, but each one is an edge the graph may be missing.
"""

from __future__ import annotations

from collections.abc import Sized

import click

from guardrails.cache import open_repo
from guardrails.engine import world_from_catalog
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
    from guardrails.app.check import policy_problems

    # The packs are part of the configuration: their problems are listed with the rest.
    problems = (*problems, *policy_problems(catalog, snapshot.read))
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
    world = world_from_catalog(git, snapshot, catalog)
    for p in sorted(world.problems, key=lambda p: p.sort_key()):
        click.echo(f"{p.severity}: import inference: {p.render()}")
    source = catalog.config_path or "no guardrails.yaml (zero-config)"
    inferred = f"; {_count(world.problems, 'import problem')}" if world.problems else ""
    click.echo(
        f"{source}: valid — {_count(catalog.services, 'service')}, "
        f"{_count(catalog.resources, 'resource')}, {_count(catalog.teams, 'team')}{inferred}"
    )
    return EXIT_OK


def _count(items: Sized, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
