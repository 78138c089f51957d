"""ownership.unowned: the change adds files no team owns.

A file no service claims and no CODEOWNERS rule covers has nobody to review it or to call
when it breaks. Like every rule, this one is diff-aware: it reports what the change brings
(a new file, or one copied or moved to where nobody owns it), never what was already there.
An edit to a file that was already unowned changes nothing about its ownership; a
repository that keeps a tree ownerless on purpose (a CODEOWNERS line with no owner, as
GitHub allows) would otherwise see this warning on every commit. Warns once per change, at
the first such file, with the others in ``related``: a 400-file move is one problem.

A repository that declares no ownership at all (no CODEOWNERS rule, no owned service or
resource) has no gap to point at: every file is unowned, and a warning on every commit would
be noise nobody acts on. The rule is silent there; ``guardrails init`` and ``validate`` are
where such a repository learns how to declare owners.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.catalog.model import Catalog
from guardrails.changes import ADDED, COPIED, RENAMED
from guardrails.findings import Finding, Related
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class OwnershipUnowned(Rule):
    id = "ownership.unowned"
    default_severity = "warn"
    summary = "the change adds files no team owns"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        if ctx.owners_of_path is None or not declares_ownership(ctx.catalog):
            return
        unowned = sorted(
            c.path
            for c in ctx.changes.files
            if c.status in (ADDED, COPIED, RENAMED) and not ctx.owners_of_path(c.path)
        )
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
    Case(
        None,
        "#!/bin/sh\n",
        path="scripts/deploy.sh",
        expect=(Expect(None, "warn", ("nobody reviews it",)),),
        note="a new script nobody owns",
    ),
    Case(
        None,
        "id,value\n",
        path="data/exports.csv",
        expect=(Expect(None, "warn", ("data/exports.csv: no team owns it",)),),
        note="new data outside every service",
    ),
)

OwnershipUnowned.VALID = (
    Case("x = 1\n", "x = 2\n", path="services/ranker/rank.py"),
    Case(None, "x = 1\n", path="apps/growth/new.py"),
    Case("x = 1\n", None, path="services/event_bus/old.py"),
    Case("a\n", "b\n", path="README.md", note="already unowned: the edit changes no ownership"),
    Case("a\n", None, path="scripts/deploy.sh", note="deleting an unowned file leaves no gap"),
)
