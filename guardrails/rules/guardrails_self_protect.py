"""guardrails.self-protect: the change edits what the gate itself reads.

A change that rewrites guardrails.yaml, a policy pack, CODEOWNERS or the CI workflow that runs
the gate can switch the gate off for itself. DESIGN §6: in --base mode the config and policies
are read from the base revision, and such a change needs the owners of those files to approve.
Until approval requirements land with the policy engine, the finding warns (it does not block)
and names the files, so a reviewer sees the gate's own rules changing.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from guardrails.catalog.model import (
    BACKSTAGE_FILE,
    CODEOWNERS_LOCATIONS,
    CONFIG_FILE,
    SERVICE_FILE,
    Origin,
)
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext

# (pattern, what it is) — fnmatch on the repository path; first match names the file.
_GUARDED = (
    *((loc, "CODEOWNERS (who must review what)") for loc in CODEOWNERS_LOCATIONS),
    ("policies/*", "a policy pack"),
    (".github/workflows/*", "a CI workflow"),
    (".gitlab-ci.yml", "the CI pipeline"),
    (".ci/*", "the CI entry point"),
    (".pre-commit-config.yaml", "the pre-commit hooks"),
)


def _what(
    path: str, config: str, packs: tuple[str, ...], declarations: frozenset[str]
) -> str | None:
    if path == config:
        return "the guardrails config"
    if path in packs:
        return "a policy pack this config uses"
    if path in declarations:  # a service file or Backstage entry the catalog really read
        return "a catalog declaration"
    return next((what for pattern, what in _GUARDED if fnmatchcase(path, pattern)), None)


class GuardrailsSelfProtect(Rule):
    id = "guardrails.self-protect"
    default_severity = "warn"
    summary = "a change to the gate's own config, policies, CODEOWNERS or CI"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        config = ctx.catalog.config_path or CONFIG_FILE
        packs = tuple(
            p.removeprefix("./") for p in ctx.catalog.policies if not p.startswith("builtin:")
        )
        origins: list[Origin | None] = [s.origin for s in ctx.catalog.services.values()]
        origins += [r.origin for r in ctx.catalog.resources.values()]
        origins += [t.origin for t in ctx.catalog.teams.values()]
        declarations = frozenset(
            o.path
            for o in origins
            if o is not None and o.path.endswith((SERVICE_FILE, BACKSTAGE_FILE))
        )
        for change in ctx.changes.files:
            for path in change.paths:
                what = _what(path, config, packs, declarations)
                if what is None:
                    continue
                verb = {"A": "adds", "D": "deletes", "R": "moves"}.get(change.status, "edits")
                yield Finding(
                    rule=self.id,
                    severity=self.default_severity,
                    path=change.path,
                    line=None,
                    message=(
                        f"the change {verb} {what} ({path}), which decides how this gate "
                        "judges changes: its owners must review it (approval requirements "
                        "are enforced once the policy engine lands)"
                    ),
                    fix="land changes to the gate's own files in a separate change reviewed by "
                    "their owners, not together with the code they would let through",
                )
                break


GuardrailsSelfProtect.INVALID = (
    Case(
        "version: 1\n",
        "version: 1\nservices: {}\n",
        path="guardrails.yaml",
        expect=(Expect(None, "warn", ("edits the guardrails config (guardrails.yaml)",)),),
    ),
    Case(
        "* @acme/platform\n",
        "* @acme/everyone\n",
        path=".github/CODEOWNERS",
        expect=(Expect(None, "warn", ("CODEOWNERS (who must review what)",)),),
    ),
    Case(
        None,
        "on: push\n",
        path=".github/workflows/gate.yml",
        expect=(Expect(None, "warn", ("adds a CI workflow",)),),
    ),
    Case(
        "name: x\n",
        None,
        path="policies/ranking.yaml",
        expect=(Expect(None, "warn", ("deletes a policy pack",)),),
    ),
)

GuardrailsSelfProtect.VALID = (
    Case("x = 1\n", "x = 2\n", path="services/event_bus/client.py", note="ordinary code"),
    Case("a\n", "b\n", path="docs/guardrails.md", note="docs that mention guardrails"),
    Case("a: 1\n", "a: 2\n", path="services/ranker/config.yaml", note="a service's own YAML"),
    Case(
        "kind: Component\n",
        "kind: API\n",
        path="examples/shop/catalog-info.yaml",
        note="a Backstage file the catalog does not read (another project's)",
    ),
)
