"""ownership.unowned: the change touches files or nodes no team owns.

A file no service claims and no CODEOWNERS rule covers, or a changed node with no owner, has
nobody to review it or to call when it breaks. Warns; one finding per file.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class OwnershipUnowned(Rule):
    id = "ownership.unowned"
    default_severity = "warn"
    summary = "the change touches files or nodes no team owns"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.owners_of_path is None:
            return
        for change in ctx.changes.files:
            if ctx.owners_of_path(change.path):
                continue
            service = ctx.service(change.path)
            what = f"service:{service} has no owner" if service else "no team owns it"
            yield self.finding(
                change.path,
                None,
                f"{change.path}: {what}, so nobody reviews it or answers for it",
                "give it an owner: a service with `owner:` in guardrails.yaml, or a "
                "CODEOWNERS line",
            )


OwnershipUnowned.INVALID = (
    Case(None, "x\n", path="notes/todo.txt", expect=(Expect(None, "warn", ("no team owns",)),)),
    Case("a\n", "b\n", path="README.md", expect=(Expect(None, "warn", ("README.md",)),)),
    Case(
        "a\n",
        None,
        path="scripts/deploy.sh",
        expect=(Expect(None, "warn", ("nobody reviews it",)),),
        note="a deleted file had no owner either",
    ),
)

OwnershipUnowned.VALID = (
    Case("x = 1\n", "x = 2\n", path="services/ranker/rank.py"),
    Case(None, "x = 1\n", path="apps/growth/new.py"),
    Case("x = 1\n", None, path="services/event_bus/old.py"),
)
