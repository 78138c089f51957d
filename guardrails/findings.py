"""Findings: what a rule saw in the change, with the evidence to act on it."""

from __future__ import annotations

import hashlib

import msgspec

SEVERITIES = ("block", "warn", "info")
SEVERITY_RANK = {"block": 0, "warn": 1, "info": 2}


class Related(msgspec.Struct, frozen=True):
    """A place connected to a finding: an import site that breaks, a consumer of a schema."""

    path: str
    line: int | None = None
    node: str | None = None  # graph node id, e.g. "service:ranker"

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "node": self.node}


class Finding(msgspec.Struct, frozen=True):
    rule: str  # e.g. "api.breaking-change"
    severity: str  # block | warn | info
    path: str
    line: int | None
    message: str
    fix: str | None = None  # short, actionable: what an agent should do
    related: tuple[Related, ...] = ()
    column: int | None = None
    end_line: int | None = None
    # Filled by the policy stage: which policy set the severity, why, and where to read more.
    policy: str | None = None
    rationale: str | None = None
    runbook: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule, self.message)

    @property
    def fingerprint(self) -> str:
        """Stable id across runs and line shifts: rule + path + message."""
        raw = f"{self.rule}\0{self.path}\0{self.message}".encode("utf-8", "surrogateescape")
        return hashlib.sha256(raw).hexdigest()[:16]

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "policy": self.policy,
            "rationale": self.rationale,
            "runbook": self.runbook,
            "fix": self.fix,
            "related": [r.as_dict() for r in self.related],
        }
