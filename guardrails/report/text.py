"""Terminal output: readable in 80 columns, grouped by team and tier."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from guardrails.graph import DependencyGraph
from guardrails.impact import AffectedNode, Impact

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


# Above this many affected nodes, text output summarises (counts by team and tier, then the
# most critical nodes); `--all` lists every one. A reader takes in about a screenful.
SUMMARY_OVER = 25
MOST_CRITICAL = 10


def render_impact(
    impact: Impact,
    *,
    show_all: bool = False,
    importers: Mapping[str, Sequence[str]] | None = None,
    service_of: Mapping[str, str] | None = None,
    dependents: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The blast radius for a terminal. ``importers``: repository files importing each
    changed file, and ``service_of`` the service of each of those files, so a change to one
    file that many services reach only through its package says so (issue 9: a generated
    data table marked 63 services); ``dependents``: the graph's direct dependents of a node."""
    out: list[str] = []
    out.append(f"Blast radius of {subject(impact)}")
    if impact.depth is not None:
        out.append(f"(limited to {impact.depth} hop{'s' if impact.depth != 1 else ''})")
    out.append("")
    out.append(f"Changed ({len(impact.changed)})")
    if not impact.changed:
        out.append("  no service, resource or flag is touched")
    radius = {n.id for n in impact.affected}
    for c in impact.changed:
        owner = c.owner or "no owner"
        out.append(f"  {c.id}  {_tier(c.tier)}  {owner}")
        files = [quote(f) for f in c.files[:3]]
        files += [f"(+{len(c.files) - 3} more)"] if len(c.files) > 3 else []
        out.extend(_wrap(", ".join(files), "    "))
        direct = {d for d in (dependents or {}).get(c.id, ()) if d in radius}
        if importers is not None and c.id.startswith("service:") and direct:
            out.extend(_why_changed(c.id, c.files, importers, service_of or {}, direct))
    out.append("")
    summarise = not show_all and len(impact.affected) > SUMMARY_OVER
    out.append(
        f"Affected ({len(impact.affected)})"
        + (
            (" summary; --all lists every node" if summarise else " by team")
            if impact.affected
            else ""
        )
    )
    if not impact.affected:
        out.append("  nothing depends on the changed nodes")
    if summarise:
        out.extend(_summary(impact.affected))
    else:
        for team, nodes in _by_team(impact.affected):
            out.append(f"  {team or 'no owner'}")
            for n in nodes:
                out.extend(_affected_line(n, "    "))
    out.append("")
    teams = list(impact.teams)
    if summarise and len(teams) > MOST_CRITICAL * 2:
        shown = ", ".join(teams[: MOST_CRITICAL * 2])
        out.extend(
            _wrap(f"Teams ({len(teams)}): {shown} (+{len(teams) - MOST_CRITICAL * 2} more)", "")
        )
    else:
        out.extend(_wrap("Teams: " + (", ".join(teams) or "none"), ""))
    if impact.unowned_files:
        out.append(f"Unowned files ({len(impact.unowned_files)}): no service or CODEOWNERS rule")
        shown_files = [quote(p) for p in impact.unowned_files[:10]]
        out.extend(f"  {p}" for p in shown_files)
        if len(impact.unowned_files) > len(shown_files):
            out.append(
                f"  (+{len(impact.unowned_files) - len(shown_files)} more; --format json lists all)"
            )
    return "\n".join(out) + "\n"


def _affected_line(n: AffectedNode, indent: str, *, owner: bool = False) -> list[str]:
    hops = f"{n.distance} hop{'s' if n.distance != 1 else ''}"
    who = f"  {n.owner or 'no owner'}" if owner else ""
    return [
        f"{indent}{_tier(n.tier)}  {n.id}  ({hops}){who}",
        *_wrap("via " + ARROW.join(n.path[1:]), indent + "  "),
    ]


def _summary(nodes: Sequence[AffectedNode]) -> list[str]:
    """Counts by team and tier (teams with the most critical nodes first), then the most
    critical nodes themselves: lowest tier, then nearest, then by id."""
    counts: dict[str | None, dict[int | None, int]] = {}
    for n in nodes:
        tiers = counts.setdefault(n.owner, {})
        tiers[n.tier] = tiers.get(n.tier, 0) + 1

    def rank(tier: int | None) -> int:
        return 99 if tier is None else tier

    order = sorted(
        counts.items(),
        key=lambda kv: (
            min(rank(t) for t in kv[1]),
            -sum(kv[1].values()),
            kv[0] is None,
            kv[0] or "",
        ),
    )
    out = ["  by team and tier:"]
    width = max(len(team or "no owner") for team, _ in order[: MOST_CRITICAL * 2])
    for team, tiers in order[: MOST_CRITICAL * 2]:
        cells = ", ".join(
            f"{_tier(t)}: {c}" for t, c in sorted(tiers.items(), key=lambda tc: rank(tc[0]))
        )
        out.append(f"    {(team or 'no owner').ljust(width)}  {sum(tiers.values()):>4}  ({cells})")
    if len(order) > MOST_CRITICAL * 2:
        rest = order[MOST_CRITICAL * 2 :]
        out.append(
            f"    (+{len(rest)} more owners with {sum(sum(t.values()) for _, t in rest)} nodes)"
        )
    critical = sorted(nodes, key=lambda n: (rank(n.tier), n.distance, n.id))[:MOST_CRITICAL]
    out.append(f"  most critical ({len(critical)} of {len(nodes)}):")
    for n in critical:
        out.extend(_affected_line(n, "    ", owner=True))
    return out


def _why_changed(
    node: str,
    files: Sequence[str],
    importers: Mapping[str, Sequence[str]],
    service_of: Mapping[str, str],
    direct: set[str],
) -> list[str]:
    """Which services import the changed files themselves, against how many depend on the
    node: a reviewer can judge a radius that comes from a package, not from the file."""
    own = node.removeprefix("service:")
    through: dict[str, set[str]] = {}
    for f in files:
        for src in importers.get(f, ()):
            svc = service_of.get(src)
            if svc is not None and svc != own:
                through.setdefault(f"service:{svc}", set()).add(src)
    reached = sorted(s for s in through if s in direct)
    n = len(direct)
    if not reached:
        line = (
            f"no other service imports the changed file{'s' if len(files) != 1 else ''}; "
            f"{n} node{'s' if n != 1 else ''} depend{'s' if n == 1 else ''} on {node} "
            f"through its other modules"
        )
    else:
        names = ", ".join(s.removeprefix("service:") for s in reached[:5])
        more = f" (+{len(reached) - 5} more)" if len(reached) > 5 else ""
        line = (
            f"the changed file{'s are' if len(files) != 1 else ' is'} imported by {len(reached)} "
            f"of the {n} node{'s' if n != 1 else ''} that depend on {node}: {names}{more}"
        )
    return _wrap(line, "    ")


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


def render(doc: Mapping[str, Any], meta: Mapping[str, Any]) -> str:
    """The check/v1 document for a terminal (the ``text`` reporter)."""
    return render_check(doc)


def _check_subject(doc: Mapping[str, Any]) -> str:
    impact = doc["impact"]
    base = _short(impact.get("base")) if impact.get("base") else "an empty repository"
    if doc["mode"] == "range":
        return f"{_short(impact.get('base'))}..{_short(impact.get('head'))}"
    if doc["mode"] == "staged":
        return f"the staged change (index vs {base})"
    return f"the patch (applied to {base})"


def _loc(path: str, line: int | None) -> str:
    return quote(path) if line is None else f"{quote(path)}:{line}"


def _finding_lines(f: Mapping[str, Any]) -> list[str]:
    out = [f"{_MARK[f['severity']]}  {f['rule']}  {_loc(f['path'], f['line'])}"]
    out.extend(_wrap(f["message"], "    "))
    # Related places the message does not already name (import sites usually are named).
    related = [r for r in f["related"] if _loc(r["path"], r["line"]) not in f["message"]]
    for r in related[:10]:
        node = f" ({r['node']})" if r.get("node") else ""
        out.extend(_wrap(f"- {_loc(r['path'], r['line'])}{node}", "      "))
    if len(related) > 10:
        out.append(f"      (+{len(related) - 10} more; --format json lists all)")
    if f.get("approved_by"):
        out.extend(_wrap("approved by " + ", ".join(f["approved_by"]), "    "))
    if f.get("policy"):
        out.extend(_wrap(f"policy {f['policy']}: {f.get('rationale') or ''}".rstrip(": "), "    "))
    if f.get("runbook"):
        out.extend(_wrap("runbook: " + f["runbook"], "    "))
    if f.get("fix"):
        out.extend(_wrap("fix: " + f["fix"], "    "))
    return out


def _requirement_lines(r: Mapping[str, Any], pending: bool) -> list[str]:
    who = ", ".join(r["from"]) or "a reviewer"
    need = f"{r['count']} {'human ' if r['humans'] else ''}approval{'s' if r['count'] != 1 else ''}"
    mark = "✓" if r["satisfied"] else ("…" if pending else "✗")
    out = _wrap(f"{mark} {r['id']}: {need} from {who} — {r['reason']}", "  ")
    if r["satisfied"]:
        out.extend(_wrap("approved by " + ", ".join(r["approved_by"]), "      "))
        return out
    handles = sorted({c["handle"] for c in r["candidates"] if c.get("handle")})
    logins = [c["login"] for c in r["candidates"]]
    if logins:
        out.extend(_wrap("ask: " + ", ".join(handles + logins), "      "))
    elif r["from"]:
        out.extend(
            _wrap(
                f"nobody in {who} can approve it (every member wrote the change, or the team "
                "lists no members): add a reviewer to the team",
                "      ",
            )
        )
    else:
        out.extend(_wrap("ask: any reviewer who is not an author", "      "))
    if r["approved_by"]:
        out.extend(_wrap("so far: " + ", ".join(r["approved_by"]), "      "))
    if r.get("runbook"):
        out.extend(_wrap("runbook: " + r["runbook"], "      "))
    return out


def render_check(doc: Mapping[str, Any]) -> str:
    """Verdict, what blocks, who must approve, the blast radius, warnings, where the config
    and policies came from."""
    impact = doc["impact"]
    findings = [f for f in doc["findings"] if f.get("suppressed") is None]
    out = [f"guardrails check: {doc['decision'].upper()} — {_check_subject(doc)}"]
    out.extend(_wrap(f"Author: {_author(doc['author'])}", ""))
    counts = {"block": 0, "warn": 0, "info": 0}
    for f in findings:
        counts[f["severity"]] += 1
    unmet = [r for r in doc["requirements"] if not r["satisfied"]]
    out.append(
        f"{counts['block']} blocking, {counts['warn']} "
        f"warning{'s' if counts['warn'] != 1 else ''}, {counts['info']} info, "
        f"{len(unmet)} approval{'s' if len(unmet) != 1 else ''} missing"
        + (" (--strict: warnings block)" if doc.get("strict") else "")
    )
    # Before review (--staged/--patch) a finding that waits for approvals cannot block yet.
    waiting = {u["fingerprint"] for r in unmet for u in r["unblocks"]}
    pending = not doc.get("enforce_approvals", doc["mode"] == "range")
    blocking = [f for f in findings if f["severity"] == "block"]
    now = [f for f in blocking if not (pending and f["fingerprint"] in waiting)]
    later = [f for f in blocking if pending and f["fingerprint"] in waiting]
    if now:
        out += ["", "What blocks"]
        for f in now:
            out.extend(_finding_lines(f))
    if later:
        out += ["", "What will block until approved"]
        for f in later:
            out.extend(_finding_lines(f))
    if doc["requirements"]:
        title = "Who must approve" + (" (once the change is up for review)" if pending else "")
        out += ["", title]
        for r in doc["requirements"]:
            out.extend(_requirement_lines(r, pending))
        # An approval that was given but does not count must say why, or the reviewer who
        # approved sees themselves still listed as missing.
        not_counted = sorted(
            {f"{a['user']} ({a['why_not']})" for a in doc.get("approvals", ()) if a["why_not"]}
        )
        if not_counted:
            out.extend(_wrap("  Not counted: " + ", ".join(not_counted), "  "))
    out.append("")
    changed = ", ".join(n["id"] for n in impact["changed"]) or "no node"
    out.extend(_wrap(f"Changed: {changed}", ""))
    tiers = [n["tier"] for n in impact["affected"] if n["tier"] is not None]
    n_aff = len(impact["affected"])
    out.extend(
        _wrap(
            f"Affected: {n_aff} node{'s' if n_aff != 1 else ''}"
            + (f", most critical tier {min(tiers)}" if tiers else "")
            + " (guardrails affected shows the chains)",
            "",
        )
    )
    out.extend(_wrap("Teams: " + (", ".join(impact["teams"]) or "none"), ""))
    unowned = impact["unowned_files"]
    if unowned:
        shown = ", ".join(quote(p) for p in unowned[:5])
        more = f" (+{len(unowned) - 5} more)" if len(unowned) > 5 else ""
        out.extend(_wrap(f"Unowned files (no service, no CODEOWNERS rule): {shown}{more}", ""))
    rest = [f for f in findings if f["severity"] != "block"]
    if rest:
        out += ["", "Warnings and notes"]
        for f in rest:
            out.extend(_finding_lines(f))
    suppressed = [f for f in doc["findings"] if f.get("suppressed") is not None]
    if suppressed:
        out.append("")
        out.extend(
            _wrap(
                f"{len(suppressed)} finding{'s' if len(suppressed) != 1 else ''} suppressed "
                "inline (--format json lists them)",
                "",
            )
        )
    config = doc["config"]
    where = config["from"] + (f" {_short(config['rev'])}" if config.get("rev") else "")
    if doc["mode"] == "patch" and config["from"] == "head":
        where = f"the patch applied to {_short(config['rev'])}"
    out.append("")
    if not doc["impact"]["files"] and not config["policies"]:
        # The hook with nothing staged reads no config: nothing there could be judged.
        out.extend(_wrap("Nothing to judge: no config or policy pack was read", ""))
    else:
        out.extend(
            _wrap(
                f"Config and policies from {where}: "
                + (", ".join(config["policies"]) or "no policy pack"),
                "",
            )
        )
    if config.get("ignored_worktree_change"):
        ignored = (
            "the change's own guardrails.yaml is not used (--policy-from head would)"
            if config["from"] == "base"
            else "the working tree's guardrails.yaml differs from the one used, and is ignored"
        )
        out.extend(_wrap("Note: " + ignored, ""))
    return "\n".join(out) + "\n"


def render_graph_summary(graph: DependencyGraph, keep: Sequence[str]) -> str:
    """`guardrails graph` for a terminal: what the graph holds, not every node and edge
    (otel's was 3,456 lines of JSON). ``--format json`` / ``graphml`` give the whole graph."""
    from guardrails.graph import node_type

    kept = set(keep)
    types: dict[str, int] = {}
    for n in keep:
        types[node_type(n)] = types.get(node_type(n), 0) + 1
    edges = [(s, d, k) for s, d, k in graph.edges(ownership=False) if s in kept and d in kept]
    kinds: dict[str, int] = {}
    dependents: dict[str, set[str]] = {}
    for s, d, k in edges:
        kinds[k] = kinds.get(k, 0) + 1
        dependents.setdefault(d, set()).add(s)
    what = ", ".join(f"{c} {t}{'s' if c != 1 else ''}" for t, c in sorted(types.items()))
    how = ", ".join(f"{c} {k}" for k, c in sorted(kinds.items()))
    out = [f"Graph: {what or 'no nodes'}", f"Edges: {len(edges)}" + (f" ({how})" if how else "")]
    owned: dict[str | None, dict[int | None, int]] = {}
    for n in keep:
        if node_type(n) in ("team", "user"):
            continue
        tiers = owned.setdefault(graph.owner(n), {})
        tier = graph.tier(n)
        tiers[tier] = tiers.get(tier, 0) + 1
    if owned:
        out += ["", "Nodes by owner and tier:"]
        order = sorted(
            owned.items(), key=lambda kv: (-sum(kv[1].values()), kv[0] is None, kv[0] or "")
        )
        width = max(len(o or "no owner") for o, _ in order[: MOST_CRITICAL * 2])
        for owner, tiers in order[: MOST_CRITICAL * 2]:
            cells = ", ".join(
                f"{_tier(t)}: {c}"
                for t, c in sorted(tiers.items(), key=lambda tc: 99 if tc[0] is None else tc[0])
            )
            out.append(
                f"  {(owner or 'no owner').ljust(width)}  {sum(tiers.values()):>5}  ({cells})"
            )
        if len(order) > MOST_CRITICAL * 2:
            rest = order[MOST_CRITICAL * 2 :]
            out.append(
                f"  (+{len(rest)} more owners with {sum(sum(t.values()) for _, t in rest)} nodes)"
            )
    top = sorted(dependents.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MOST_CRITICAL]
    if top:
        out += ["", "Most depended on (nodes with an edge to them):"]
        for node, srcs in top:
            who = graph.owner(node) or "no owner"
            out.append(f"  {len(srcs):>5}  {node}  ({_tier(graph.tier(node))}, {who})")
    out += ["", "Every node and edge: --format json (or graphml, dot, mermaid)."]
    return "\n".join(out) + "\n"
