"""Shared shape of the safety rules that look at calls added by the change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from guardrails.findings import Finding
from guardrails.rules.base import Rule, RuleContext

if TYPE_CHECKING:
    from guardrails.semantic.facts import CallSite


class CallRule(Rule):
    """A rule that judges each call on an added line; ``match`` returns (message, fix)."""

    default_severity = "block"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            for call in diff.calls:
                hit = self.match(call)
                if hit is not None:
                    yield self.finding(change.path, call.line, hit[0], hit[1])

    def match(self, call: CallSite) -> tuple[str, str] | None:
        raise NotImplementedError


def falsy_literal(call: CallSite, keyword: str) -> bool | None:
    """True/False when the keyword is a literal (False/None/0 count as off); None when absent
    or computed."""
    arg = call.keyword(keyword)
    if arg is None or not arg.is_literal:
        return None
    return not arg.value
