"""`guardrails install-hooks`: the plain git hooks from ``hooks/``, for teams without the
pre-commit framework. A hook that guardrails did not install (another tool's, or the
team's own) is never replaced silently: without ``--force`` nothing is written and exit 2
names it; with ``--force`` the old one is kept beside it as ``<name>.guardrails-backup``.
"""

from __future__ import annotations

import os
import stat

import click

from guardrails.errors import EXIT_OK, GuardrailsError

HOOKS = ("pre-commit", "pre-push")
MARK = "# guardrails-hook"  # every hook we ship carries it: how we know a hook is ours


def main(*, repo: str = ".", force: bool = False) -> int:
    from guardrails.cache import open_repo
    from guardrails.resources import data_path

    source = data_path("hooks")
    target_dir = open_repo(repo).hooks_dir()
    plan = []
    for name in HOOKS:
        ours = (source / name).read_text(encoding="utf-8")
        target = target_dir / name
        current = target.read_text(encoding="utf-8", errors="replace") if target.exists() else None
        if current == ours:
            state = "up to date"
        elif current is None or MARK in current:
            state = "installed"
        elif force:
            state = f"replaced (the old hook is in {name}.guardrails-backup)"
        else:
            raise GuardrailsError(
                "a hook that guardrails did not install is in the way",
                path=str(target),
                fix="run it from a .git/hooks wrapper of your own, or pass --force to replace"
                f" it (it is kept as {name}.guardrails-backup)",
            )
        plan.append((name, ours, target, current, state))
    target_dir.mkdir(parents=True, exist_ok=True)
    for name, ours, target, current, state in plan:
        if current is not None and state.startswith("replaced"):
            target.replace(target.with_name(f"{name}.guardrails-backup"))
        if state != "up to date":
            target.write_text(ours, encoding="utf-8")
        mode = os.stat(target).st_mode
        os.chmod(target, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        click.echo(f"{target}: {state}")
    return EXIT_OK
