"""`guardrails validate`: every problem in the config at once; exit 2 when any is an error."""

from __future__ import annotations

import click

from guardrails.engine import open_repo
from guardrails.errors import EXIT_ERROR, EXIT_OK


def main(*, config: str = "guardrails.yaml", repo: str = ".") -> int:
    from guardrails.catalog.load import build_catalog

    git = open_repo(repo)
    catalog, problems = build_catalog(git.worktree(), config_path=config)
    errors = [p for p in problems if p.severity == "error"]
    for p in sorted(problems, key=lambda p: (p.severity != "error", *p.sort_key())):
        label = "error" if p.severity == "error" else p.severity
        click.echo(f"{label}: {p.render()}", err=p.severity == "error")
    if errors:
        click.echo(f"guardrails: {len(errors)} problem{'s' if len(errors) != 1 else ''} "
                   f"in the configuration", err=True)
        return EXIT_ERROR
    if catalog is not None:
        source = catalog.config_path or "no guardrails.yaml (zero-config)"
        click.echo(
            f"{source}: valid — {len(catalog.services)} services, {len(catalog.resources)} "
            f"resources, {len(catalog.teams)} teams"
        )
    return EXIT_OK
