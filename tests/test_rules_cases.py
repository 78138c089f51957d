"""Every rule's own VALID/INVALID cases, run through run_rules (suppressions included)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import pytest

from guardrails.authors import Authorship
from guardrails.catalog.model import (
    Catalog,
    Dependency,
    FileSource,
    Limits,
    Member,
    Resource,
    Service,
    StepLimits,
    Team,
)
from guardrails.changes import ADDED, DELETED, MODIFIED, ChangeSet, FileChange, LineRange, Person
from guardrails.findings import Finding
from guardrails.policy.approvals import Review
from guardrails.policy.approvals import judge as judge_reviews
from guardrails.rules.base import Case, Expect, Rule, RuleContext, Site
from guardrails.rules.registry import builtin_rules
from guardrails.rules.run import run_rules

SERVICES = {
    "event-bus": ("data-infra", "services/event_bus/"),
    "event-archive": ("data-infra", "services/event_archive/"),
    "ranker": ("ranking", "services/ranker/"),
    "feature-store": ("ranking", "services/feature_store/"),
    "growth-app": ("growth", "apps/growth/"),
    "platform-tools": ("platform", "apps/platform/"),
}

TIERS = {"event-bus": 0, "ranker": 1}

WORLD = Catalog(
    teams={
        **{
            t: Team(t, members=(Member(login),))
            for t, login in (("data-infra", "emma"), ("ranking", "li"), ("growth", "mia"))
        },
        # A team known only by its handle (zero-config): nobody knows who is in it.
        "platform": Team("platform", handles=("@acme/platform",)),
    },
    services={
        name: Service(
            name,
            owner=owner,
            paths=(prefix + "**",),
            dependencies=(
                (Dependency("topic:user-events", "consumes"),)
                if name in ("feature-store", "ranker")
                else ()
            ),
            public=("services.ranker.handlers",) if name == "ranker" else (),
            tier=TIERS.get(name, 2),
        )
        for name, (owner, prefix) in SERVICES.items()
    },
    resources={
        "topic:user-events": Resource(
            "topic:user-events",
            owner="data-infra",
            schema="services/event_bus/schemas.py::UserEvent",
        ),
    },
    rollouts=(
        FileSource("deploy/**/rollout.yaml", "guardrails"),
        FileSource("deploy/*/argo/*.yaml", "argo-rollout"),
        FileSource("deploy/*/flagger/*.yaml", "flagger"),
        FileSource("deploy/*/k8s/*.yaml", "kubernetes"),
    ),
    flags=(
        FileSource("config/flags.json", "flagd", owner="ranking"),
        FileSource("config/unowned-flags.json", "flagd"),
        FileSource("config/flags.yaml", "yaml"),
        FileSource("services/*/flags.py", "python-constants", owner="ranking"),
        FileSource("services/*/flag_defs.py", "absl"),
    ),
    # event-bus (tier 0) takes smaller steps than the defaults; ranker starts bigger.
    limits=Limits(
        StepLimits(),
        tiers=((0, (("first_weight", 5.0), ("max_step", 10.0))),),
        services=(("ranker", (("first_weight", 20.0),)),),
    ),
    config_path="guardrails.yaml",
)


def service_of(path: str) -> str | None:
    return next((n for n, (_, prefix) in SERVICES.items() if path.startswith(prefix)), None)


class FakeImports:
    def __init__(self, sites: Sequence[Site]) -> None:
        self.sites = tuple(sites)

    def module_of(self, path: str) -> str | None:
        stem = path.rsplit(".", 1)[0]
        if stem.endswith("/__init__"):
            stem = stem[: -len("/__init__")]
        return stem.replace("/", ".")

    def importers_of(self, module: str) -> Sequence[Site]:
        return tuple(
            s
            for s in self.sites
            if s.module == module or any(f"{s.module}.{n}" == module for n in s.names)
        )

    def imports_of(self, path: str) -> Sequence[Site]:
        return tuple(s for s in self.sites if s.src_path == path)

    def base_importers_of(self, module: str) -> Sequence[Site]:
        return ()


def line_ranges(lines: list[int]) -> tuple[LineRange, ...]:
    out: list[LineRange] = []
    for n in sorted(lines):
        if out and out[-1].end == n - 1:
            out[-1] = LineRange(out[-1].start, n)
        else:
            out.append(LineRange(n, n))
    return tuple(out)


def file_change(
    before: str | bytes | None,
    after: str | bytes | None,
    path: str = "services/event_bus/client.py",
) -> FileChange:
    """A FileChange as git would report it, with added/removed lines from difflib."""
    old = before.encode() if isinstance(before, str) else before
    new = after.encode() if isinstance(after, str) else after
    a = old.splitlines(keepends=True) if old is not None else []
    b = new.splitlines(keepends=True) if new is not None else []
    added: list[int] = []
    removed: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            added.extend(range(j1 + 1, j2 + 1))
        if tag in ("replace", "delete"):
            removed.extend(range(i1 + 1, i2 + 1))
    status = ADDED if old is None else DELETED if new is None else MODIFIED
    return FileChange(
        status=status,
        old_path=path if old is not None else None,
        new_path=path if new is not None else None,
        added_lines=line_ranges(added),
        removed_lines=line_ranges(removed),
        old_data=old,
        new_data=new,
    )


def context(
    changes: Sequence[FileChange],
    sites: Sequence[Site] = (),
    case: Case | None = None,
    *,
    ownership: bool = False,
) -> RuleContext:
    cs = ChangeSet("patch", None, None, tuple(sorted(changes, key=lambda c: c.path)))
    ctx = RuleContext(cs, WORLD, service_of, FakeImports(sites))
    if case is not None and case.author is not None:
        # Ownership is known: the author (a login, as teams.members lists it), the owners of
        # a path (its service's team), and the approvals of the head.
        people = (Person(case.author, f"{case.author}@acme.dev"),)
        ctx.author = Authorship("human", (), people)
        ctx.approvals = judge_reviews(
            [Review(login, "APPROVED", None, "file") for login in case.approvers],
            head=None,
            people=people,
            agents=WORLD.agents,
            teams=WORLD.teams,
        )
    if ownership:
        ctx.owners_of_path = owners_of_path
    return ctx


def owners_of_path(path: str) -> tuple[str, ...]:
    name = service_of(path)
    if name is None and path.startswith("tools/"):
        return ("user:sam",)  # a CODEOWNERS person in no team: `/tools/ @sam`
    return (f"team:{SERVICES[name][0]}",) if name else ()


def run_case(rule: Rule, case: Case) -> list[Finding]:
    ctx = context(
        [file_change(case.before, case.after, case.path)],
        case.importers,
        case,
        ownership=rule.id.startswith("ownership."),
    )
    ctx.source = dict(case.sources).get
    return run_rules(ctx, [rule])


def assert_matches(
    found: list[Finding], expected: Sequence[Expect], default_path: str, rule: str
) -> None:
    shown = "\n".join(f"  {f.rule} {f.severity} {f.path}:{f.line} {f.message}" for f in found)
    assert len(found) == len(expected), f"expected {len(expected)} findings, got:\n{shown}"
    ordered = sorted(expected, key=lambda e: (e.path or default_path, e.line or 0))
    for f, e in zip(found, ordered, strict=True):
        assert (f.rule, f.path, f.line, f.severity) == (
            rule,
            e.path or default_path,
            e.line,
            e.severity,
        ), shown
        for part in e.message:
            assert part in f.message, f"{part!r} not in {f.message!r}"
        if e.related is not None:
            assert [f"{r.path}:{r.line}" for r in f.related] == list(e.related)
        assert f.fix, f"{f.rule} finding has no fix hint"


RULES = builtin_rules()
CASES = [
    pytest.param(rule, case, kind, id=f"{rule.id}-{kind}-{i}")
    for rule in RULES
    for kind, cases in (("invalid", rule.INVALID), ("valid", rule.VALID))
    for i, case in enumerate(cases)
]


@pytest.mark.parametrize(("rule", "case", "kind"), CASES)
def test_rule_case(rule: Rule, case: Case, kind: str) -> None:
    found = run_case(rule, case)
    if kind == "valid":
        assert found == [], f"near-miss ({case.note}) reported: {[f.message for f in found]}"
    else:
        assert_matches(found, case.expect, case.path, rule.id)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_carries_enough_cases(rule: Rule) -> None:
    assert len(rule.INVALID) >= 3 and len(rule.VALID) >= 3
    assert all(c.expect for c in rule.INVALID) and not any(c.expect for c in rule.VALID)


def test_rule_ids_are_unique_and_sorted() -> None:
    from guardrails.rules.registry import all_rules

    ids = [r.id for r in all_rules()]
    assert ids == sorted(set(ids))
    assert {
        "api.breaking-change",
        "data.schema-break",
        "graph.private-import",
        "parse.error",
    } <= set(ids)
    assert {i for i in ids if i.startswith(("rollout.", "flags."))} == {
        "rollout.stage-skip",
        "rollout.step-too-large",
        "flags.default-flip",
        "flags.rollout-jump",
        "flags.reused-key",
        "flags.new-flag-unsafe",
    }
    assert {i for i in ids if i.startswith("safety.")} == {
        "safety.shell",
        "safety.os-system",
        "safety.eval",
        "safety.pickle",
        "safety.yaml-load",
        "safety.tls-verify-off",
        "safety.no-timeout",
        "safety.secret",
        "safety.swallowed-exception",
    }
