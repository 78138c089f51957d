"""ownership.unowned: the change touches files or nodes no team owns.

A file no service claims and no CODEOWNERS rule covers, or a changed node with no owner, has
nobody to review it or to call when it breaks. Warns once per change, at the first such file,
with the others in ``related``: a 400-file move into an unowned tree is one problem, not 400.

A repository that declares no ownership at all (no CODEOWNERS rule, no owned service or
resource) has no gap to point at: every file is unowned, and a warning on every commit would
be noise nobody acts on. The rule is silent there; ``guardrails init`` and ``validate`` are
where such a repository learns how to declare owners.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.catalog.model import Catalog
from guardrails.findings import Finding, Related
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class OwnershipUnowned(Rule):
    id = "ownership.unowned"
    default_severity = "warn"
    summary = "the change touches files or nodes no team owns"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.owners_of_path is None or not declares_ownership(ctx.catalog):
            return
        unowned = sorted(c.path for c in ctx.changes.files if not ctx.owners_of_path(c.path))
        if not unowned:
            return
        first = unowned[0]
        service = ctx.service(first)
        what = f"service:{service} has no owner" if service else "no team owns it"
        more = f" (and {len(unowned) - 1} more unowned file{'s' if len(unowned) > 2 else ''})"
        yield self.finding(
            first,
            None,
            f"{first}: {what}, so nobody reviews it or answers for it"
            + (more if len(unowned) > 1 else ""),
            "give it an owner: a service with `owner:` in guardrails.yaml, or a CODEOWNERS line",
            related=[Related(p) for p in unowned[1:]],
        )


def declares_ownership(catalog: Catalog) -> bool:
    """Whether the repository says who owns anything: a CODEOWNERS rule naming an owner, or
    a service or resource with an owner."""
    if catalog.codeowners is not None and any(r.owners for r in catalog.codeowners.rules):
        return True
    return any(s.owner for s in catalog.services.values()) or any(
        r.owner for r in catalog.resources.values()
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
