"""What reporters may know about rules besides the findings: id, summary, description and
default severity of every rule (plain tuples: the commands turn them into RuleMeta)."""

from __future__ import annotations


def rule_summaries() -> list[tuple[str, str, str, str]]:
    from guardrails.rules.registry import all_rules
    from guardrails.suppressions import EXPIRED, FORBIDDEN, UNUSED, WITHOUT_REASON

    out = {
        r.id: (r.id, r.summary, (r.__doc__ or r.summary).strip(), r.default_severity)
        for r in all_rules()
    }
    for rid, summary, severity in (
        (WITHOUT_REASON, "an inline suppression with no reason", "warn"),
        (FORBIDDEN, "a suppression of a rule a policy pack locks", "warn"),
        (UNUSED, "a suppression that matches no finding", "info"),
        (EXPIRED, "a suppression past its (until YYYY-MM-DD) date", "warn"),
    ):
        out[rid] = (rid, summary, summary, severity)
    return [out[k] for k in sorted(out)]
