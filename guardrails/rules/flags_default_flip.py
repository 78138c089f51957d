"""flags.default-flip: a flag's default changed for everyone at once, with no percentage step.

Cloudflare, 2025-12-05: a killswitch flip went through a global config system with no
gradual rollout, and 500s hit ~28 % of traffic for 25 minutes. A flag is a deployment: the
new value should reach a few percent of users first.

Reported: a flagd ``defaultVariant`` (or the value of the default variant) changed, or
``state`` turned ``ENABLED`` with a default other than off (false, 0, "off"), when the head
gives the flag no ``fractional`` split; a Python flag constant, an absl ``DEFINE_*``
default or a YAML ``default`` changed with no ``rollout:`` percentage. Block when the flag
reaches a tier-0/1 node (its readers, and who depends on them), else warn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from guardrails.findings import Finding
from guardrails.rules._flags import flag_pairs, reached, readers, severity, show
from guardrails.rules.base import Case, Expect, Rule, RuleContext

if TYPE_CHECKING:  # the parsers import PyYAML: loaded when a change has such a file
    from guardrails.semantic.flags import Flag


class FlagsDefaultFlip(Rule):
    id = "flags.default-flip"
    default_severity = "warn"
    summary = "a flag's default flipped for every user at once, with no percentage step"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for fc in flag_pairs(ctx):
            old, new = fc.old, fc.new
            if old is None or new is None or new.rollout is not None or old.type != new.type:
                continue  # new, deleted, staged by a percentage, or retyped (flags.reused-key)
            what = _flip(old, new)
            if what is None:
                continue
            yield self.finding(
                fc.change.path,
                new.state_line if what == "state" else new.default_line or new.line,
                f"flag {fc.key}: "
                + (
                    f"state turned ENABLED, serving {show(new.default)} to every user at once"
                    if what == "state"
                    else f"default {show(old.default)} -> {show(new.default)} for every user at "
                    "once"
                )
                + f", with no percentage step ({reached(ctx, fc.key)})",
                _fix(new),
                severity=severity(ctx, fc.key),
                related=readers(ctx, fc.key),
            )


def _flip(old: Flag, new: Flag) -> str | None:
    if old.enabled and new.enabled:
        return "default" if old.default != new.default else None
    from guardrails.semantic.flags import is_off

    if not old.enabled and new.enabled and not is_off(new.default):
        return "state"
    return None


def _fix(new: Flag) -> str:
    if new.format == "flagd":
        on = next((v for v in new.variants if v != "off"), "on")
        return (
            "add a fractional step: 5 % of users first — keep the old defaultVariant and add "
            f'`"targeting": {{"fractional": [["{on}", 5], ["off", 95]]}}`'
        )
    if new.format == "yaml":
        return "add a percentage step: keep the old `default` and add `rollout: 5%`"
    return (
        "keep the old default in this change; roll the new value out by percentage (a flag "
        "service such as flagd), or mark the global flip for a break-glass review"
    )


FLAGD = "config/flags.json"

_FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "new-ranker": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off"
    },
    "ranker-model": {
      "state": "DISABLED",
      "variants": {"v1": "ranker-v1", "v2": "ranker-v2"},
      "defaultVariant": "v2"
    }
  }
}
"""

_CONSTANTS = '''\
"""Flags of the ranker: flip them here, they ship with the next deploy."""

NEW_PATH = False  # the rewritten ranking path
MAX_ITEMS = 50
'''

_ABSL = """\
from absl import flags

FLAGS = flags.FLAGS

flags.DEFINE_bool(
    "use_new_ranker",
    False,
    "Serve rankings from the new model.",
)
"""

_YAML = """\
# Flags of the growth app: `default` for everyone, `rollout` for a share of users.
checkout-v2: {default: false}
dark-mode:
  default: false
  rollout: 5%
"""

FlagsDefaultFlip.INVALID = (
    Case(
        _FLAGD,
        _FLAGD.replace('"defaultVariant": "off"', '"defaultVariant": "on"'),
        path=FLAGD,
        expect=(
            Expect(
                7,
                "warn",
                (
                    "flag new-ranker: default false -> true for every user at once",
                    "no code reads it",
                ),
            ),
        ),
    ),
    Case(
        _FLAGD,
        _FLAGD.replace('"state": "DISABLED"', '"state": "ENABLED"'),
        path=FLAGD,
        expect=(Expect(10, "warn", ('state turned ENABLED, serving "ranker-v2"',)),),
    ),
    Case(
        _CONSTANTS,
        _CONSTANTS.replace("NEW_PATH = False", "NEW_PATH = True"),
        path="services/ranker/flags.py",
        expect=(Expect(3, "warn", ("flag NEW_PATH: default false -> true",)),),
    ),
    Case(
        _ABSL,
        _ABSL.replace("    False,", "    True,"),
        path="services/ranker/flag_defs.py",
        expect=(Expect(7, "warn", ("flag use_new_ranker: default false -> true",)),),
    ),
    Case(
        _YAML,
        _YAML.replace("checkout-v2: {default: false}", "checkout-v2: {default: true}"),
        path="config/flags.yaml",
        expect=(Expect(2, "warn", ("flag checkout-v2",)),),
    ),
)

FlagsDefaultFlip.VALID = (
    Case(
        _FLAGD,
        _FLAGD.replace(
            '"defaultVariant": "off"\n',
            '"defaultVariant": "on",\n'
            '      "targeting": {"fractional": [["on", 5], ["off", 95]]}\n',
        ),
        path=FLAGD,
        note="flipped behind a fractional step",
    ),
    Case(
        _FLAGD,
        _FLAGD.replace('"state": "ENABLED"', '"state": "DISABLED"'),
        path=FLAGD,
        note="switched off: the code's own default applies again",
    ),
    Case(
        _YAML,
        _YAML.replace("  default: false\n  rollout: 5%", "  default: true\n  rollout: 5%"),
        path="config/flags.yaml",
        note="a percentage rollout is in place",
    ),
    Case(
        _ABSL,
        _ABSL.replace("Serve rankings from the new model.", "Serve rankings from model v2."),
        path="services/ranker/flag_defs.py",
        note="only the help text changed",
    ),
    Case(
        _CONSTANTS,
        _CONSTANTS.replace("NEW_PATH = False  # the rewritten ranking path", "NEW_PATH = False"),
        path="services/ranker/flags.py",
        note="a comment edited",
    ),
)
