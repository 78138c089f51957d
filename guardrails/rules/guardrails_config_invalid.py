"""guardrails.config-invalid: the change leaves guardrails.yaml (or a policy pack) invalid.

In --base mode a head config that does not validate is a finding, not an exit 2: the base
config still judges the change, and the finding blocks so an invalid config can never merge.
The engine hands over the problems it met loading the head catalog; a changed pack the config
uses is parsed here (its CEL compiled), since the base policies judged the change. One finding
per located problem; a failure with no location still blocks, at the config file.
"""

from __future__ import annotations

from collections.abc import Iterator

from guardrails.errors import Problem
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext


class GuardrailsConfigInvalid(Rule):
    id = "guardrails.config-invalid"
    default_severity = "block"
    summary = "the change leaves guardrails.yaml or a policy pack invalid"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        problems = list(ctx.config_problems)
        if not problems:
            problems = self._changed_files(ctx)
        located = [p for p in problems if p.severity == "error" and p.path]
        if not located and [p for p in problems if p.severity == "error"]:
            located = [Problem(problems[0].message, path=ctx.config_path, fix=problems[0].fix)]
        for p in sorted(set(located), key=Problem.sort_key):
            yield self.finding(
                p.path or ctx.config_path,
                p.line,
                f"the change leaves the configuration invalid: {p.message}",
                p.fix or "run `guardrails validate` on the branch and fix what it lists",
            )

    def _changed_files(self, ctx: RuleContext) -> list[Problem]:
        packs: set[str | None] | None = None
        out: list[Problem] = []
        for change in ctx.changes.files:
            path, text = change.new_path, change.new_text
            if path is None or text is None:
                continue
            if path == ctx.config_path:
                from guardrails.catalog.config import parse_config

                out.extend(parse_config(text, path)[1].problems)
            # A pack is a .yaml/.yml file (policy_file names no other): the config module,
            # and PyYAML with it, is loaded only when such a file changed.
            elif path.endswith((".yaml", ".yml")):
                if packs is None:
                    from guardrails.catalog.config import policy_file

                    packs = {policy_file(ref) for ref in ctx.catalog.policies} - {None}
                if path not in packs:
                    continue
                from guardrails.policy.load import parse_pack

                parse_pack(text, path, "./" + path, out)
        return out


GuardrailsConfigInvalid.INVALID = (
    Case(
        "version: 1\n",
        "version: 9\n",
        path="guardrails.yaml",
        expect=(Expect(1, "block", ("unsupported version 9",)),),
    ),
    Case(
        "version: 1\n",
        "version: 1\nteams: {a: [\n",
        path="guardrails.yaml",
        expect=(Expect(3, "block", ("the change leaves the configuration invalid",)),),
        note="a YAML syntax error",
    ),
    Case(
        "version: 1\n",
        "version: 1\nservics: {}\n",
        path="guardrails.yaml",
        expect=(Expect(2, "block", ("unknown key 'servics'",)),),
    ),
)

GuardrailsConfigInvalid.VALID = (
    Case("version: 1\n", "version: 1\nteams: {}\n", path="guardrails.yaml"),
    Case("a: 1\n", "a: [\n", path="services/ranker/config.yaml", note="not the gate's YAML"),
    Case("x = 1\n", "x = 2\n", path="services/event_bus/client.py", note="ordinary code"),
)
