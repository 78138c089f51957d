"""Findings + impact + authorship + approvals -> graded findings and approval requirements.

For every pack in force (a pack with ``applies_to.affects`` only when one of those nodes or
teams is in the blast radius), for every policy, in pack order:

- a policy with ``rule`` looks at each finding of those rules; where ``when`` holds (with
  ``finding`` bound) the first such policy sets the finding's severity, rationale and
  runbook, and every such policy with ``require`` adds its requirements, which the finding
  then waits for;
- a policy without ``rule`` judges the change once: where ``when`` holds, its requirements
  stand on their own.

A requirement is per team (``count`` distinct qualifying approvers from *each* team: the
CODEOWNERS "any one owner" is not enough), and lists who can satisfy it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

import msgspec
from msgspec.structs import replace

from guardrails.catalog.model import Catalog
from guardrails.findings import Finding
from guardrails.impact import Impact
from guardrails.policy.approvals import Approval
from guardrails.policy.cel import evaluate, sanitize
from guardrails.policy.model import (
    AFFECTED_OWNERS,
    CHANGED_OWNERS,
    OWNERS_OF,
    Pack,
    Policy,
    PolicySet,
)
from guardrails.records import compared_by, repr_omitting

NO_NODE_TIER = 99  # impact.min_tier when the change reaches no node at all
ANYONE = "anyone"


class Requirement(msgspec.Struct, frozen=True):
    id: str  # "<policy id>#<team>"
    policy: Policy
    owner: str | None  # "team:ranking", "user:li", or None: any qualifying human
    reason: str
    unblocks: tuple[Finding, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.owner,) if self.owner else ()


class Judged(msgspec.Struct, frozen=True):
    """One finding after the policies: its grade, the requirements it waits for."""

    finding: Finding
    requirements: tuple[str, ...] = ()  # requirement ids


class PolicyFacts(msgspec.Struct, frozen=True):
    """What the policies may read, besides the findings."""

    impact: Impact
    catalog: Catalog
    change: Mapping[str, Any]  # the CEL `change` object
    approvals: Sequence[Approval] = ()
    # Owners (team:x / user:x) of one path (nodes' owners and CODEOWNERS) and of one node.
    owners_of_path: Callable[[str], tuple[str, ...]] = lambda path: ()
    owner_of_node: Callable[[str], str | None] = lambda node: None
    _cel: dict[str, Any] = msgspec.field(default_factory=dict)  # a cache: not compared, not shown

    __eq__, __hash__ = compared_by(
        "impact", "catalog", "change", "approvals", "owners_of_path", "owner_of_node"
    )

    def __repr__(self) -> str:
        return repr_omitting(self, ("_cel",))

    def cel(self, findings: Sequence[Finding]) -> dict[str, Any]:
        if not self._cel:
            self._cel.update(
                sanitize(
                    {
                        "change": dict(self.change),
                        "impact": impact_object(self.impact),
                        "findings": [finding_object(f) for f in findings],
                        "approvals": [a.as_dict() for a in self.approvals],
                        "finding": {},
                    }
                )
            )
        return self._cel


def impact_object(impact: Impact) -> dict[str, Any]:
    doc = impact.as_dict()
    tier = impact.min_tier
    return {
        "changed": doc["changed"],
        "affected": doc["affected"],
        "teams": doc["teams"],
        "unowned_files": doc["unowned_files"],
        "min_tier": NO_NODE_TIER if tier is None else tier,
        # `teams` counts teams; a CODEOWNERS person (user:<login>) is counted as a person.
        # esphome gives each of ~600 components to people: a change to its core package
        # reaches 185 of them, which is one team's change, not a 185-team one.
        "counts": {
            "changed": len(impact.changed),
            "affected": len(impact.affected),
            "teams": sum(1 for t in impact.teams if t.startswith("team:")),
            "people": sum(1 for t in impact.teams if t.startswith("user:")),
        },
    }


def finding_object(f: Finding) -> dict[str, Any]:
    # CEL has no `null < 1`: absent numbers are 0 and absent strings "", so that policies
    # can compare without has() guards.
    doc: dict[str, Any] = dict(f.as_dict())
    doc["line"] = f.line if f.line is not None else 0
    doc["related"] = [
        {"path": r.path, "line": r.line or 0, "node": r.node or ""} for r in f.related
    ]
    for key in ("policy", "rationale", "runbook", "fix"):
        doc[key] = doc[key] or ""
    return doc


def pack_applies(pack: Pack, impact: Impact) -> bool:
    if not pack.affects:
        return True
    nodes = {n.id for n in impact.changed} | {n.id for n in impact.affected} | set(impact.teams)
    return any(a in nodes for a in pack.affects)


def _matches(policy: Policy, rule: str) -> bool:
    return any(fnmatchcase(rule, pattern) for pattern in policy.rules)


def apply_policies(
    policies: PolicySet, findings: Sequence[Finding], facts: PolicyFacts
) -> tuple[list[Judged], dict[str, Requirement]]:
    """Grade ``findings`` and collect requirements (see the module docstring)."""
    data = facts.cel(findings)
    packs = [p for p in policies.packs if pack_applies(p, facts.impact)]
    requirements: dict[str, Requirement] = {}
    judged: list[Judged] = []
    for f in findings:
        graded, waits = f, []
        decided = False
        for pack in packs:
            for policy in pack.policies:
                if not policy.rules or not _matches(policy, f.rule):
                    continue
                if policy.when is not None and not evaluate(
                    policy.when,
                    {**data, "finding": sanitize(finding_object(f))},
                    where=f"{policy.path}:{policy.line}",
                ):
                    continue
                if not decided:
                    decided = True
                    graded = replace(
                        graded,
                        severity=policy.severity or f.severity,
                        policy=policy.id,
                        rationale=policy.rationale,
                        runbook=policy.runbook,
                    )
                if policy.require is not None:
                    for req in _requirements(policy, facts, f):
                        waits.append(req.id)
                        _merge(requirements, req)
        judged.append(Judged(graded, tuple(dict.fromkeys(waits))))
    for pack in packs:
        for policy in pack.policies:
            if policy.rules or policy.require is None:
                continue
            if policy.when is not None and not evaluate(
                policy.when, data, where=f"{policy.path}:{policy.line}"
            ):
                continue
            for req in _requirements(policy, facts, None):
                _merge(requirements, req)
    return judged, requirements


def _merge(into: dict[str, Requirement], req: Requirement) -> None:
    known = into.get(req.id)
    if known is None:
        into[req.id] = req
    else:
        into[req.id] = replace(known, unblocks=(*known.unblocks, *req.unblocks))


def _owners(policy: Policy, facts: PolicyFacts, finding: Finding | None) -> list[str]:
    assert policy.require is not None
    impact = facts.impact
    out: list[str] = []
    for source in policy.require.sources:
        if source == AFFECTED_OWNERS:
            related = [r.node for r in finding.related if r.node] if finding is not None else []
            owners = [o for n in related if (o := facts.owner_of_node(n))]
            out.extend(owners if owners else impact.teams)
        elif source == CHANGED_OWNERS:
            if finding is not None:
                out.extend(facts.owners_of_path(finding.path))
            else:
                out.extend(n.owner for n in impact.changed if n.owner)
                for node in impact.changed:
                    for path in node.files:
                        out.extend(facts.owners_of_path(path))
        elif source.startswith(OWNERS_OF):
            owner = facts.owner_of_node(source[len(OWNERS_OF) :])
            if owner:
                out.append(owner)
        else:
            out.append(source)
    return sorted(set(out))


def _requirements(policy: Policy, facts: PolicyFacts, finding: Finding | None) -> list[Requirement]:
    if finding is not None:
        loc = finding.path if finding.line is None else f"{finding.path}:{finding.line}"
        reason = f"{finding.rule} at {loc}"
    else:
        kind = facts.change.get("author", {}).get("kind", "human")
        tier = facts.impact.min_tier
        reason = (
            f"{kind}-authored change"
            + (f" reaching tier {tier}" if tier is not None else "")
            + f" ({len(facts.impact.teams)} team{'s' if len(facts.impact.teams) != 1 else ''})"
        )
    owners = _owners(policy, facts, finding)
    unblocks = (finding,) if finding is not None else ()
    if not owners:
        return [Requirement(f"{policy.id}#{ANYONE}", policy, None, reason, unblocks)]
    return [
        Requirement(f"{policy.id}#{o.removeprefix('team:')}", policy, o, reason, unblocks)
        for o in owners
    ]


class Status(msgspec.Struct, frozen=True):
    """A requirement judged against the approvals."""

    requirement: Requirement
    approved_by: tuple[str, ...]
    candidates: tuple[tuple[str, str | None], ...]  # (login, handle)

    @property
    def satisfied(self) -> bool:
        req = self.requirement.policy.require
        return req is not None and len(self.approved_by) >= req.count


def satisfy(
    requirements: Mapping[str, Requirement],
    approvals: Sequence[Approval],
    catalog: Catalog,
    is_author: Callable[[str], bool],
    is_agent: Callable[[str], bool],
) -> dict[str, Status]:
    """Who approved each requirement, and who else could."""
    out: dict[str, Status] = {}
    for rid, req in sorted(requirements.items()):
        rule = req.policy.require
        assert rule is not None
        members, handle = _members(req.owner, catalog)
        approvers = sorted(
            {
                a.user
                for a in approvals
                if a.qualifies(humans=rule.humans, not_author=rule.not_author)
                and (rule.trailers or a.source != "trailer")
                and (members is None or a.user.lower() in members)
            },
            key=str.lower,
        )
        candidates = tuple(
            (login, handle)
            for login in sorted((members or {}).values(), key=str.lower)
            if not (rule.not_author and is_author(login)) and not (rule.humans and is_agent(login))
        )
        out[rid] = Status(req, tuple(approvers), candidates)
    return out


def _members(owner: str | None, catalog: Catalog) -> tuple[dict[str, str] | None, str | None]:
    """Logins who speak for ``owner`` (lower-cased -> as written; None: anyone), and its
    @handle."""
    if owner is None:
        return None, None
    kind, _, name = owner.partition(":")
    if kind == "user":
        return {name.lower(): name}, f"@{name}"
    team = catalog.teams.get(name)
    if team is None:
        return {}, None
    members = {m.login.lower(): m.login for m in team.members}
    return members, (team.handles[0] if team.handles else None)
