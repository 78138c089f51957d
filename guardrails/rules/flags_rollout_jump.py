"""flags.rollout-jump: a flag's percentage rollout raised by more than the allowed step.

A percentage rollout is a canary for a flag: it protects only while the share grows a step
at a time (Cloudflare, 2025-12-05: a flip that reached ~28 % of traffic at once). A rise
from ``a`` % to ``b`` % is allowed when ``b`` is at most ``a`` × ``max_factor`` (5) or at most
``a`` + ``max_step`` (25 points), whichever is smaller, and never needs to be below
``first_weight`` (10 %): 0 -> 5, 5 -> 25 and 20 -> 45 are fine; 5 -> 50 and 20 -> 100 are not.
The limits follow the tier the flag reaches (``limits.tier`` in guardrails.yaml).

Read from flagd ``fractional`` splits (the share served something other than the default
variant; ``$ref`` evaluators resolved) and the YAML form's ``rollout: N%``. A new flag
starts from 0 %.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules._flags import flag_pairs, limits_for, reached, readers, severity
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class FlagsRolloutJump(Rule):
    id = "flags.rollout-jump"
    default_severity = "warn"
    summary = "a flag's percentage rollout raised by more than the allowed step"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for fc in flag_pairs(ctx):
            new = fc.new
            if new is None or new.rollout is None or not new.enabled:
                continue
            old = fc.old
            was = (
                old.rollout if old is not None and old.enabled and old.rollout is not None else 0.0
            )
            now = new.rollout
            limits = limits_for(ctx, fc.key)
            allowed = max(limits.first_weight, min(was * limits.max_factor, was + limits.max_step))
            if now <= allowed or now <= was:
                continue
            yield self.finding(
                fc.change.path,
                new.rollout_line or new.line,
                f"flag {fc.key}: rollout {was:g} % -> {now:g} % in one change, above the allowed "
                f"step to {allowed:g} % ({reached(ctx, fc.key)})",
                f"raise it to {allowed:g} % in this change (a fractional step), and further "
                "once that share is healthy",
                severity=severity(ctx, fc.key),
                related=readers(ctx, fc.key),
            )


FLAGD = "config/flags.json"

_FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "new-ranker": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off",
      "targeting": {
        "if": [
          {"$ref": "acme-staff"}, "on",
          {"fractional": [{"var": "userId"}, ["on", 5], ["off", 95]]}
        ]
      }
    }
  },
  "$evaluators": {
    "acme-staff": {"ends_with": [{"var": "email"}, "@acme.dev"]}
  }
}
"""

_REF = """\
{
  "flags": {
    "checkout-v2": {
      "state": "ENABLED",
      "variants": {"new": "v2", "old": "v1"},
      "defaultVariant": "old",
      "targeting": {"$ref": "checkout-split"}
    }
  },
  "$evaluators": {
    "checkout-split": {"fractional": [["new", 10], ["old", 90]]}
  }
}
"""

_YAML = """\
dark-mode:
  default: false
  rollout: 10%   # share of users who see it
"""

FlagsRolloutJump.INVALID = (
    Case(
        _FLAGD,
        _FLAGD.replace('["on", 5], ["off", 95]', '["on", 50], ["off", 50]'),
        path=FLAGD,
        expect=(Expect(8, "warn", ("flag new-ranker: rollout 5 % -> 50 % in one change",)),),
    ),
    Case(
        _REF,
        _REF.replace('["new", 10], ["old", 90]', '["new", 100], ["old", 0]'),
        path=FLAGD,
        expect=(Expect(7, "warn", ("rollout 10 % -> 100 %", "allowed step to 35 %")),),
        note="the split lives in a shared $evaluators entry",
    ),
    Case(
        _YAML,
        _YAML.replace("rollout: 10%", "rollout: 100%"),
        path="config/flags.yaml",
        expect=(
            Expect(3, "warn", ("flag dark-mode: rollout 10 % -> 100 %", "allowed step to 35 %")),
        ),
    ),
    Case(
        None,
        _YAML.replace("rollout: 10%", "rollout: 50%"),
        path="config/flags.yaml",
        expect=(Expect(3, "warn", ("rollout 0 % -> 50 %",)),),
        note="a new flag starts from 0 %",
    ),
)

FlagsRolloutJump.VALID = (
    Case(
        _FLAGD,
        _FLAGD.replace('["on", 5], ["off", 95]', '["on", 25], ["off", 75]'),
        path=FLAGD,
        note="5 -> 25: five times, 20 points",
    ),
    Case(_YAML, _YAML.replace("rollout: 10%", "rollout: 35%"), path="config/flags.yaml"),
    Case(_YAML, _YAML.replace("rollout: 10%", "rollout: 1%"), path="config/flags.yaml"),
    Case(None, _REF.replace('10], ["old", 90', '5], ["old", 95'), path=FLAGD, note="new, 5 %"),
    Case(
        _FLAGD,
        _FLAGD.replace('"state": "ENABLED"', '"state": "DISABLED"').replace(
            '["on", 5], ["off", 95]', '["on", 90], ["off", 10]'
        ),
        path=FLAGD,
        note="disabled: the split serves nobody",
    ),
)
