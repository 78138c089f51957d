"""flags.reused-key: a flag key given a new meaning in one change.

Knight Capital, 2012-08-01 (SEC release 34-70694): new code reused a flag that still
activated the dead "Power Peg" code on one of eight servers; ~$460M was lost in 45 minutes.
Code that still reads the old meaning of a key keeps reading it.

Reported, in one change: a key's value type changed (boolean -> string, ``DEFINE_bool`` ->
``DEFINE_string``, a constant ``False`` -> ``"v2"``); a flagd key whose variants were all
replaced (no old variant name survives); a key deleted from one flag file and defined
again in another with a different definition. Block when the flag reaches a tier-0/1 node,
else warn.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.findings import Finding
from guardrails.rules._flags import flag_pairs, reached, readers, severity
from guardrails.rules.base import Case, Expect, Rule, RuleContext

_FIX = (
    "give the new behaviour a new key (e.g. `{key}-v2`), and delete the old key only once "
    "no code reads it"
)


class FlagsReusedKey(Rule):
    id = "flags.reused-key"
    default_severity = "warn"
    summary = "a flag key deleted and re-added, or its type changed, in one change"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        pairs = list(flag_pairs(ctx))
        removed = {fc.key: fc for fc in pairs if fc.old is not None and fc.new is None}
        for fc in pairs:
            old, new = fc.old, fc.new
            if new is None:
                continue
            why = None
            if old is not None:
                if "unknown" not in (old.type, new.type) and old.type != new.type:
                    why = f"its type changed from {old.type} to {new.type}"
                elif old.variants and new.variants and not set(old.variants) & set(new.variants):
                    why = (
                        f"every variant was replaced ({', '.join(old.variants)} -> "
                        f"{', '.join(new.variants)})"
                    )
            else:
                gone = removed.get(fc.key)
                if (
                    gone is not None
                    and gone.old is not None
                    and (gone.old.definition != new.definition or gone.old.type != new.type)
                ):
                    why = f"it was deleted from {gone.change.path} and defined again here"
            if why is None:
                continue
            yield self.finding(
                fc.change.path,
                new.line,
                f"flag key {fc.key} reused: {why}; code that reads its old meaning still reads "
                f"it ({reached(ctx, fc.key)})",
                _FIX.format(key=fc.key),
                severity=severity(ctx, fc.key),
                related=readers(ctx, fc.key),
            )


FLAGD = "config/flags.json"

_FLAGD = """\
{
  "$schema": "https://flagd.dev/schema/v0/flags.json",
  "flags": {
    "power-peg": {
      "state": "ENABLED",
      "variants": {"on": true, "off": false},
      "defaultVariant": "off"
    }
  }
}
"""

_ABSL = """\
from absl import flags

flags.DEFINE_bool("smars_routing", False, "Route child orders through SMARS.")
"""

FlagsReusedKey.INVALID = (
    Case(
        _FLAGD,
        _FLAGD.replace('{"on": true, "off": false}', '{"on": "rlp", "off": "none"}'),
        path=FLAGD,
        expect=(
            Expect(
                4, "warn", ("flag key power-peg reused: its type changed from boolean to string",)
            ),
        ),
    ),
    Case(
        _FLAGD,
        _FLAGD.replace('{"on": true, "off": false}', '{"rlp": true, "legacy": false}').replace(
            '"defaultVariant": "off"', '"defaultVariant": "legacy"'
        ),
        path=FLAGD,
        expect=(Expect(4, "warn", ("every variant was replaced (off, on -> legacy, rlp)",)),),
    ),
    Case(
        _ABSL,
        _ABSL.replace('DEFINE_bool("smars_routing", False', 'DEFINE_string("smars_routing", "rlp"'),
        path="services/ranker/flag_defs.py",
        expect=(Expect(3, "warn", ("its type changed from boolean to string",)),),
    ),
    Case(
        "POWER_PEG = False\n",
        'POWER_PEG = "retail-liquidity"\n',
        path="services/ranker/flags.py",
        expect=(Expect(1, "warn", ("flag key POWER_PEG reused",)),),
    ),
)

FlagsReusedKey.VALID = (
    Case(
        _FLAGD,
        _FLAGD.replace('"defaultVariant": "off"', '"defaultVariant": "on"'),
        path=FLAGD,
        note="a flip is flags.default-flip, not a reuse",
    ),
    Case(
        _FLAGD,
        _FLAGD.replace('{"on": true, "off": false}', '{"on": true, "off": false, "dark": false}'),
        path=FLAGD,
        note="a variant added next to the old ones",
    ),
    Case(
        _ABSL,
        _ABSL.replace("SMARS.", "SMARS (see runbook)."),
        path="services/ranker/flag_defs.py",
    ),
    Case(None, _FLAGD, path=FLAGD, note="a new key"),
)
