"""Inline suppressions: ``# guardrails: ignore[rule.id, other.id] -- reason``.

A suppression sits on the finding's line, or alone on the line above it. The reason is
mandatory: without one the comment suppresses nothing and is itself a finding. A reason may
end in ``(until YYYY-MM-DD)``: from the day after, the suppression no longer holds and is
itself a finding. The day it is judged against is the caller's (the head commit's committer
date, or the commit being made): this module never reads the clock. A rule the
policy packs lock (``forbid_suppression: true``) cannot be suppressed; the attempt is reported.
A suppression added by the change that matches no finding of a rule that ran is reported as
unused (info), so stale comments do not pile up. Approval requirements are not findings and
are never affected.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import msgspec

from guardrails.changes import LineRange, split_lines
from guardrails.findings import Finding

WITHOUT_REASON = "guardrails.suppression-without-reason"
FORBIDDEN = "guardrails.suppression-forbidden"
UNUSED = "guardrails.unused-suppression"
EXPIRED = "guardrails.suppression-expired"
META_RULES = frozenset({WITHOUT_REASON, FORBIDDEN, UNUSED, EXPIRED})
_UNTIL = re.compile(r"^(?P<reason>.*?)\s*\(until (?P<date>\d{4}-\d{2}-\d{2})\)$")

_MARK = "guardrails:"
_COMMENT = re.compile(r"#\s*guardrails:\s*ignore\[(?P<ids>[^\]]*)\](?P<rest>[^\r\n]*)")
_REASON = re.compile(r"\s*--\s*(?P<reason>\S.*?)\s*$")


class Suppression(msgspec.Struct, frozen=True):
    path: str
    line: int
    rule_ids: tuple[str, ...]
    reason: str | None
    own_line: bool  # the comment is alone on its line, so it also covers the next line
    until: str | None = None  # YYYY-MM-DD: the last day it holds

    def expired(self, today: str | None) -> bool:
        return self.until is not None and today is not None and today > self.until

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
        said: str | None = reason.group("reason") if reason else None
        until = _UNTIL.match(said) if said else None
        out.append(
            Suppression(
                path=path,
                line=number,
                rule_ids=ids,
                reason=(until.group("reason") or None) if until else said,
                own_line=line[: m.start()].strip() == "",
                until=until.group("date") if until else None,
            )
        )
    return out


class Source(msgspec.Struct, frozen=True):
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
    today: str | None = None,
) -> list[Finding]:
    """Drop suppressed findings; add the findings suppressions themselves cause."""
    return judge_suppressions(
        findings, sources, locked=locked, ran=ran, base_located=base_located, today=today
    )[0]


def judge_suppressions(
    findings: Iterable[Finding],
    sources: Mapping[str, Source],
    *,
    locked: Collection[str] = frozenset(),
    ran: Collection[str] = frozenset(),
    base_located: Collection[Finding] = frozenset(),
    today: str | None = None,
) -> tuple[list[Finding], list[tuple[Finding, Suppression]]]:
    """(findings kept, findings suppressed with the comment that holds them); the kept ones
    include the findings suppressions themselves cause.

    ``locked``: rule ids (or fnmatch patterns) no comment may suppress. ``ran``: rule ids
    that ran (an ignore for a rule that did not run is not unused). ``base_located``:
    findings whose line is in the base revision, where no head comment can sit. ``today``:
    ``YYYY-MM-DD`` that ``(until ...)`` is judged against; None never expires anything.
    """
    from fnmatch import fnmatchcase

    def is_locked(rule: str) -> bool:
        return any(fnmatchcase(rule, pattern) for pattern in locked)

    by_path: dict[str, list[Suppression]] = {}
    for path, source in sources.items():
        found = parse_suppressions(path, source.text)
        if found:
            by_path[path] = found
    if not by_path:
        return list(findings), []
    held: list[tuple[Finding, Suppression]] = []
    expired: set[Suppression] = set()
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
        holder: Suppression | None = None
        for s in hits:
            matched.add(s)
            if s.reason is None:
                continue
            if is_locked(f.rule):
                forbidden.add((s, f.rule))
                continue
            if s.expired(today):
                expired.add(s)
                continue
            used.add((s, f.rule))
            holder = holder or s
        if holder is None:
            kept.append(f)
        else:
            held.append((f, holder))
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
            if s in expired:
                kept.append(
                    Finding(
                        rule=EXPIRED,
                        severity="warn",
                        path=path,
                        line=s.line,
                        message=f"suppression of {ids} expired on {s.until}, so it no longer holds",
                        fix="fix the finding, or renew the suppression with a new reason and "
                        "date if it is still safe",
                    )
                )
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
                elif added and rule in ran and (s, rule) not in used and s not in expired:
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
    return kept, held
