"""Blast-radius distances and explanation paths against a brute-force oracle (DESIGN §10).

Random small catalogs — services and resources, ``depends_on`` / ``consumes`` / ``produces``,
owners, cycles, references to undeclared nodes — go through the real catalog model and
``DependencyGraph.build``. The oracle never looks at the graph: it reads the declarations
(``A depends_on B`` and ``A consumes T`` are ``A -> B``/``A -> T``; ``P produces T`` is
``T -> P``), enumerates every simple path to a changed node, and keeps the shortest ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import example, given, settings
from hypothesis import strategies as st

from guardrails.catalog.model import Catalog, Dependency, Resource, Service, Team
from guardrails.graph import DependencyGraph
from guardrails.impact import MAX_WHY_PATHS, Touch, blast_radius, why

SERVICES = ("service:api", "service:b", "service:z")
# table:/topic: sort after service:, api: before it, so ties are broken across node types.
RESOURCES = ("api:search", "table:orders", "topic:events", "topic:users")
UNDECLARED = "flag:dark"  # only ever referenced: an implicit node
TEAMS = ("team:data", "team:web")
KINDS = ("depends_on", "consumes", "produces")

Declaration = tuple[str, str, str]  # (declarer, kind, target)


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[Catalog, list[Declaration]]:
    resources = draw(st.lists(st.sampled_from(RESOURCES), unique=True, max_size=len(RESOURCES)))
    declarers = [*SERVICES, *sorted(resources)]
    decls = draw(
        st.lists(
            st.tuples(
                st.sampled_from(declarers),
                st.sampled_from(KINDS),
                st.sampled_from([*SERVICES, *RESOURCES, UNDECLARED]),
            ),
            min_size=8,
            max_size=18,
        )
    )
    owners = st.none() | st.sampled_from([t.removeprefix("team:") for t in TEAMS])

    def deps(node: str) -> tuple[Dependency, ...]:
        return tuple(Dependency(target, kind) for d, kind, target in decls if d == node)

    catalog = Catalog(
        teams={t.removeprefix("team:"): Team(t.removeprefix("team:")) for t in TEAMS},
        services={
            s.removeprefix("service:"): Service(
                s.removeprefix("service:"), owner=draw(owners), dependencies=deps(s)
            )
            for s in SERVICES
        },
        resources={r: Resource(r, owner=draw(owners), dependencies=deps(r)) for r in resources},
        config_path="guardrails.yaml",
    )
    return catalog, decls


def oracle_edges(decls: list[Declaration]) -> dict[str, set[str]]:
    """node -> what it depends on, read off the declarations alone (owners play no part)."""
    out: dict[str, set[str]] = {}
    for d, kind, target in decls:
        src, dst = (target, d) if kind == "produces" else (d, target)
        out.setdefault(src, set()).add(dst)
    return out


def simple_paths_to(
    start: str, targets: set[str], edges: dict[str, set[str]]
) -> Iterator[tuple[str, ...]]:
    """Every simple path from ``start`` that ends at a node of ``targets``."""

    def walk(path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if path[-1] in targets:
            yield path
        for nxt in edges.get(path[-1], ()):
            if nxt not in path:
                yield from walk((*path, nxt))

    yield from walk((start,))


def all_nodes(catalog: Catalog, decls: list[Declaration]) -> set[str]:
    declared = {s.id for s in catalog.services.values()} | set(catalog.resources)
    return declared | {t.id for t in catalog.teams.values()} | {t for _, _, t in decls}


@settings(max_examples=250, deadline=None)
@given(
    catalogs(),
    st.sets(st.sampled_from([*SERVICES, *RESOURCES, UNDECLARED, *TEAMS]), min_size=1, max_size=3),
    st.none() | st.integers(min_value=1, max_value=3),
)
# A cycle through a topic: api -> topic:events -> b (producer) -> api. Changing api affects b
# at 2 hops and topic:events at 1; nothing loops.
@example(
    (
        Catalog(
            services={
                "api": Service("api", dependencies=(Dependency("topic:events", "consumes"),)),
                "b": Service(
                    "b",
                    dependencies=(
                        Dependency("topic:events", "produces"),
                        Dependency("service:api", "depends_on"),
                    ),
                ),
            },
            resources={"topic:events": Resource("topic:events")},
        ),
        [
            ("service:api", "consumes", "topic:events"),
            ("service:b", "produces", "topic:events"),
            ("service:b", "depends_on", "service:api"),
        ],
    ),
    {"service:api"},
    None,
)
# Two shortest paths from z to the changed table, through a topic and through a service:
# the explanation takes "service:b" (it sorts before "topic:users"), why() lists both.
@example(
    (
        Catalog(
            services={
                "z": Service(
                    "z",
                    dependencies=(
                        Dependency("topic:users", "consumes"),
                        Dependency("service:b", "depends_on"),
                    ),
                ),
                "b": Service("b", dependencies=(Dependency("table:orders", "depends_on"),)),
            },
            resources={
                "topic:users": Resource(
                    "topic:users", dependencies=(Dependency("table:orders", "depends_on"),)
                ),
                "table:orders": Resource("table:orders", owner="data"),
            },
            teams={"data": Team("data")},
        ),
        [
            ("service:z", "consumes", "topic:users"),
            ("service:z", "depends_on", "service:b"),
            ("service:b", "depends_on", "table:orders"),
            ("topic:users", "depends_on", "table:orders"),
        ],
    ),
    {"table:orders"},
    None,
)
def test_distance_path_and_why_match_brute_force(
    built: tuple[Catalog, list[Declaration]], changed: set[str], depth: int | None
) -> None:
    catalog, decls = built
    graph = DependencyGraph.build(catalog)
    nodes = all_nodes(catalog, decls)
    assert set(graph.nodes()) == nodes

    impact = blast_radius(graph, Touch({c: ("f.py",) for c in changed}), depth=depth)
    sources = changed & nodes  # a touched id no catalog knows is not in the graph
    assert [c.id for c in impact.changed] == sorted(sources)

    edges = oracle_edges(decls)
    shortest: dict[str, list[tuple[str, ...]]] = {}
    for node in sorted(nodes - sources):
        paths = list(simple_paths_to(node, sources, edges))
        if not paths:
            continue
        d = min(len(p) for p in paths)
        if depth is None or d - 1 <= depth:
            shortest[node] = sorted(p for p in paths if len(p) == d)

    got = {a.id: a for a in impact.affected}
    assert sorted(got) == sorted(shortest), "affected set"
    assert [a.id for a in impact.affected] == sorted(got, key=lambda n: (got[n].distance, n))
    for node, paths in shortest.items():
        a = got[node]
        assert a.distance == len(paths[0]) - 1, node
        assert a.path == min(paths), node  # DESIGN §10: lexicographically smallest
        assert why(graph, impact, node) == paths[:MAX_WHY_PATHS], node
    for node in sorted(nodes - set(shortest) - sources):
        assert why(graph, impact, node) == [], node
    for node in sources:
        assert why(graph, impact, node) == [(node,)]
