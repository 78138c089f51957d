"""The PR comment: the verdict, what blocks, who must approve, a picture of the blast radius,
then every finding with its fix in a collapsible section.

It starts with a marker line (:data:`MARKER`) so that a CI job finds its previous comment and
edits it instead of adding one per push. GitHub refuses a comment over 65,536 characters,
so the report keeps to :data:`LIMIT`: the picture is capped at :data:`MAX_NODES` nodes (well
inside Mermaid's default ``maxTextSize`` of 50,000 characters and ``maxEdges`` of 500) with
a per-team summary of the rest, and findings past the budget are counted, not dropped
silently.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from guardrails.report import checkdoc as cd

MARKER = "<!-- guardrails:report -->"
LIMIT = 65_536  # GitHub: characters in one comment
RESERVE = 600  # room kept for the closing note when findings are cut
MAX_NODES = 60  # nodes in the picture: readable, and far inside Mermaid's limits
MERMAID_TEXT_LIMIT = 50_000  # Mermaid's default maxTextSize
MAX_LISTED = 25  # blockers and requirements listed above the picture; the rest are counted

_HEAD = {
    "block": "🛑 guardrails: blocked",
    "warn": "⚠️ guardrails: passed with warnings",
    "pass": "✅ guardrails: passed",
}
_MARK = {"block": "🛑", "warn": "⚠️", "info": "ℹ️"}
_STYLES = {
    "changed": "fill:#fde2e1,stroke:#c0392b,stroke-width:3px,color:#000",
    "tier0": "fill:#fff0c2,stroke:#b7791f,stroke-width:2px,color:#000",
    "affected": "fill:#f4f6f8,stroke:#6b7280,color:#000",
}


def esc(text: object) -> str:
    """Text for Markdown with inline HTML: no tag, entity, table cell or code span opens."""
    return (
        html.escape(str(text), quote=False)
        .replace("|", "&#124;")
        .replace("`", "&#96;")
        .replace("*", "&#42;")
        .replace("_", "&#95;")
        .replace("\n", " ")
    )


def clip(text: str, limit: int = 300) -> str:
    """A one-line mention of a message; the finding's own section has all of it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code(text: object) -> str:
    return f"<code>{esc(text)}</code>"


# ----- the picture -----------------------------------------------------------------------


def mermaid_label(text: str) -> str:
    """A label inside ``["..."]``: Mermaid reads ``#name;`` as an entity, so '#' itself and
    everything that could close the label or open markup become numeric entities."""
    out = []
    for ch in text:
        if ch in '"#&<>`[]{}()|;\\':
            out.append(f"#{ord(ch)};")
        else:
            out.append(ch)
    return "".join(out)


def _pick(changed: Sequence[Mapping[str, Any]], affected: Sequence[Mapping[str, Any]]) -> set[str]:
    """Which nodes to draw: every changed node, then affected ones most critical tier first,
    nearest first, each with its whole chain back to the change, up to MAX_NODES."""
    keep: set[str] = {str(n["id"]) for n in changed[:MAX_NODES]}
    order = sorted(
        affected,
        key=lambda n: (
            cd.NO_TIER if n.get("tier") is None else int(n["tier"]),
            int(n.get("distance") or 0),
            str(n["id"]),
        ),
    )
    for n in order:
        need = [str(x) for x in n.get("path") or [n["id"]] if str(x) not in keep]
        if len(keep) + len(need) <= MAX_NODES:
            keep.update(need)
    return keep


def mermaid(doc: cd.Doc) -> tuple[str, list[str]]:
    """The flowchart and the summary lines for what it leaves out."""
    imp = cd.impact(doc)
    changed: list[Mapping[str, Any]] = list(imp.get("changed") or [])
    affected: list[Mapping[str, Any]] = list(imp.get("affected") or [])
    info = {str(n["id"]): n for n in [*changed, *affected]}
    changed_ids = {str(n["id"]) for n in changed}
    keep = _pick(changed, affected)
    ids = {node: f"n{i}" for i, node in enumerate(sorted(keep))}

    def box(node: str) -> str:
        tier = info[node].get("tier")
        facts = ["changed"] if node in changed_ids else []
        facts += [] if tier is None else [f"tier {tier}"]
        label = mermaid_label(node) + (f"<br/>{' · '.join(facts)}" if facts else "")
        return f'{ids[node]}["{label}"]'

    lines = ["flowchart LR"]
    by_team: dict[str, list[str]] = {}
    for node in sorted(keep):
        by_team.setdefault(str(info[node].get("owner") or ""), []).append(node)
    for g, team in enumerate(sorted(t for t in by_team if t)):
        lines.append(f'    subgraph g{g}["{mermaid_label(team)}"]')
        lines.extend(f"        {box(node)}" for node in by_team[team])
        lines.append("    end")
    lines.extend(f"    {box(node)}" for node in by_team.get("", []))
    edges = sorted(
        {
            (str(a), str(b))
            for n in affected
            for a, b in pairwise(n.get("path") or [])
            if str(a) in keep and str(b) in keep
        }
    )
    lines.extend(f"    {ids[a]} --> {ids[b]}" for a, b in edges)
    classes = {
        "changed": [ids[n] for n in sorted(keep) if n in changed_ids],
        "tier0": [
            ids[n] for n in sorted(keep) if n not in changed_ids and info[n].get("tier") == 0
        ],
    }
    classes["affected"] = [
        ids[n] for n in sorted(keep) if ids[n] not in classes["changed"] + classes["tier0"]
    ]
    for role, members in classes.items():
        if members:
            lines.append(f"    classDef {role} {_STYLES[role]}")
            lines.append(f"    class {','.join(members)} {role}")
    text = "\n".join(lines) + "\n"
    assert len(text) < MERMAID_TEXT_LIMIT

    left = [n for n in info if n not in keep]
    notes: list[str] = []
    if left:
        per_team: dict[str, list[Mapping[str, Any]]] = {}
        for node in left:
            per_team.setdefault(str(info[node].get("owner") or "no owner"), []).append(info[node])
        parts = []
        for team in sorted(per_team):
            tiers = [int(n["tier"]) for n in per_team[team] if n.get("tier") is not None]
            worst = f", most critical tier {min(tiers)}" if tiers else ""
            parts.append(f"{esc(team.removeprefix('team:'))} {len(per_team[team])}{worst}")
        notes.append(
            f"The picture shows {len(keep)} of {len(info)} nodes (the most critical tiers "
            f"first, each with its chain to the change). Not drawn: {'; '.join(parts)}. "
            "`guardrails affected` lists them all."
        )
    return text, notes


# ----- sections --------------------------------------------------------------------------


def _headline(doc: cd.Doc) -> list[str]:
    c = cd.counts(doc)
    decision = str(doc.get("decision", "pass"))
    imp = cd.impact(doc)
    author = doc.get("author") or {}
    n_changed, n_aff = len(imp.get("changed") or []), len(imp.get("affected") or [])
    tiers = [n.get("tier") for n in [*(imp.get("changed") or []), *(imp.get("affected") or [])]]
    known = [int(t) for t in tiers if t is not None]
    reach = f", reaching tier {min(known)}" if known else ""
    base, head = imp.get("base"), imp.get("head")
    span = f" · {code(str(base)[:12])}..{code(str(head)[:12])}" if base and head else ""
    return [
        f"## {_HEAD.get(decision, decision)}",
        "",
        f"**{c['block']} blocking** · {cd.plural(c['warn'], 'warning')} · {c['info']} info"
        + (f" · {c['suppressed']} suppressed" if c["suppressed"] else "")
        + f" · author: **{esc(author.get('kind', 'human'))}**{span}",
        "",
        f"Blast radius: {cd.plural(n_changed, 'changed node')}, "
        f"{cd.plural(n_aff, 'affected node')}{reach}; teams: "
        + (", ".join(esc(t.removeprefix("team:")) for t in imp.get("teams") or []) or "none"),
    ]


def _blocking(doc: cd.Doc) -> list[str]:
    waits = cd.waiting_on(doc)
    live = [f for f in cd.ranked(doc) if f.get("severity") == "block" and not cd.is_suppressed(f)]
    if not live:
        return []
    out = ["", "### What blocks", ""]
    for f in live[:MAX_LISTED]:
        reqs = waits.get(str(f.get("fingerprint")), [])
        then = (
            " — needs an approval from " + " and ".join(", ".join(cd.handles(r)) for r in reqs)
            if reqs
            else " — to be fixed (see its fix under Findings)"
        )
        msg = esc(clip(str(f["message"])))
        out.append(f"- {code(f['rule'])} at {code(cd.location(f))}: {msg}{then}")
    if len(live) > MAX_LISTED:
        out.append(f"- and {cd.plural(len(live) - MAX_LISTED, 'more blocking finding')}")
    return out


def _approvals(doc: cd.Doc) -> list[str]:
    reqs = cd.requirements(doc)
    if not reqs:
        return []
    out = [
        "",
        "### Who must approve",
        "",
        "| | Approval from | Needed | Approved by | Unblocks | Why |",
        "|---|---|---|---|---|---|",
    ]
    for r in reqs[:MAX_LISTED]:
        ok = "✅" if r.get("satisfied") else "⏳"
        who = ", ".join(esc(h) for h in cd.handles(r))
        logins = sorted({str(c["login"]) for c in r.get("candidates") or [] if c.get("login")})
        if logins:
            who += " (" + ", ".join(esc(x) for x in logins) + ")"
        freed = list(r.get("unblocks") or [])
        unblocks = "<br>".join(f"{code(u.get('rule'))} {code(cd.location(u))}" for u in freed[:5])
        if len(freed) > 5:
            unblocks += f"<br>and {len(freed) - 5} more"
        by = ", ".join(esc(x) for x in r.get("approved_by") or []) or "—"
        need = f"{r.get('count', 1)} of {', '.join(esc(t) for t in cd.team_names(r))}"
        if r.get("humans"):
            need += ", human"
        if r.get("not_author"):
            need += ", not the author"
        out.append(
            f"| {ok} | {who} | {need} | {by} | {unblocks or '—'} | {esc(r.get('reason') or '')} |"
        )
    if len(reqs) > MAX_LISTED:
        out.append(f"| | and {cd.plural(len(reqs) - MAX_LISTED, 'more requirement')} | | | | |")
    not_counted = [a for a in doc.get("approvals") or [] if not a.get("counted")]
    if not_counted:
        out.append("")
        out.append(
            "Not counted: "
            + ", ".join(
                f"{esc(a.get('user'))} ({esc(a.get('why_not') or 'not a qualifying approval')})"
                for a in not_counted[:MAX_LISTED]
            )
            + (
                f" and {len(not_counted) - MAX_LISTED} more"
                if len(not_counted) > MAX_LISTED
                else ""
            )
        )
    return out


def _picture(doc: cd.Doc) -> list[str]:
    imp = cd.impact(doc)
    if not imp.get("changed"):
        return ["", "### Blast radius", "", "The change touches no node of the graph."]
    chart, notes = mermaid(doc)
    out = ["", "### Blast radius", "", "```mermaid", chart.rstrip("\n"), "```", ""]
    out.append(
        "Red: changed by this change. Yellow: a tier-0 node it reaches. An arrow reads"
        ' "depends on"; boxes are grouped by owning team.'
    )
    out.extend(["", *notes] if notes else [])
    if imp.get("unowned_files"):
        files = list(imp["unowned_files"])
        shown = ", ".join(code(p) for p in files[:10])
        more = f" and {len(files) - 10} more" if len(files) > 10 else ""
        out.extend(["", f"Owned by no team: {shown}{more}"])
    return out


def _finding(f: Mapping[str, Any], waits: Mapping[str, list[Mapping[str, Any]]]) -> list[str]:
    sup = f.get("suppressed")
    mark = "🔕" if sup else _MARK.get(str(f.get("severity")), "")
    summary = f"{mark} {code(f['rule'])} {code(cd.location(f))} — {esc(f['message'])}"
    body: list[str] = []
    if f.get("fix"):
        body.append(f"**Fix:** {esc(f['fix'])}")
    if f.get("rationale"):
        body.append(f"**Why:** {esc(f['rationale'])}")
    for r in waits.get(str(f.get("fingerprint")), []):
        body.append(f"**Needs approval from** {', '.join(esc(h) for h in cd.handles(r))}")
    if f.get("approved_by"):
        body.append("**Approved by** " + ", ".join(esc(x) for x in f["approved_by"]))
    if sup:
        until = f" (until {esc(sup['until'])})" if sup.get("until") else ""
        body.append(f"**Suppressed:** {esc(sup.get('reason') or '')}{until}")
    if f.get("policy"):
        body.append(f"**Policy:** {code(f['policy'])}")
    if f.get("runbook"):
        rb = str(f["runbook"])
        body.append(f"**Runbook:** {f'<{rb}>' if cd.is_url(rb) else code(rb)}")
    related = list(f.get("related") or [])
    if related:
        body.append(
            "**Related:**<br>"
            + "<br>".join(
                code(cd.location(r)) + (f" ({code(r['node'])})" if r.get("node") else "")
                for r in related[:20]
            )
            + (f"<br>and {len(related) - 20} more" if len(related) > 20 else "")
        )
    return ["<details>", f"<summary>{summary}</summary>", "", "\n\n".join(body), "", "</details>"]


def render(doc: cd.Doc, meta: cd.Meta) -> str:
    head = [MARKER, *_headline(doc), *_blocking(doc), *_approvals(doc), *_picture(doc)]
    text = "\n".join(head) + "\n"
    waits = cd.waiting_on(doc)
    ordered = cd.ranked(doc)
    if ordered:
        text += "\n### Findings\n\n"
    budget = LIMIT - RESERVE
    for i, f in enumerate(ordered):
        block = "\n".join(_finding(f, waits)) + "\n"
        if len(text) + len(block) > budget:
            rest = len(ordered) - i
            text += (
                f"\n… and {cd.plural(rest, 'more finding')}, not shown: a PR comment holds "
                "65,536 characters. The SARIF report and `--format json` list them all.\n"
            )
            break
        text += block
    text += "\n<sub>guardrails · `guardrails check --format json` gives the full result</sub>\n"
    return text
