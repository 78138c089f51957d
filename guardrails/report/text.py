"""Terminal output: readable in 80 columns, grouped by team and tier."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from guardrails.graph import DependencyGraph
from guardrails.impact import AffectedNode, Impact
from guardrails.verdict import Verdict

WIDTH = 80
ARROW = " → "


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "?"


_PLAIN = re.compile(r'[^\x00-\x1f\x7f"\\\ud800-\udfff]*\Z')


def quote(path: str) -> str:
    """A path as one printable token, the way git quotes names: a newline or a byte that is
    not UTF-8 in a file name must not break a finding's line or the terminal."""
    if _PLAIN.match(path):
        return path
    out = []
    for ch in path:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # an undecodable byte, held as a surrogate
            out.append(f"\\{ord(ch) - 0xDC00:03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def subject(impact: Impact) -> str:
    """What the change is, in words: the selector and the revisions it compares."""
    base = _short(impact.base) if impact.base else "an empty repository"
    if impact.mode == "range":
        return f"{_short(impact.base)}..{_short(impact.head)}"
    if impact.mode == "staged":
        return f"the staged change (index vs {base})"
    if impact.mode == "patch":
        return f"the patch (applied to {base})"
    return "the named paths"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    ) or [indent]


def _tier(tier: int | None) -> str:
    return "tier ?" if tier is None else f"tier {tier}"


def render_impact(impact: Impact) -> str:
    out: list[str] = []
    out.append(f"Blast radius of {subject(impact)}")
    if impact.depth is not None:
        out.append(f"(limited to {impact.depth} hop{'s' if impact.depth != 1 else ''})")
    out.append("")
    out.append(f"Changed ({len(impact.changed)})")
    if not impact.changed:
        out.append("  no service, resource or flag is touched")
    for c in impact.changed:
        owner = c.owner or "no owner"
        out.append(f"  {c.id}  {_tier(c.tier)}  {owner}")
        files = [quote(f) for f in c.files[:3]]
        files += [f"(+{len(c.files) - 3} more)"] if len(c.files) > 3 else []
        out.extend(_wrap(", ".join(files), "    "))
    out.append("")
    out.append(f"Affected ({len(impact.affected)})" + (" by team" if impact.affected else ""))
    if not impact.affected:
        out.append("  nothing depends on the changed nodes")
    for team, nodes in _by_team(impact.affected):
        out.append(f"  {team or 'no owner'}")
        for n in nodes:
            hops = f"{n.distance} hop{'s' if n.distance != 1 else ''}"
            out.append(f"    {_tier(n.tier)}  {n.id}  ({hops})")
            out.extend(_wrap("via " + ARROW.join(n.path[1:]), "      "))
    out.append("")
    out.extend(_wrap("Teams: " + (", ".join(impact.teams) or "none"), ""))
    if impact.unowned_files:
        out.append(f"Unowned files ({len(impact.unowned_files)}): no service or CODEOWNERS rule")
        shown = [quote(p) for p in impact.unowned_files[:10]]
        out.extend(f"  {p}" for p in shown)
        if len(impact.unowned_files) > len(shown):
            out.append(
                f"  (+{len(impact.unowned_files) - len(shown)} more; --format json lists all)"
            )
    return "\n".join(out) + "\n"


def _by_team(nodes: Sequence[AffectedNode]) -> list[tuple[str | None, list[AffectedNode]]]:
    groups: dict[str | None, list[AffectedNode]] = {}
    for n in nodes:
        groups.setdefault(n.owner, []).append(n)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    return [
        (team, sorted(ns, key=lambda n: (n.tier if n.tier is not None else 99, n.distance, n.id)))
        for team, ns in ordered
    ]


def render_why(
    node: str, paths: Sequence[Sequence[str]], graph: DependencyGraph, impact: Impact | None = None
) -> str:
    if impact is not None and node in {n.id for n in impact.changed}:
        return f"{node} is changed by this change itself (distance 0).\n"
    if not paths:
        if node.startswith("team:"):
            return (
                f"{node} is a team: teams are never traversed for impact; the Teams line of "
                "`guardrails affected` says whether it owns a changed or affected node.\n"
            )
        if impact is not None and impact.depth is not None:
            return f"{node} is not within {impact.depth} hop(s) of the change (--depth).\n"
        return f"{node} is not in the blast radius of this change.\n"
    out = [f"Why {node} is affected ({len(paths)} shortest chain{'s' if len(paths) != 1 else ''}):"]
    for i, path in enumerate(paths, 1):
        out.append("")
        out.append(f"  {i}. {path[0]}")
        for src, dst in pairwise(path):
            out.append(f"     └─ depends on {dst}")
            for ev in graph.evidence(src, dst)[:5]:
                where = ev.path if ev.line is None else f"{ev.path}:{ev.line}"
                detail = f"{ev.kind} at {where}" + (f": {ev.text}" if ev.text else "")
                out.extend(_wrap(detail, "        "))
            more = len(graph.evidence(src, dst)) - 5
            if more > 0:
                out.append(f"        (+{more} more)")
        out.append("     (changed)")
    return "\n".join(out) + "\n"


def _author(author: Mapping[str, Any]) -> str:
    kind = str(author.get("kind", "human"))
    evidence = [e for e in author.get("evidence", ()) if e.get("kind") == "agent"]
    if not evidence:
        return kind
    first = evidence[0]
    agent = first.get("agent") or "an agent"
    more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
    return f"{kind} — {agent}: {first.get('detail')}{more}"


_MARK = {"block": "✗ block", "warn": "! warn ", "info": "· info "}


def render_check(verdict: Verdict) -> str:
    """Findings first (what to fix), then who the change affects (who to ask)."""
    impact = verdict.impact
    out = [f"guardrails check: {verdict.decision.upper()} — {subject(impact)}"]
    out.extend(_wrap(f"Author: {_author(verdict.author)}", ""))
    counts = verdict.counts()
    out.append(
        f"{counts['block']} blocking, {counts['warn']} "
        f"warning{'s' if counts['warn'] != 1 else ''}, "
        f"{counts['info']} info" + (" (--strict: warnings block)" if verdict.strict else "")
    )
    for f in verdict.findings:
        out.append("")
        where = quote(f.path) if f.line is None else f"{quote(f.path)}:{f.line}"
        out.append(f"{_MARK[f.severity]}  {f.rule}  {where}")
        out.extend(_wrap(f.message, "    "))
        # Related places the message does not already name (import sites usually are named).
        related = [
            r
            for r in f.related
            if (r.path if r.line is None else f"{r.path}:{r.line}") not in f.message
        ]
        for r in related[:10]:
            loc = quote(r.path) if r.line is None else f"{quote(r.path)}:{r.line}"
            out.extend(_wrap(f"- {loc}" + (f" ({r.node})" if r.node else ""), "      "))
        if len(related) > 10:
            out.append(f"      (+{len(related) - 10} more; --format json lists all)")
        if f.fix:
            out.extend(_wrap("fix: " + f.fix, "    "))
    out.append("")
    changed = ", ".join(n.id for n in impact.changed) or "no node"
    out.extend(_wrap(f"Changed: {changed}", ""))
    affected_tiers = [n.tier for n in impact.affected if n.tier is not None]
    out.extend(
        _wrap(
            f"Affected: {len(impact.affected)} node{'s' if len(impact.affected) != 1 else ''}"
            + (f", most critical tier {min(affected_tiers)}" if affected_tiers else "")
            + " (guardrails affected shows the chains)",
            "",
        )
    )
    out.extend(_wrap("Teams: " + (", ".join(impact.teams) or "none"), ""))
    if impact.unowned_files:
        shown = ", ".join(quote(p) for p in impact.unowned_files[:5])
        more = f" (+{len(impact.unowned_files) - 5} more)" if len(impact.unowned_files) > 5 else ""
        out.extend(_wrap(f"Unowned files (no service, no CODEOWNERS rule): {shown}{more}", ""))
    return "\n".join(out) + "\n"
