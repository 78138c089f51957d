"""Inline suppressions: ``# guardrails: ignore[rule.id, other.id] -- reason``.

A suppression sits on the finding's line, or alone on the line above it. The reason is
mandatory: without one the comment suppresses nothing and is itself a finding. A rule the
policy packs lock (``forbid_suppression: true``) cannot be suppressed; the attempt is reported.
A suppression added by the change that matches no finding of a rule that ran is reported as
unused (info), so stale comments do not pile up. Approval requirements are not findings and
are never affected.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from guardrails.changes import LineRange
from guardrails.findings import Finding
from guardrails.semantic.python import split_lines

WITHOUT_REASON = "guardrails.suppression-without-reason"
FORBIDDEN = "guardrails.suppression-forbidden"
UNUSED = "guardrails.unused-suppression"
META_RULES = frozenset({WITHOUT_REASON, FORBIDDEN, UNUSED})

_MARK = "guardrails:"
_COMMENT = re.compile(r"#\s*guardrails:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>[^\r\n]*)")
_REASON = re.compile(r"\s*--\s*(?P<reason>\S.*?)\s*$")


@dataclass(frozen=True)
class Suppression:
    path: str
    line: int
    rule_ids: tuple[str, ...]
    reason: str | None
    own_line: bool  # the comment is alone on its line, so it also covers the next line

    def covers(self, line: int) -> bool:
        return line == self.line or (self.own_line and line == self.line + 1)


def _python_comment_lines(text: str) -> set[int] | None:
    """Lines holding a real ``# guardrails:`` comment in Python source, or None when the
    file does not tokenize (then every matching line counts, as for non-Python files).

    A suppression written inside a string (a test's source-code fixture, say) is data, not a
    suppression: only comment tokens count.
    """
    import io
    import tokenize

    lines: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and _MARK in tok.string:
                lines.add(tok.start[0])
    except (tokenize.TokenError, SyntaxError):
        return None
    return lines


def parse_suppressions(path: str, text: str) -> list[Suppression]:
    if _MARK not in text:  # the common case: no regex over the file at all
        return []
    comments = _python_comment_lines(text) if path.endswith((".py", ".pyi")) else None
    out = []
    for number, line in enumerate(split_lines(text), start=1):
        if _MARK not in line or (comments is not None and number not in comments):
            continue
        m = _COMMENT.search(line)
        if m is None:
            continue
        ids = tuple(sorted({i.strip() for i in m.group("ids").split(",") if i.strip()}))
        reason = _REASON.match(m.group("rest"))
        out.append(
            Suppression(
                path=path,
                line=number,
                rule_ids=ids,
                reason=reason.group("reason") if reason else None,
                own_line=line[: m.start()].strip() == "",
            )
        )
    return out


@dataclass(frozen=True)
class Source:
    """A head file as suppressions need it: its text and the lines the change added."""

    text: str
    added_lines: Sequence[LineRange] = ()

    def added(self, line: int) -> bool:
        return any(line in r for r in self.added_lines)


def apply_suppressions(
    findings: Iterable[Finding],
    sources: Mapping[str, Source],
    *,
    locked: Collection[str] = frozenset(),
    ran: Collection[str] = frozenset(),
    base_located: Collection[Finding] = frozenset(),
) -> list[Finding]:
    """Drop suppressed findings; add the findings suppressions themselves cause.

    ``locked``: rule ids no comment may suppress. ``ran``: rule ids that ran (an ignore for a
    rule that did not run is not unused). ``base_located``: findings whose line is in the
    base revision, where no head comment can sit.
    """
    by_path: dict[str, list[Suppression]] = {}
    for path, source in sources.items():
        found = parse_suppressions(path, source.text)
        if found:
            by_path[path] = found
    if not by_path:
        return list(findings)
    used: set[tuple[Suppression, str]] = set()
    matched: set[Suppression] = set()
    forbidden: set[tuple[Suppression, str]] = set()
    kept: list[Finding] = []
    for f in findings:
        candidates = by_path.get(f.path, ())
        hits = (
            [
                s
                for s in candidates
                if f.line is not None and s.covers(f.line) and f.rule in s.rule_ids
            ]
            if f not in base_located and f.rule not in META_RULES
            else []
        )
        suppressed = False
        for s in hits:
            matched.add(s)
            if s.reason is None:
                continue
            if f.rule in locked:
                forbidden.add((s, f.rule))
                continue
            used.add((s, f.rule))
            suppressed = True
        if not suppressed:
            kept.append(f)
    for path, suppressions in sorted(by_path.items()):
        source = sources[path]
        for s in suppressions:
            added = source.added(s.line)
            ids = ", ".join(s.rule_ids)
            if s.reason is None and (added or s in matched):
                kept.append(
                    Finding(
                        rule=WITHOUT_REASON,
                        severity="warn",
                        path=path,
                        line=s.line,
                        message=f"suppression of {ids or 'no rule'} gives no reason, "
                        "so it suppresses nothing",
                        fix=f"write the reason after the ids: "
                        f"`# guardrails: ignore[{ids}] -- <why this is safe>`",
                    )
                )
                continue
            for rule in s.rule_ids:
                if (s, rule) in forbidden:
                    kept.append(
                        Finding(
                            rule=FORBIDDEN,
                            severity="warn",
                            path=path,
                            line=s.line,
                            message=f"{rule} cannot be suppressed: a policy pack locks it",
                            fix=f"fix the {rule} finding, or get the approval the policy asks for",
                        )
                    )
                elif added and rule in ran and (s, rule) not in used:
                    kept.append(
                        Finding(
                            rule=UNUSED,
                            severity="info",
                            path=path,
                            line=s.line,
                            message=f"suppression of {rule} matches no finding",
                            fix=f"remove `{rule}` from the ignore comment",
                        )
                    )
    return kept
