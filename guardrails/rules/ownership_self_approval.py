"""ownership.self-approval: the only approvals come from the change's own authors or agents.

An approval from an author, committer or co-author, or from an AI agent or a bot, is not an
independent review; when every approval of the head is one of those, the change has in
effect reviewed itself. Warns (the requirements that ask for humans who are not authors are
what block); reported at the first changed file.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class OwnershipSelfApproval(Rule):
    id = "ownership.self-approval"
    default_severity = "warn"
    summary = "the only approvals come from authors, co-authors or agents"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        approving = [a for a in ctx.approvals if a.approves]
        if not approving or not ctx.changes.files:
            return
        if any(not (a.author or a.agent or a.bot) for a in approving):
            return
        who = ", ".join(sorted({a.user for a in approving}, key=str.lower))
        yield self.finding(
            ctx.changes.files[0].path,
            None,
            f"the only approvals are the change's own ({who}: authors, co-authors, agents "
            "or bots), so nobody independent has reviewed it",
            "ask a reviewer who did not write the change (and is not an agent) to approve",
        )


OwnershipSelfApproval.INVALID = (
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/ranker/rank.py",
        author="li",
        approvers=("li",),
        expect=(Expect(None, "warn", ("the only approvals are the change's own (li",)),),
    ),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/ranker/rank.py",
        author="li",
        approvers=("copilot",),
        expect=(Expect(None, "warn", ("(copilot:",)),),
        note="an agent's approval is no review",
    ),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/ranker/rank.py",
        author="li",
        approvers=("li", "dependabot[bot]"),
        expect=(Expect(None, "warn", ("dependabot[bot], li",)),),
    ),
)

OwnershipSelfApproval.VALID = (
    Case("x = 1\n", "x = 2\n", path="services/ranker/rank.py", author="li", approvers=("sam",)),
    Case(
        "x = 1\n",
        "x = 2\n",
        path="services/ranker/rank.py",
        author="li",
        approvers=("li", "sam"),
        note="one independent approval is enough to not be self-approved",
    ),
    Case("x = 1\n", "x = 2\n", path="services/ranker/rank.py", author="li", note="no approvals"),
)
