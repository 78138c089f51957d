"""The decision: findings (+ later, policy requirements) -> pass, warn or block.

Until the policy engine lands, each finding keeps its rule's default severity (except the
one interim policy below) and the decision is the most severe one: any ``block`` blocks, any
``warn`` warns. ``--strict`` treats warnings as blocking. The record is what every reporter
reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from guardrails.findings import SEVERITY_RANK, Finding
from guardrails.impact import Impact

SCHEMA = "guardrails.check/v1"
PASS, WARN, BLOCK = "pass", "warn", "block"

SELF_PROTECT = "guardrails.self-protect"
INTERIM_POLICY = "builtin:interim-self-protect"


def interim_policy(findings: Sequence[Finding], author_kind: str) -> list[Finding]:
    """The one policy in force before the policy engine lands (DESIGN §6, §7).

    A change to the gate's own files needs its owners' approval; approvals cannot be checked
    yet, so when an AI agent wrote (part of) such a change nobody can have approved it: it
    blocks, and the finding says which policy decided and why.
    """
    if author_kind not in ("agent", "mixed"):
        return list(findings)
    return [
        replace(
            f,
            severity="block",
            policy=INTERIM_POLICY,
            rationale="an AI agent changed the files that decide how the gate judges changes; "
            "until approval requirements are enforced, such a change blocks",
            runbook="docs/rules.md#guardrailsself-protect",
        )
        if f.rule == SELF_PROTECT
        else f
        for f in findings
    ]


def decide(findings: Sequence[Finding], *, strict: bool = False) -> str:
    severities = {f.severity for f in findings}
    if "block" in severities or (strict and "warn" in severities):
        return BLOCK
    if "warn" in severities:
        return WARN
    return PASS


@dataclass(frozen=True)
class Verdict:
    decision: str
    impact: Impact
    findings: tuple[Finding, ...]  # sorted by severity, then location
    author: Mapping[str, Any] = field(default_factory=lambda: {"kind": "human", "evidence": []})
    requirements: tuple[Mapping[str, Any], ...] = ()
    strict: bool = False

    @classmethod
    def of(
        cls,
        impact: Impact,
        findings: Sequence[Finding],
        *,
        strict: bool = False,
        author: Mapping[str, Any] | None = None,
    ) -> Verdict:
        author = author or {"kind": "human", "evidence": []}
        decided = interim_policy(findings, str(author.get("kind", "human")))
        ordered = tuple(sorted(decided, key=lambda f: (SEVERITY_RANK[f.severity], *f.sort_key())))
        return cls(
            decide(ordered, strict=strict),
            impact,
            ordered,
            author=author,
            strict=strict,
        )

    @property
    def blocked(self) -> bool:
        return self.decision == BLOCK

    def counts(self) -> dict[str, int]:
        out = {"block": 0, "warn": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA,
            "decision": self.decision,
            "author": dict(self.author),
            "impact": self.impact.as_dict(),
            "findings": [f.as_dict() for f in self.findings],
            "requirements": [dict(r) for r in self.requirements],
        }
