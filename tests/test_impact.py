"""Graph semantics and blast radius on hand-built catalogs (no git needed)."""

from __future__ import annotations

import json
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrails.catalog.model import Catalog, Dependency, Origin, Resource, Service, Team
from guardrails.graph import DependencyGraph, Evidence, ImportDependency
from guardrails.impact import Touch, blast_radius, why
from guardrails.report import dot, json_out, mermaid, text
from guardrails.report.view import graph_view, impact_view


def svc(name: str, owner: str | None = None, tier: int = 2, **deps: list[str]) -> Service:
    dependencies = tuple(
        Dependency(target if ":" in target else f"service:{target}", kind, Origin("g.yaml", i + 1))
        for kind, targets in deps.items()
        for i, target in enumerate(targets)
    )
    return Service(name=name, owner=owner, tier=tier, dependencies=dependencies)


def catalog(
    *services: Service, resources: tuple[Resource, ...] = (), teams: tuple[str, ...] = ()
) -> Catalog:
    return Catalog(
        teams={t: Team(t) for t in teams},
        services={s.name: s for s in services},
        resources={r.id: r for r in resources},
        config_path="g.yaml",
    )


def radius(g: DependencyGraph, *changed: str, depth: int | None = None):  # type: ignore[no-untyped-def]
    return blast_radius(g, Touch({c: ("f.py",) for c in changed}), depth=depth)


def test_diamond_counts_each_node_once_with_smallest_path() -> None:
    # top -> left -> bottom, top -> right -> bottom
    g = DependencyGraph.build(
        catalog(
            svc("top", depends_on=["right", "left"]),
            svc("left", depends_on=["bottom"]),
            svc("right", depends_on=["bottom"]),
            svc("bottom"),
        )
    )
    impact = radius(g, "service:bottom")
    assert [(a.id, a.distance, a.path) for a in impact.affected] == [
        ("service:left", 1, ("service:left", "service:bottom")),
        ("service:right", 1, ("service:right", "service:bottom")),
        ("service:top", 2, ("service:top", "service:left", "service:bottom")),
    ]
    assert why(g, impact, "service:top") == [
        ("service:top", "service:left", "service:bottom"),
        ("service:top", "service:right", "service:bottom"),
    ]


def test_cycle_terminates_and_changed_nodes_are_not_affected() -> None:
    g = DependencyGraph.build(
        catalog(
            svc("a", depends_on=["b"]),
            svc("b", depends_on=["c"]),
            svc("c", depends_on=["a"]),
        )
    )
    impact = radius(g, "service:a")
    assert [c.id for c in impact.changed] == ["service:a"]
    assert [(a.id, a.distance) for a in impact.affected] == [("service:c", 1), ("service:b", 2)]


def test_topic_links_producer_to_consumer_and_teams_roll_up() -> None:
    g = DependencyGraph.build(
        catalog(
            svc("event-bus", owner="data-infra", tier=0, produces=["topic:user-events"]),
            svc("feature-store", owner="ranking", tier=1, consumes=["topic:user-events"]),
            svc("ranker", owner="ranking", tier=1, depends_on=["feature-store"]),
            svc("unrelated", owner="growth"),
            resources=(Resource("topic:user-events", owner="data-infra"),),
            teams=("data-infra", "ranking", "growth"),
        )
    )
    impact = radius(g, "service:event-bus")
    assert [(a.id, a.distance, a.owner) for a in impact.affected] == [
        ("topic:user-events", 1, "team:data-infra"),
        ("service:feature-store", 2, "team:ranking"),
        ("service:ranker", 3, "team:ranking"),
    ]
    assert impact.affected[-1].path == (
        "service:ranker",
        "service:feature-store",
        "topic:user-events",
        "service:event-bus",
    )
    assert impact.teams == ("team:data-infra", "team:ranking")
    assert impact.min_tier == 0
    # teams are never traversed: changing nothing but a team's node reaches nothing
    assert radius(g, "team:ranking").affected == ()


def test_depth_limits_the_radius() -> None:
    g = DependencyGraph.build(
        catalog(svc("a", depends_on=["b"]), svc("b", depends_on=["c"]), svc("c"))
    )
    assert [a.id for a in radius(g, "service:c", depth=1).affected] == ["service:b"]


def test_import_edges_carry_their_statement_as_evidence() -> None:
    ev = Evidence("import", "svc/a/x.py", 3, "from svc.b import api")
    g = DependencyGraph.build(catalog(svc("a"), svc("b")), [ImportDependency("a", "b", (ev,))])
    assert g.evidence("service:a", "service:b") == (ev,)
    impact = radius(g, "service:b")
    out = text.render_why("service:a", why(g, impact, "service:a"), g)
    assert "import at svc/a/x.py:3: from svc.b import api" in out


def test_json_matches_the_contract() -> None:
    g = DependencyGraph.build(
        catalog(
            svc("event-bus", owner="data-infra", tier=0),
            svc("ranker", owner="ranking", tier=1, depends_on=["event-bus"]),
            teams=("data-infra", "ranking"),
        )
    )
    impact = blast_radius(
        g,
        Touch(
            {"service:event-bus": ("services/event_bus/client.py",)}, unowned_files=("README.md",)
        ),
        base="a" * 40,
        head="b" * 40,
    )
    assert json.loads(json_out.render_impact(impact)) == {
        "schema": "guardrails.affected/v1",
        "base": "a" * 40,
        "head": "b" * 40,
        "changed": [
            {
                "id": "service:event-bus",
                "owner": "team:data-infra",
                "tier": 0,
                "files": ["services/event_bus/client.py"],
            }
        ],
        "affected": [
            {
                "id": "service:ranker",
                "owner": "team:ranking",
                "tier": 1,
                "distance": 1,
                "path": ["service:ranker", "service:event-bus"],
            }
        ],
        "teams": ["team:data-infra", "team:ranking"],
        "unowned_files": ["README.md"],
        "files": [],
    }


def test_pictures_and_text_show_every_node() -> None:
    g = DependencyGraph.build(
        catalog(svc("a", owner="t", depends_on=["b"]), svc("b"), teams=("t",))
    )
    impact = radius(g, "service:b")
    m = mermaid.render(impact_view(impact, g))
    assert m.startswith("flowchart LR") and "service:a" in m and "class " in m
    d = dot.render(impact_view(impact, g))
    assert '"service:a" -> "service:b"' in d
    t = text.render_impact(impact)
    assert all(len(line) <= 80 for line in t.splitlines())
    assert "service:a" in t and "team:t" in t
    full = graph_view(g, focus="service:b", depth=1)
    assert [n.id for n in full.nodes] == ["service:a", "service:b"]


# -- properties -------------------------------------------------------------------------------
NAMES = [f"s{i}" for i in range(8)]
edges_st = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), max_size=20)


def graph_of(edges: list[tuple[str, str]]) -> DependencyGraph:
    deps: dict[str, list[str]] = {n: [] for n in NAMES}
    for a, b in edges:
        if a != b and b not in deps[a]:
            deps[a].append(b)
    return DependencyGraph.build(catalog(*(svc(n, depends_on=deps[n]) for n in NAMES)))


@settings(max_examples=150, deadline=None)
@given(edges_st, st.sets(st.sampled_from(NAMES), min_size=1, max_size=3))
def test_every_path_is_a_real_chain_ending_at_a_changed_node(edges, changed) -> None:  # type: ignore[no-untyped-def]
    g = graph_of(edges)
    impact = radius(g, *(f"service:{c}" for c in changed))
    changed_ids = {c.id for c in impact.changed}
    for a in impact.affected:
        assert a.path[0] == a.id and a.path[-1] in changed_ids
        assert len(a.path) == a.distance + 1
        assert all(g.has_edge(s, d) for s, d in pairwise(a.path))
        assert a.id not in changed_ids


@settings(max_examples=150, deadline=None)
@given(edges_st, st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), st.sampled_from(NAMES))
def test_adding_an_edge_never_shrinks_the_affected_set(edges, extra, changed) -> None:  # type: ignore[no-untyped-def]
    before = {a.id for a in radius(graph_of(edges), f"service:{changed}").affected}
    after = {a.id for a in radius(graph_of([*edges, extra]), f"service:{changed}").affected}
    assert before <= after


@settings(max_examples=50, deadline=None)
@given(edges_st, st.sampled_from(NAMES))
def test_output_is_identical_across_runs_and_edge_orders(edges, changed) -> None:  # type: ignore[no-untyped-def]
    one = json_out.render_impact(radius(graph_of(edges), f"service:{changed}"))
    two = json_out.render_impact(radius(graph_of(list(reversed(edges))), f"service:{changed}"))
    assert one == two


def test_config_file_patterns_share_the_catalogs_gitignore_matching() -> None:
    from guardrails.filemap import glob_match

    assert glob_match("deploy/**/rollout.yaml", "deploy/event_bus/rollout.yaml")
    assert glob_match("deploy/**/rollout.yaml", "deploy/a/b/rollout.yaml")
    assert not glob_match("deploy/**/rollout.yaml", "other/deploy/x/rollout.yaml")
    assert glob_match("config/flags.json", "config/flags.json")
    assert not glob_match("deploy/[z-a]/rollout.yaml", "deploy/a/rollout.yaml")  # invalid: no match
