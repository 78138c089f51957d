"""The verdict: one typed, immutable record of the decision, which every reporter reads.

Reporters read :meth:`Verdict.as_dict` (the ``guardrails.check/v1`` document, docs/output.md)
and never this module's types. Deciding (docs/policies.md "The verdict"):

- ``block``: an unsuppressed finding blocks and waits for no approval, or (``--base``, CI)
  an approval requirement is unmet;
- ``warn``: a warning, or (``--staged``/``--patch``, where nobody can have approved yet) an
  unmet requirement: "will need approval from ...";
- ``pass`` otherwise. ``--strict`` turns ``warn`` into ``block``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

from guardrails.findings import SEVERITY_RANK, Finding
from guardrails.impact import Impact

if TYPE_CHECKING:
    from guardrails.authors import Authorship
    from guardrails.policy.approvals import Approval

SCHEMA = "guardrails.check/v1"
Severity = Literal["block", "warn", "info"]
Decision = Literal["pass", "warn", "block"]
Mode = Literal["staged", "range", "patch"]
AuthorKind = Literal["human", "agent", "mixed"]
ConfigFrom = Literal["base", "head", "worktree", "index"]
PASS: Decision = "pass"
WARN: Decision = "warn"
BLOCK: Decision = "block"


class Suppressed(msgspec.Struct, frozen=True):
    reason: str
    until: str | None
    path: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "until": self.until, "path": self.path, "line": self.line}


class JudgedFinding(msgspec.Struct, frozen=True):
    finding: Finding
    approved_by: tuple[str, ...] = ()  # set when a met requirement waived it (severity warn)
    suppressed: Suppressed | None = None
    waiting: bool = False  # waits for an unmet approval requirement

    @property
    def severity(self) -> str:
        return self.finding.severity

    def sort_key(self) -> tuple[int, str, int, str, str]:
        f = self.finding
        return (SEVERITY_RANK[f.severity], f.path, f.line or 0, f.rule, f.message)

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = dict(self.finding.as_dict())
        doc["fingerprint"] = self.finding.fingerprint
        if self.approved_by:
            doc["approved_by"] = list(self.approved_by)
        doc["suppressed"] = self.suppressed.as_dict() if self.suppressed else None
        return doc


class Candidate(msgspec.Struct, frozen=True):
    login: str
    handle: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"login": self.login, "handle": self.handle}


class RequirementResult(msgspec.Struct, frozen=True):
    id: str
    policy: str
    sources: tuple[str, ...]
    count: int
    humans: bool
    not_author: bool
    satisfied: bool
    approved_by: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    unblocks: tuple[Finding, ...]
    reason: str
    rationale: str | None
    runbook: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "policy": self.policy,
            "kind": "approval",
            "from": list(self.sources),
            "count": self.count,
            "humans": self.humans,
            "not_author": self.not_author,
            "satisfied": self.satisfied,
            "approved_by": list(self.approved_by),
            "candidates": [c.as_dict() for c in self.candidates],
            "unblocks": [
                {"rule": f.rule, "path": f.path, "line": f.line, "fingerprint": f.fingerprint}
                for f in sorted(self.unblocks, key=Finding.sort_key)
            ],
            "reason": self.reason,
            "rationale": self.rationale,
            "runbook": self.runbook,
        }


class ConfigSource(msgspec.Struct, frozen=True):
    """Where the config and the policies were read."""

    source: ConfigFrom
    rev: str | None
    policies: tuple[str, ...]
    ignored_worktree_change: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "rev": self.rev,
            "policies": list(self.policies),
            "ignored_worktree_change": self.ignored_worktree_change,
        }


def decide(
    findings: tuple[JudgedFinding, ...],
    requirements: tuple[RequirementResult, ...],
    mode: Mode,
    *,
    strict: bool = False,
    enforce_approvals: bool | None = None,
) -> Decision:
    """``enforce_approvals`` None: by mode (a --base range enforces them; a commit not made
    yet cannot have been approved). The pre-push hook judges a range without enforcing them:
    reviews exist only once the pull request does, and the CI gate enforces them there."""
    if enforce_approvals is None:
        enforce_approvals = mode == "range"
    active = [f for f in findings if f.suppressed is None]
    unmet = any(not r.satisfied for r in requirements)
    blocks = any(f.severity == "block" and not f.waiting for f in active)
    if blocks or (enforce_approvals and unmet):
        return BLOCK
    warns = unmet or any(f.severity == "warn" or f.waiting for f in active)
    if warns:
        return BLOCK if strict else WARN
    return PASS


class Verdict(msgspec.Struct, frozen=True):
    decision: Decision
    mode: Mode
    author: Authorship
    impact: Impact
    findings: tuple[JudgedFinding, ...]  # sorted: severity, path, line, rule, message
    requirements: tuple[RequirementResult, ...] = ()  # sorted by id
    approvals: tuple[Approval, ...] = ()  # sorted by (user, source)
    config: ConfigSource | None = None
    strict: bool = False
    enforce_approvals: bool = True  # unmet requirements block (--base), or are news (hooks)

    @property
    def blocked(self) -> bool:
        return self.decision == BLOCK

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "decision": self.decision,
            "mode": self.mode,
            "strict": self.strict,
            "enforce_approvals": self.enforce_approvals,
            "author": self.author.as_dict(),
            "impact": self.impact.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "requirements": [r.as_dict() for r in self.requirements],
            "approvals": [a.as_dict() for a in self.approvals],
            "config": self.config.as_dict()
            if self.config
            else {"from": "head", "rev": None, "policies": [], "ignored_worktree_change": False},
        }
