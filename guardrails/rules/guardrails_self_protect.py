"""guardrails.self-protect: the change edits what the gate itself reads.

A change that rewrites guardrails.yaml, a policy pack, CODEOWNERS, the pre-commit config or
the CI workflow that runs the gate can switch the gate off for itself. In --base mode the
config and policies are read from the base revision, and ``builtin:default`` turns this
finding into a requirement: the owners of those files must approve. A CI file counts only
when it runs guardrails (before or after the change): a dependabot bump of ``codeql.yml`` is
not the gate's file. ``protect:`` in guardrails.yaml adds paths.
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
from guardrails.changes import FileChange
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext

# (pattern, what it is) — fnmatch on the repository path; first match names the file.
_GUARDED = (
    *((loc, "CODEOWNERS (who must review what)") for loc in CODEOWNERS_LOCATIONS),
    # A pack sits directly in policies/; its fixture cases (policies/tests/...) are test data.
    ("policies/[!/]*.yaml", "a policy pack"),
    ("policies/[!/]*.yml", "a policy pack"),
)
# CI files are the gate's only when they run it.
# GitHub reads workflows only directly in .github/workflows/ and only as YAML: a Python
# package that lives below it (a workflow generator) is ordinary code.
_CI = (
    (".github/workflows/[!/]*.yml", "a CI workflow that runs guardrails"),
    (".github/workflows/[!/]*.yaml", "a CI workflow that runs guardrails"),
    (".gitlab-ci.yml", "the CI pipeline that runs guardrails"),
    (".ci/[!/]*", "the CI entry point that runs guardrails"),
    # Bumping ruff in a pre-commit config that never runs the gate is not the gate's business.
    (".pre-commit-config.yaml", "the pre-commit hooks that run guardrails"),
)
_RUNS_THE_GATE = "guardrails"


def _what(
    change: FileChange,
    path: str,
    config: str,
    packs: tuple[str, ...],
    declarations: frozenset[str],
    protect: tuple[str, ...],
) -> str | None:
    if path == config:
        return "the guardrails config"
    if path in packs:
        return "a policy pack this config uses"
    if path in declarations:  # a service file or Backstage entry the catalog really read
        return "a catalog declaration"
    found = next(
        (
            what
            for pattern, what in _GUARDED
            if fnmatchcase(path, pattern) and path.count("/") <= pattern.count("/")
        ),
        None,
    )
    if found:
        return found
    ci = next(
        (
            what
            for pattern, what in _CI
            if fnmatchcase(path, pattern) and path.count("/") <= pattern.count("/")
        ),
        None,
    )
    if ci and any(_RUNS_THE_GATE in (t or "") for t in (change.old_text, change.new_text)):
        return ci
    if any(_protected(path, p) for p in protect):
        return "a file `protect:` guards"
    return None


def _protected(path: str, pattern: str) -> bool:
    from guardrails.catalog.paths import compile_pattern

    regex = compile_pattern(pattern)
    return regex is not None and regex.match(path) is not None


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
                what = _what(change, path, config, packs, declarations, ctx.catalog.protect)
                if what is None:
                    continue
                verb = {"A": "adds", "D": "deletes", "R": "moves"}.get(change.status, "edits")
                yield Finding(
                    rule=self.id,
                    severity=self.default_severity,
                    # The protected side: `git mv CODEOWNERS docs/x` must ask the owners of
                    # CODEOWNERS, not those of docs/ (nobody, so anyone).
                    path=path,
                    line=None,
                    message=(
                        f"the change {verb} {what} ({path}), which decides how this gate "
                        "judges changes: its owners must review it"
                    ),
                    fix="land changes to the gate's own files in a separate change reviewed by "
                    "their owners, not together with the code they would let through",
                )
                break


GuardrailsSelfProtect.INVALID = (
    Case(
        "repos: [{repo: local, hooks: [{id: guardrails, entry: guardrails hook}]}]\n",
        "repos: []\n",
        path=".pre-commit-config.yaml",
        expect=(Expect(None, "warn", ("the pre-commit hooks that run guardrails",)),),
        note="taking the gate's hook out",
    ),
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
        "on: push\njobs: {gate: {steps: [{run: guardrails check --base origin/main}]}}\n",
        path=".github/workflows/gate.yml",
        expect=(Expect(None, "warn", ("adds a CI workflow that runs guardrails",)),),
    ),
    Case(
        "steps: [{run: guardrails check --base main}]\n",
        "steps: [{run: echo skipped}]\n",
        path=".github/workflows/gate.yml",
        expect=(Expect(None, "warn", ("edits a CI workflow that runs guardrails",)),),
        note="taking the gate out of a workflow is the gate's business too",
    ),
    Case(
        "name: x\n",
        None,
        path="policies/ranking.yaml",
        expect=(Expect(None, "warn", ("deletes a policy pack",)),),
    ),
)

GuardrailsSelfProtect.VALID = (
    Case(
        "repos: [{repo: https://github.com/astral-sh/ruff-pre-commit, rev: v0.6.0}]\n",
        "repos: [{repo: https://github.com/astral-sh/ruff-pre-commit, rev: v0.7.0}]\n",
        path=".pre-commit-config.yaml",
        note="a hook bump in a pre-commit config that does not run the gate",
    ),
    Case(
        "steps: [{uses: github/codeql-action/init@v3}]\n",
        "steps: [{uses: github/codeql-action/init@v4}]\n",
        path=".github/workflows/codeql.yml",
        note="a dependabot bump of a workflow that never runs the gate",
    ),
    Case("x = 1\n", "x = 2\n", path="services/event_bus/client.py", note="ordinary code"),
    Case("a\n", "b\n", path="docs/guardrails.md", note="docs that mention guardrails"),
    Case(
        None,
        "decision: block\n",
        path="policies/tests/default/shell/expected.yaml",
        note="a pack's fixture case is test data, not a pack",
    ),
    Case("a: 1\n", "a: 2\n", path="services/ranker/config.yaml", note="a service's own YAML"),
    Case(
        "def job():\n    return 'guardrails check'\n",
        "def job():\n    return 'guardrails check --base main'\n",
        path=".github/workflows/generate_workflows_lib/jobs.py",
        note="a Python package below .github/workflows/ is code, not a workflow GitHub runs",
    ),
    Case(
        "kind: Component\n",
        "kind: API\n",
        path="examples/shop/catalog-info.yaml",
        note="a Backstage file the catalog does not read (another project's)",
    ),
)
