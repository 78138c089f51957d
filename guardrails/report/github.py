"""GitHub Actions: workflow commands that become annotations on the PR's diff.

GitHub shows at most 10 annotations of each kind (error, warning, notice) per step and 50
per job, and drops the rest silently. So findings are ranked by impact (see
``checkdoc.impact_key``) and each kind gets at most 10 lines: when a kind overflows, its
tenth line says how many more there are, so nothing is lost without a word. Suppressed
findings are not annotated (they are in the step summary and the SARIF report).

The job summary: :func:`append_step_summary` appends the Markdown report to the file that
``$GITHUB_STEP_SUMMARY`` names (GitHub's documented variable); the caller reads the
environment and passes it in. GitHub refuses a step summary over 1 MiB.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails.report import checkdoc as cd

PER_KIND = 10  # GitHub: annotations of one kind per step
PER_JOB = 50  # GitHub: annotations per job
SUMMARY_LIMIT = 1024 * 1024  # GitHub: bytes of one step's summary
KIND = {"block": "error", "warn": "warning", "info": "notice"}
KINDS = ("error", "warning", "notice")


def _data(text: str) -> str:
    # The escaping GitHub's toolkit applies to a command's message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    # ... and to property values, where ':' and ',' separate fields.
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, **props: object) -> str:
    fields = ",".join(f"{k}={_prop(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind} {fields}::{_data(message)}" if fields else f"::{kind}::{_data(message)}"


def _annotation(f: Mapping[str, Any], waits: Mapping[str, list[Mapping[str, Any]]]) -> str:
    kind = KIND.get(str(f.get("severity")), "warning")
    message = str(f.get("message") or "")
    if f.get("fix"):
        message += f"\nFix: {f['fix']}"
    for req in waits.get(str(f.get("fingerprint")), []):
        message += f"\nNeeds approval from {', '.join(cd.handles(req))} ({req.get('reason')})"
    if f.get("approved_by"):
        message += f"\nApproved by {', '.join(str(x) for x in f['approved_by'])}"
    if f.get("rationale"):
        message += f"\nWhy: {f['rationale']}"
    if f.get("runbook"):
        message += f"\nRunbook: {f['runbook']}"
    return _command(
        kind,
        message,
        file=f.get("path"),
        line=f.get("line"),
        title=f"guardrails {f.get('rule')}",
    )


def workflow_commands(doc: cd.Doc) -> list[str]:
    """At most PER_KIND lines per kind, most important first; the overflow is one line."""
    waits = cd.waiting_on(doc)
    live = [f for f in cd.ranked(doc) if not cd.is_suppressed(f)]
    by_kind: dict[str, list[Mapping[str, Any]]] = {k: [] for k in KINDS}
    for f in live:
        by_kind[KIND.get(str(f.get("severity")), "warning")].append(f)
    out: list[str] = []
    for kind in KINDS:
        group = by_kind[kind]
        shown = group if len(group) <= PER_KIND else group[: PER_KIND - 1]
        out.extend(_annotation(f, waits) for f in shown)
        if len(group) > len(shown):
            rest = len(group) - len(shown)
            out.append(
                _command(
                    kind,
                    f"{cd.plural(rest, 'more ' + kind)} not annotated (GitHub shows "
                    f"{PER_KIND} per kind): see the job summary or the SARIF report",
                    title="guardrails",
                )
            )
    assert len(out) <= PER_JOB
    return out


def _decision_line(doc: cd.Doc) -> str:
    c = cd.counts(doc)
    return (
        f"guardrails: {str(doc.get('decision', '?')).upper()} — {c['block']} blocking, "
        f"{cd.plural(c['warn'], 'warning')}, {c['info']} info, {c['suppressed']} suppressed"
    )


def render(doc: cd.Doc, meta: cd.Meta) -> str:
    lines = workflow_commands(doc)
    # Plain log lines (not commands, so never capped): the decision and who must approve.
    lines.append(_decision_line(doc))
    for req in cd.requirements(doc):
        if req.get("satisfied"):
            continue
        lines.append(
            f"needs approval: {', '.join(cd.handles(req))} "
            f"({req.get('count', 1)} of {', '.join(cd.team_names(req))}) — {req.get('reason')}"
        )
    return "\n".join(lines) + "\n"


def step_summary(doc: cd.Doc, meta: cd.Meta) -> str:
    """The Markdown report, cut to GitHub's 1 MiB (it is already far smaller: the PR comment
    format keeps itself under 65,536 characters)."""
    from guardrails.report import markdown

    text = markdown.render(doc, meta)
    data = text.encode("utf-8")
    if len(data) <= SUMMARY_LIMIT:
        return text
    note = "\n\n… (cut at GitHub's 1 MiB step summary limit)\n"
    keep = SUMMARY_LIMIT - len(note.encode("utf-8"))
    return data[:keep].decode("utf-8", "ignore") + note


def append_step_summary(doc: cd.Doc, meta: cd.Meta, environ: Mapping[str, str]) -> str | None:
    """Append the report to ``$GITHUB_STEP_SUMMARY`` when it is set; return the path used."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(step_summary(doc, meta))
    return target
