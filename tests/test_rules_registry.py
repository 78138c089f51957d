"""Rule registry: built-ins, entry-point plugins (lazy), and failures that stop the gate."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint

import pytest

from guardrails.errors import GuardrailsError
from guardrails.findings import Finding
from guardrails.rules import registry
from guardrails.rules.base import Rule, RuleContext
from guardrails.rules.registry import builtin_rules
from guardrails.rules.run import run_rules
from tests.test_rules_cases import context, file_change


class Plugin(Rule):
    id = "acme.no-print"
    default_severity = "warn"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            for call in diff.calls:
                if call.name == "print":
                    yield self.finding(change.path, call.line, "print added", "use logging")


class Crashing(Rule):
    id = "acme.crash"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        raise KeyError("boom")


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EntryPoint]]:
    eps: list[EntryPoint] = []
    monkeypatch.setattr(
        registry, "entry_points", lambda group: [e for e in eps if e.group == group]
    )
    registry.all_rules.cache_clear()
    yield eps
    registry.all_rules.cache_clear()


def test_plugins_load_from_the_entry_point_group_and_run(plugins: list[EntryPoint]) -> None:
    plugins.append(EntryPoint("no-print", f"{__name__}:Plugin", "guardrails.rules"))
    plugins.append(EntryPoint("ignored", f"{__name__}:Crashing", "other.group"))
    rules = registry.all_rules()
    assert "acme.no-print" in [r.id for r in rules] and "acme.crash" not in [r.id for r in rules]
    ctx = context([file_change("", "print(1)\n", "svc/a.py")])
    assert [(f.rule, f.line) for f in run_rules(ctx)] == [("acme.no-print", 1)]


def test_broken_and_duplicate_plugins_are_errors(plugins: list[EntryPoint]) -> None:
    plugins.append(EntryPoint("broken", "no_such_module_xyz:Rule", "guardrails.rules"))
    with pytest.raises(
        GuardrailsError, match="rule plugin broken = no_such_module_xyz:Rule failed to load"
    ):
        registry.all_rules()
    plugins[:] = [
        EntryPoint("dup", "guardrails.rules.safety_shell:SafetyShell", "guardrails.rules")
    ]
    registry.all_rules.cache_clear()
    with pytest.raises(GuardrailsError, match="two rules share the id safety.shell"):
        registry.all_rules()


def test_a_crashing_rule_stops_the_run_naming_the_rule() -> None:
    ctx = context([file_change("", "x = 1\n", "svc/a.py")])
    with pytest.raises(GuardrailsError, match="rule acme.crash failed: KeyError"):
        run_rules(ctx, [Crashing()])


def test_semantic_diffs_are_computed_once_per_file() -> None:
    ctx = context([file_change("", "x = 1\n", "svc/a.py")])
    first = [d for _, d in ctx.python_changes()]
    second = [d for _, d in ctx.python_changes()]
    assert len(first) == 1 and first[0] is second[0]


def test_edge_index_over_import_graph_edges() -> None:
    from guardrails.rules.base import EdgeIndex, Site

    edges = [
        Site(
            "services/ranker/app.py",
            3,
            "services.event_bus.client",
            ("publish",),
            "services/event_bus/client.py",
        ),
        # how guardrails.imports records `from services.event_bus import client`
        Site(
            "apps/growth/main.py",
            5,
            "services.event_bus.client",
            ("client",),
            "services/event_bus/client.py",
        ),
        Site(
            "services/ranker/app.py",
            4,
            "services.event_bus",
            ("Event",),
            "services/event_bus/__init__.py",
        ),
    ]
    index = EdgeIndex(edges)
    assert index.module_of("services/event_bus/client.py") == "services.event_bus.client"
    assert index.module_of("services/event_bus/__init__.py") == "services.event_bus"
    assert index.module_of("services/nobody.py") is None
    assert [e.line for e in index.imports_of("services/ranker/app.py")] == [3, 4]
    assert [e.src_path for e in index.importers_of("services.event_bus.client")] == [
        "services/ranker/app.py",
        "apps/growth/main.py",
    ]
    api = next(r for r in builtin_rules() if r.id == "api.breaking-change")
    ctx = context(
        [
            file_change(
                "def publish(t):\n    pass\n\ndef other():\n    pass\n", "def other():\n    pass\n"
            )
        ]
    )
    ctx.imports = index
    (f,) = run_rules(ctx, [api])
    assert (f.line, f.severity) == (1, "block")
    assert [(r.path, r.line, r.node) for r in f.related] == [
        ("apps/growth/main.py", 5, "service:growth-app"),
        ("services/ranker/app.py", 3, "service:ranker"),
    ]
