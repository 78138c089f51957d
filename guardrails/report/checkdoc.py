"""Reading the check/v1 document, for the CI reporters (sarif, github, markdown, gitlab).

Reporters read only the document and the rule metadata: never the core. The helpers here
are what several of them need — the order "most important first", the requirement a
finding waits on, the rule text — so that every report ranks and words things the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

SEVERITY_RANK = {"block": 0, "warn": 1, "info": 2}
NO_TIER = 99  # sorts after every real tier (0 is the most critical)


class RuleInfo(Protocol):
    """What a reporter needs of a rule (``guardrails.report.registry.RuleMeta`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def default_severity(self) -> str: ...


Doc = Mapping[str, Any]
Meta = Mapping[str, RuleInfo]


def findings(doc: Doc) -> list[Mapping[str, Any]]:
    return list(doc.get("findings") or [])


def requirements(doc: Doc) -> list[Mapping[str, Any]]:
    return list(doc.get("requirements") or [])


def impact(doc: Doc) -> Mapping[str, Any]:
    return doc.get("impact") or {}


def node_tiers(doc: Doc) -> dict[str, int | None]:
    imp = impact(doc)
    out: dict[str, int | None] = {}
    for n in [*(imp.get("changed") or []), *(imp.get("affected") or [])]:
        out[str(n["id"])] = n.get("tier")
    return out


def is_suppressed(f: Mapping[str, Any]) -> bool:
    return bool(f.get("suppressed"))


def impact_key(
    f: Mapping[str, Any], tiers: Mapping[str, int | None]
) -> tuple[int, int, int, int, str, int, str, str]:
    """Most important first: live before suppressed, block before warn before info, then the
    most critical tier the finding's related nodes reach, then how many places it breaks,
    then location. GitHub shows only the first few annotations, so this order decides which
    a reviewer sees."""
    reached = [tiers.get(str(r.get("node"))) for r in f.get("related") or [] if r.get("node")]
    best = min((t for t in reached if t is not None), default=NO_TIER)
    return (
        1 if is_suppressed(f) else 0,
        SEVERITY_RANK.get(str(f.get("severity")), 3),
        best,
        -len(f.get("related") or []),
        str(f.get("path") or ""),
        int(f.get("line") or 0),
        str(f.get("rule") or ""),
        str(f.get("message") or ""),
    )


def ranked(doc: Doc) -> list[Mapping[str, Any]]:
    tiers = node_tiers(doc)
    return sorted(findings(doc), key=lambda f: impact_key(f, tiers))


def waiting_on(doc: Doc) -> dict[str, list[Mapping[str, Any]]]:
    """fingerprint -> the unmet requirements whose approval would unblock that finding."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for req in requirements(doc):
        if req.get("satisfied"):
            continue
        for u in req.get("unblocks") or []:
            out.setdefault(str(u.get("fingerprint")), []).append(req)
    return out


def handles(req: Mapping[str, Any]) -> list[str]:
    """How to reach the approvers: their team handles, else their logins as @mentions."""
    cands: Sequence[Mapping[str, Any]] = req.get("candidates") or []
    hs = sorted({str(c["handle"]) for c in cands if c.get("handle")})
    if hs:
        return hs
    logins = sorted({str(c["login"]) for c in cands if c.get("login")})
    if logins:
        return [f"@{x}" for x in logins]
    return [str(t) for t in req.get("from") or []]


def team_names(req: Mapping[str, Any]) -> list[str]:
    return [str(t).removeprefix("team:") for t in req.get("from") or []]


def location(f: Mapping[str, Any]) -> str:
    path = str(f.get("path") or "")
    return path if f.get("line") is None else f"{path}:{f['line']}"


def rule_summary(rule: str, meta: Meta) -> str:
    m = meta.get(rule)
    return m.summary if m is not None and m.summary else rule


def rule_description(rule: str, meta: Meta) -> str:
    m = meta.get(rule)
    if m is None:
        return rule
    return m.description or m.summary or rule


def is_url(text: str | None) -> bool:
    return bool(text) and str(text).startswith(("https://", "http://"))


def counts(doc: Doc) -> dict[str, int]:
    out = {"block": 0, "warn": 0, "info": 0, "suppressed": 0}
    for f in findings(doc):
        if is_suppressed(f):
            out["suppressed"] += 1
        else:
            out[str(f.get("severity"))] = out.get(str(f.get("severity")), 0) + 1
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
