"""Run rules over a change: findings, suppressions applied, sorted."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from guardrails.errors import GuardrailsError
from guardrails.findings import Finding
from guardrails.rules.base import Rule, RuleContext
from guardrails.suppressions import Source, Suppression, judge_suppressions

_PROSE = (".md", ".markdown", ".rst", ".txt", ".adoc")


def run_rules(
    ctx: RuleContext,
    rules: Iterable[Rule] | None = None,
    *,
    locked: Collection[str] = frozenset(),
) -> list[Finding]:
    """Every finding of ``rules`` (default: all) on ``ctx``, minus valid suppressions."""
    return run_rules_judged(ctx, rules, locked=locked)[0]


def run_rules_judged(
    ctx: RuleContext,
    rules: Iterable[Rule] | None = None,
    *,
    locked: Collection[str] = frozenset(),
    today: str | None = None,
) -> tuple[list[Finding], list[tuple[Finding, Suppression]]]:
    """(findings kept, findings suppressed with their comment), each sorted.

    ``locked`` holds the rule ids whose suppression a policy pack forbids; ``today`` is the
    day ``(until ...)`` expiries are judged against. A rule that raises stops the run with a
    GuardrailsError naming it: the gate fails closed.
    """
    if rules is None:
        from guardrails.rules.registry import all_rules

        rules = all_rules()
    rules = list(rules)
    found: dict[Finding, None] = {}
    for rule in rules:
        try:
            for f in rule.check(ctx):
                found.setdefault(f, None)
        except GuardrailsError:
            raise
        except Exception as e:
            raise GuardrailsError(
                f"rule {rule.id} failed: {type(e).__name__}: {e}",
                fix="report this with --debug output; the change was not checked",
            ) from e
    sources = {
        change.new_path: Source(change.new_text or "", change.added_lines)
        for change in ctx.changes.files
        if change.new_path is not None
        and change.new_text is not None
        and not change.new_path.endswith(_PROSE)  # docs show ignore comments; they suppress nothing
        and len(change.new_data or b"") <= ctx.max_file_bytes
    }
    kept, held = judge_suppressions(
        found,
        sources,
        locked=locked,
        ran={r.id for r in rules},
        base_located=ctx.base_located,
        today=today,
    )
    return sorted(kept, key=Finding.sort_key), sorted(held, key=lambda fs: fs[0].sort_key())
