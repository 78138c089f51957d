"""Hand-built check/v1 documents for the reporters' golden tests.

Fixed data, written the way the gate writes it: the acme demo's agent change that removes an
event field (blocked until data-infra approves), a waived finding, a suppressed one, and
generators for a large radius and for many findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BASE = "1" * 40
HEAD = "2" * 40


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    description: str
    default_severity: str


META = {
    "data.schema-break": Rule(
        "data.schema-break",
        "A field removed from a resource schema",
        "A field removed or its type changed in a class declared as a resource schema.",
        "block",
    ),
    "safety.os-system": Rule(
        "safety.os-system",
        "os.system added",
        "An added os.system call runs a shell command.",
        "block",
    ),
    "safety.swallowed-exception": Rule(
        "safety.swallowed-exception",
        "An exception swallowed",
        "An added bare except whose body only passes.",
        "warn",
    ),
    "flags.default-flip": Rule(
        "flags.default-flip",
        "A flag default flipped",
        "A flag's default flipped with no percentage step.",
        "block",
    ),
}


def small() -> dict[str, Any]:
    fp_schema, fp_flag, fp_exc, fp_sys = "a1" * 8, "b2" * 8, "c3" * 8, "d4" * 8
    return {
        "schema": "guardrails.check/v1",
        "decision": "block",
        "mode": "range",
        "author": {
            "kind": "agent",
            "evidence": [
                {"kind": "trailer", "value": "Co-authored-by: Claude <noreply@anthropic.com>"}
            ],
        },
        "impact": {
            "schema": "guardrails.affected/v1",
            "base": BASE,
            "head": HEAD,
            "changed": [
                {
                    "id": "service:event-bus",
                    "owner": "team:data-infra",
                    "tier": 0,
                    "files": ["services/event_bus/schemas.py"],
                },
                {
                    "id": "topic:user-events",
                    "owner": "team:data-infra",
                    "tier": 0,
                    "files": ["services/event_bus/schemas.py"],
                },
            ],
            "affected": [
                {
                    "id": "service:feature-store",
                    "owner": "team:ranking",
                    "tier": 1,
                    "distance": 1,
                    "path": ["service:feature-store", "topic:user-events"],
                },
                {
                    "id": "service:growth-app",
                    "owner": "team:growth",
                    "tier": 2,
                    "distance": 1,
                    "path": ["service:growth-app", "service:event-bus"],
                },
                {
                    "id": "service:ranker",
                    "owner": "team:ranking",
                    "tier": 1,
                    "distance": 3,
                    "path": [
                        "service:ranker",
                        "table:features",
                        "service:feature-store",
                        "topic:user-events",
                    ],
                },
                {
                    "id": "table:features",
                    "owner": "team:ranking",
                    "tier": 2,
                    "distance": 2,
                    "path": ["table:features", "service:feature-store", "topic:user-events"],
                },
            ],
            "teams": ["team:data-infra", "team:growth", "team:ranking"],
            "unowned_files": [],
        },
        "findings": [
            {
                "rule": "data.schema-break",
                "severity": "block",
                "path": "services/event_bus/schemas.py",
                "line": 9,
                "message": "field UserEvent.session_id removed; read by service:feature-store",
                "policy": "builtin:default/data.schema-break",
                "rationale": "A removed event field broke 14 consumer jobs (INC-2041).",
                "runbook": "https://runbooks.acme.dev/schema-change",
                "fix": "keep the field and mark it deprecated; remove it once no consumer reads it",
                "related": [
                    {
                        "path": "services/feature_store/ingest.py",
                        "line": 14,
                        "node": "service:feature-store",
                    }
                ],
                "fingerprint": fp_schema,
                "approved_by": [],
                "suppressed": None,
            },
            {
                "rule": "flags.default-flip",
                "severity": "warn",
                "path": "config/flags.json",
                "line": 4,
                "message": "flag new-ranker default flipped from off to on",
                "policy": "builtin:default/flags.default-flip",
                "rationale": "A flipped flag took down a whole cluster (INC-1988).",
                "runbook": "docs/runbooks/flags-default-flip.md",
                "fix": "roll the flag out in steps: set a percentage rollout instead of the default",
                "related": [
                    {"path": "services/ranker/model.py", "line": 3, "node": "service:ranker"}
                ],
                "fingerprint": fp_flag,
                "approved_by": ["li"],
                "suppressed": None,
            },
            {
                "rule": "safety.swallowed-exception",
                "severity": "warn",
                "path": "services/event_bus/client.py",
                "line": 22,
                "message": "`except Exception: pass` hides <every> failure | of publish()",
                "policy": "builtin:default/safety.swallowed-exception",
                "rationale": None,
                "runbook": None,
                "fix": "log the exception or let it propagate",
                "related": [],
                "fingerprint": fp_exc,
                "approved_by": [],
                "suppressed": None,
            },
            {
                "rule": "safety.os-system",
                "severity": "block",
                "path": "services/event_bus/tools/rebuild index.py",
                "line": 5,
                "message": "os.system runs a shell command",
                "policy": "builtin:default/safety.os-system",
                "rationale": "Shell commands built from strings are how injection starts.",
                "runbook": None,
                "fix": "use subprocess.run([...]) with a list of arguments",
                "related": [],
                "fingerprint": fp_sys,
                "approved_by": [],
                "suppressed": {
                    "reason": "one-off migration script, reviewed",
                    "until": "2027-01-31",
                    "path": "services/event_bus/tools/rebuild index.py",
                    "line": 4,
                },
            },
        ],
        "requirements": [
            {
                "id": "builtin:default/data.schema-break#data-infra",
                "policy": "builtin:default/data.schema-break",
                "kind": "approval",
                "from": ["team:data-infra"],
                "count": 1,
                "humans": True,
                "not_author": True,
                "satisfied": False,
                "approved_by": [],
                "candidates": [
                    {"login": "emma", "handle": "@acme/data-infra"},
                    {"login": "raj", "handle": "@acme/data-infra"},
                ],
                "unblocks": [
                    {
                        "rule": "data.schema-break",
                        "path": "services/event_bus/schemas.py",
                        "line": 9,
                        "fingerprint": fp_schema,
                    }
                ],
                "reason": "agent-authored change reaches tier-0 service:event-bus",
                "rationale": "A removed event field broke 14 consumer jobs (INC-2041).",
                "runbook": "https://runbooks.acme.dev/schema-change",
            },
            {
                "id": "builtin:default/flags.default-flip#ranking",
                "policy": "builtin:default/flags.default-flip",
                "kind": "approval",
                "from": ["team:ranking"],
                "count": 1,
                "humans": True,
                "not_author": True,
                "satisfied": True,
                "approved_by": ["li"],
                "candidates": [
                    {"login": "li", "handle": "@acme/ranking"},
                    {"login": "sam", "handle": "@acme/ranking"},
                ],
                "unblocks": [
                    {
                        "rule": "flags.default-flip",
                        "path": "config/flags.json",
                        "line": 4,
                        "fingerprint": fp_flag,
                    }
                ],
                "reason": "the flag new-ranker is read by tier-1 service:ranker",
                "rationale": "A flipped flag took down a whole cluster (INC-1988).",
                "runbook": "docs/runbooks/flags-default-flip.md",
            },
        ],
        "approvals": [
            {
                "user": "acme-bot",
                "state": "APPROVED",
                "commit": HEAD,
                "source": "github",
                "counted": False,
                "why_not": "agent",
            },
            {
                "user": "li",
                "state": "APPROVED",
                "commit": HEAD,
                "source": "github",
                "counted": True,
                "why_not": None,
            },
        ],
        "config": {
            "from": "base",
            "rev": BASE,
            "policies": ["builtin:default"],
            "ignored_worktree_change": False,
        },
    }


def passing() -> dict[str, Any]:
    doc = small()
    doc.update(decision="pass", findings=[], requirements=[], approvals=[])
    doc["impact"] = dict(doc["impact"], affected=[])
    return doc


# Names a renderer must survive: quotes, brackets, '#', entities, backticks, non-ASCII.
AWKWARD = [
    'service:say "hi"',
    "service:arr[0]",
    "service:c#-api",
    "topic:événements-été",
    "service:ünïcødé ✓",
    "table:a&b<c>",
    "service:`tick`",
    "flag:semi;colon",
    "service:br{ace}s(paren)",
]


def radius(n_affected: int, *, names: list[str] | None = None) -> dict[str, Any]:
    """A radius of ``n_affected`` nodes around two changed ones, over five teams, in a chain
    fan-out (each node depends on one nearer to the change), so paths are real."""
    doc = passing()
    teams = ["data-infra", "ranking", "growth", "platform", "search"]
    changed = ["service:event-bus", "topic:user-events"]
    ids = list(names or []) + [f"service:svc-{i:03d}" for i in range(n_affected - len(names or []))]
    affected: list[dict[str, Any]] = []
    paths: dict[str, list[str]] = {c: [c] for c in changed}
    order = list(changed)
    for i, node in enumerate(ids):
        parent = order[i // 3]  # each earlier node has three dependents: a tree, depth ~log3(n)
        path = [node, *paths[parent]]
        paths[node] = path
        order.append(node)
        affected.append(
            {
                "id": node,
                "owner": f"team:{teams[i % 5]}",
                "tier": i % 4,
                "distance": len(path) - 1,
                "path": path,
            }
        )
    affected.sort(key=lambda a: (a["distance"], a["id"]))
    doc["impact"] = dict(
        doc["impact"],
        changed=[
            {
                "id": c,
                "owner": "team:data-infra",
                "tier": 0,
                "files": ["services/event_bus/schemas.py"],
            }
            for c in changed
        ],
        affected=affected,
        teams=sorted(f"team:{t}" for t in teams),
    )
    doc["decision"] = "warn"
    return doc


def many_findings(n: int) -> dict[str, Any]:
    """``n`` live findings over all three severities, plus what makes ranking matter: the
    tier-0 breakages are at the end of the path order."""
    doc = small()
    out = []
    for i in range(n):
        sev = ("block", "warn", "info")[i % 3]
        node = "service:event-bus" if i % 7 == 0 else "service:growth-app"
        out.append(
            {
                "rule": "safety.os-system" if sev == "block" else "safety.swallowed-exception",
                "severity": sev,
                "path": f"services/mod_{i:03d}.py",
                "line": i + 1,
                "message": f"finding {i:03d}: 50% of callers, a,b: c\nsecond line",
                "policy": None,
                "rationale": None,
                "runbook": None,
                "fix": "do the safe thing",
                "related": [{"path": f"services/use_{i:03d}.py", "line": 1, "node": node}],
                "fingerprint": f"{i:016x}",
                "approved_by": [],
                "suppressed": None,
            }
        )
    doc["findings"] = out
    doc["requirements"] = []
    return doc
