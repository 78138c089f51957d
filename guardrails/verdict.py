"""The decision: findings (+ later, policy requirements) -> pass, warn or block.

Until the policy engine lands, each finding keeps its rule's default severity and the
decision is the most severe one: any ``block`` blocks, any ``warn`` warns. ``--strict``
treats warnings as blocking. The record is what every reporter reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from guardrails.findings import SEVERITY_RANK, Finding
from guardrails.impact import Impact

SCHEMA = "guardrails.check/v1"
PASS, WARN, BLOCK = "pass", "warn", "block"


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
        ordered = tuple(sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], *f.sort_key())))
        return cls(
            decide(ordered, strict=strict),
            impact,
            ordered,
            author=author or {"kind": "human", "evidence": []},
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
