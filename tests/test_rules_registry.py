"""Rule registry: built-ins, entry-point plugins (lazy), and failures that stop the gate."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

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
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Install a real distribution (a dist-info on sys.path) whose entry points are given."""
    dist = tmp_path / "acme_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugins\nVersion: 1.0\n")

    def install(*lines: str) -> None:
        (dist / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        registry.all_rules.cache_clear()

    monkeypatch.syspath_prepend(str(tmp_path))
    registry.all_rules.cache_clear()
    yield install
    registry.all_rules.cache_clear()


def test_plugins_load_from_the_entry_point_group_and_run(plugins: Callable[..., None]) -> None:
    plugins(
        "[guardrails.rules]",
        f"no-print = {__name__}:Plugin",
        "[other.group]",
        f"ignored = {__name__}:Crashing",
    )
    rules = registry.all_rules()
    assert "acme.no-print" in [r.id for r in rules] and "acme.crash" not in [r.id for r in rules]
    ctx = context([file_change("", "print(1)\n", "svc/a.py")])
    assert [(f.rule, f.line) for f in run_rules(ctx)] == [("acme.no-print", 1)]


def test_broken_and_duplicate_plugins_are_errors(plugins: Callable[..., None]) -> None:
    plugins("[guardrails.rules]", "broken = no_such_module_xyz:Rule")
    with pytest.raises(
        GuardrailsError, match="rule plugin broken = no_such_module_xyz:Rule failed to load"
    ):
        registry.all_rules()
    plugins("[guardrails.rules]", "dup = guardrails.rules.safety_shell:SafetyShell")
    with pytest.raises(GuardrailsError, match="two rules share the id safety.shell"):
        registry.all_rules()


def test_no_plugin_installed_is_answered_without_importlib_metadata(
    plugins: Callable[..., None],
) -> None:
    # The hook's common case: no distribution declares the group, so the ~25 ms import of
    # importlib.metadata is skipped; one that does (even among other groups) is found.
    plugins("[console_scripts]", "acme = acme:main")
    assert registry._may_provide("guardrails.rules") is False
    assert registry.plugin_rules() == ()
    plugins("[console_scripts]", "acme = acme:main", "[guardrails.rules]", "x = acme:X")
    assert registry._may_provide("guardrails.rules") is True
    code = (
        "import sys\n"
        "from guardrails.rules.registry import all_rules\n"
        "assert all_rules()\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"


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


def test_eggs_and_other_finders_are_not_missed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unpacked egg on sys.path keeps its metadata in EGG-INFO; a distutils .egg-info
    # *file* declares no entry points; a finder of distributions other than the path finder
    # may supply anything: only importlib.metadata can say.
    egg = tmp_path / "acme-1.0-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n")
    (tmp_path / "old-1.0.egg-info").write_text("Metadata-Version: 1.0\nName: old\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert registry._may_provide("guardrails.rules") is False
    (egg / "EGG-INFO" / "entry_points.txt").write_text("[guardrails.rules]\nx = acme:X\n")
    monkeypatch.syspath_prepend(str(egg))
    assert registry._may_provide("guardrails.rules") is True
    import importlib.metadata

    assert [e.name for e in importlib.metadata.entry_points(group="guardrails.rules")] == ["x"]
    (egg / "EGG-INFO" / "entry_points.txt").unlink()
    assert registry._may_provide("guardrails.rules") is False

    class Finder:
        @staticmethod
        def find_distributions(*_: object, **__: object) -> list[object]:
            return []

        @staticmethod
        def find_spec(*_: object, **__: object) -> None:
            return None

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert registry._may_provide("guardrails.rules") is True
