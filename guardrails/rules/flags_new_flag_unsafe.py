"""flags.new-flag-unsafe: a new flag that is on from the start, or that no team owns.

Google Cloud, 2025-06-12: new Service Control quota code shipped with no feature flag that
was off by default, and a policy with blank fields crash-looped every region within seconds.
A new code path belongs behind a flag that starts off and is turned on by percentage; and a
flag nobody owns is a flag nobody turns off at 3 a.m.

Reported for a key the change adds: a default that turns the behaviour on (a flagd flag
``ENABLED`` with an "on" default variant, a ``True`` constant or ``DEFINE_bool`` default, a
YAML ``default: true``) when no percentage split serves it to a few users first; and a flag
with no owner (no ``flag:`` resource owner, no ``owner`` on its ``flags:`` entry or in its
definition, no CODEOWNERS owner of the file). A new ``DISABLED`` flag is never reported for
its default.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules._flags import flag_pairs, owner_of, readers, severity, show
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class FlagsNewFlagUnsafe(Rule):
    id = "flags.new-flag-unsafe"
    default_severity = "warn"
    summary = "a new flag that defaults to on, or has no owner"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for fc in flag_pairs(ctx):
            new = fc.new
            if fc.old is not None or new is None:
                continue
            if new.on_by_default and new.rollout is None:
                yield self.finding(
                    fc.change.path,
                    new.default_line or new.line,
                    f"new flag {fc.key} is on from the start (default {show(new.default)}): "
                    "the code behind it reaches every user with this change",
                    "start it off and turn it on by percentage: "
                    + (
                        '`"defaultVariant": "off"`, then a fractional step of 5 %'
                        if new.format == "flagd"
                        else "default false, then `rollout: 5%`"
                        if new.format == "yaml"
                        else "default False in this change, True in a later one"
                    ),
                    severity=severity(ctx, fc.key),
                    related=readers(ctx, fc.key),
                )
            if owner_of(ctx, fc) is None:
                yield self.finding(
                    fc.change.path,
                    new.line,
                    f"new flag {fc.key} has no owner: no team is paged when it misbehaves",
                    f'declare it: `resources: {{"flag:{fc.key}": {{owner: <team>}}}}` in '
                    "guardrails.yaml, or `owner:` on the `flags:` entry, or a CODEOWNERS line "
                    f"for {fc.change.path}",
                    severity=severity(ctx, fc.key),
                )


FLAGD = "config/flags.json"

_EMPTY = '{\n  "$schema": "https://flagd.dev/schema/v0/flags.json",\n  "flags": {}\n}\n'


def _flagd(state: str, default: str) -> str:
    return (
        '{\n  "$schema": "https://flagd.dev/schema/v0/flags.json",\n  "flags": {\n'
        '    "quota-checks-v2": {\n'
        f'      "state": "{state}",\n'
        '      "variants": {"on": true, "off": false},\n'
        f'      "defaultVariant": "{default}"\n'
        "    }\n  }\n}\n"
    )


FlagsNewFlagUnsafe.INVALID = (
    Case(
        _EMPTY,
        _flagd("ENABLED", "on"),
        path=FLAGD,
        expect=(
            Expect(7, "warn", ("new flag quota-checks-v2 is on from the start (default true)",)),
        ),
    ),
    Case(
        _EMPTY,
        _flagd("ENABLED", "off"),
        path="config/unowned-flags.json",
        expect=(Expect(4, "warn", ("new flag quota-checks-v2 has no owner",)),),
    ),
    Case(
        "MAX_ITEMS = 50\n",
        "MAX_ITEMS = 50\n# the rewritten quota path\nQUOTA_V2 = True\n",
        path="services/ranker/flags.py",
        expect=(Expect(3, "warn", ("new flag QUOTA_V2 is on from the start",)),),
    ),
    Case(
        None,
        "# growth flags\ncheckout-v2:\n  default: true\n  owner: growth\n",
        path="config/flags.yaml",
        expect=(Expect(3, "warn", ("new flag checkout-v2 is on from the start",)),),
    ),
)

FlagsNewFlagUnsafe.VALID = (
    Case(_EMPTY, _flagd("DISABLED", "on"), path=FLAGD, note="a new disabled flag"),
    Case(_EMPTY, _flagd("ENABLED", "off"), path=FLAGD, note="starts off, owned by its entry"),
    Case(
        None,
        "checkout-v2: {default: false, owner: growth}\n",
        path="config/flags.yaml",
        note="owned in its own definition",
    ),
    Case(
        _flagd("ENABLED", "off"),
        _flagd("ENABLED", "on"),
        path="config/unowned-flags.json",
        note="not new: flags.default-flip's business",
    ),
)
