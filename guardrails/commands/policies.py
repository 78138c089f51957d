"""`guardrails policies list | show ID | test [DIR]`."""

from __future__ import annotations

import click

from guardrails.app.policies import (
    describe_requirement,
    find_policy,
    policies_in_force,
    test_cases,
)
from guardrails.cache import open_repo
from guardrails.errors import EXIT_BLOCKED, EXIT_OK


def list_main(*, config: str | None = None, repo: str = ".") -> int:
    policies = policies_in_force(open_repo(repo), config)
    for pack in policies.packs:
        scope = f" (runs when {', '.join(pack.affects)} is affected)" if pack.affects else ""
        click.echo(f"{pack.ref}: {pack.name}{scope}")
        for p in pack.policies:
            when = " when " + p.when.source if p.when else ""
            if p.rules:
                what = f"{', '.join(p.rules)}{when} -> {p.severity or 'the rule default'}"
            else:
                what = f"the change{when}"
            needs = f"; needs {describe_requirement(p)}" if p.require else ""
            flags = " [locked]" if p.locked else ""
            click.echo(f"  {p.id}: {what}{needs}{flags}")
    return EXIT_OK


def show_main(policy_id: str, *, config: str | None = None, repo: str = ".") -> int:
    p = find_policy(policies_in_force(open_repo(repo), config), policy_id)
    rows = [
        ("id", p.id),
        ("pack", p.pack),
        # A built-in pack lives in the install; its reference is what a user can look up.
        (
            "defined at",
            f"{p.pack}:{p.line}" if p.pack.startswith("builtin:") else f"{p.path}:{p.line}",
        ),
        ("rule", ", ".join(p.rules) or "(none: judges the change)"),
        ("when", p.when.source if p.when else "(always)"),
        ("severity", p.severity or "(the rule's default)"),
        ("requires", describe_requirement(p) or "(nothing)"),
        ("not_author", str(p.require.not_author).lower() if p.require else "-"),
        ("forbid_suppression", str(p.forbid_suppression).lower()),
        ("locked", str(p.locked).lower()),
        ("rationale", p.rationale or "-"),
        ("runbook", p.runbook or "-"),
    ]
    for key, value in rows:
        click.echo(f"{key + ':':<20}{value}")
    return EXIT_OK


def test_main(directory: str | None = None) -> int:
    failed = 0
    total = 0
    for result in test_cases(directory):
        total += 1
        if result.ok:
            click.echo(f"ok    {result.name}")
            continue
        failed += 1
        click.echo(f"FAIL  {result.name}")
        for line in result.diff.splitlines():
            click.echo(f"      {line}")
    click.echo(f"{total - failed} passed, {failed} failed")
    return EXIT_BLOCKED if failed else EXIT_OK
