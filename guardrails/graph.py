"""The dependency graph: services, resources and teams, with the evidence for every edge.

Edges point from dependent to dependency (``A depends on B`` is ``A -> B``, like an import).
A producer is a dependency of its topic (``topic -> producer``); a consumer depends on the
topic (``consumer -> topic``). Ownership edges (``node -> team``, kind ``owned_by``) roll impact
up to teams and are never traversed for impact.

networkx is imported lazily: it costs ~170 ms and the pre-commit hook runs on every commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from guardrails.catalog.model import DEFAULT_TIER, Catalog, Dependency, Origin

if TYPE_CHECKING:
    import networkx as nx

OWNED_BY = "owned_by"
# Declared kinds, and the direction their edge takes relative to the declaring node.
_REVERSED_KINDS = {"produces", "provides_api"}  # target -> declaring node


class Evidence(NamedTuple):
    """Why an edge exists: a declaration or an import statement, located.

    A NamedTuple rather than a dataclass: a 100,000-edge catalog creates one per edge, and
    tuple construction is several times cheaper.
    """

    kind: str  # depends_on | consumes | produces | consumes_api | provides_api | import
    path: str
    line: int | None = None
    text: str | None = None  # the import statement, for explanations

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{self.kind} ({where}{': ' + self.text if self.text else ''})"

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.kind, self.path, self.line or 0, self.text or "")

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "path": self.path, "line": self.line, "text": self.text}


@dataclass(frozen=True)
class ImportDependency:
    """One service importing another, as found by import inference (guardrails.imports)."""

    source: str  # service name
    target: str  # service name
    evidence: tuple[Evidence, ...]


def node_type(node_id: str) -> str:
    return node_id.split(":", 1)[0]


def team_id(name: str | None) -> str | None:
    return None if name is None else f"team:{name}"


class DependencyGraph:
    """A networkx DiGraph plus the derived indexes impact queries need.

    Node attributes: ``type``, ``owner`` (team id or None), ``tier`` (int), ``declared``
    (an Origin string or None). Edge attributes: ``kind`` and ``evidence`` (a sorted tuple of
    :class:`Evidence`).
    """

    def __init__(self, g: nx.DiGraph) -> None:
        self.g = g
        self._reverse: dict[str, tuple[str, ...]] | None = None
        self._attrs: dict[str, tuple[Any, Any]] = {}
        self._forward: dict[str, tuple[str, ...]] | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        catalog: Catalog,
        imports: Iterable[ImportDependency] = (),
    ) -> DependencyGraph:
        import networkx as nx

        # Collect into plain dicts first and hand networkx everything in two bulk calls: the
        # per-edge add_edge path costs ~25 us an edge, too much at 100,000 edges.
        nodes: dict[str, dict[str, Any]] = {}
        edges: dict[tuple[str, str], list[Evidence]] = {}

        def node(node_id: str, owner: str | None, tier: int | None, origin: Origin | None) -> None:
            nodes[node_id] = {
                "type": node_type(node_id),
                "owner": team_id(owner),
                "tier": DEFAULT_TIER if tier is None else tier,
                "declared": None if origin is None else str(origin),
            }

        for team in catalog.teams.values():
            nodes[team.id] = {"type": "team", "owner": None, "tier": None,
                              "declared": None if team.origin is None else str(team.origin)}
        for svc in catalog.services.values():
            node(svc.id, svc.owner, svc.tier, svc.origin)
        for res in catalog.resources.values():
            node(res.id, res.owner, res.tier, res.origin)

        default_origin = Origin(catalog.config_path or "catalog")
        declarers: list[tuple[str, tuple[Dependency, ...]]] = [
            (s.id, s.dependencies) for s in catalog.services.values()
        ] + [(r.id, r.dependencies) for r in catalog.resources.values()]
        for declarer, deps in declarers:
            for dep in deps:
                origin = dep.origin or default_origin
                key = (dep.target, declarer) if dep.kind in _REVERSED_KINDS else (declarer, dep.target)
                edges.setdefault(key, []).append(Evidence(dep.kind, origin.path, origin.line))
        for imp in imports:
            edges.setdefault((f"service:{imp.source}", f"service:{imp.target}"), []).extend(imp.evidence)

        for src, dst in edges:
            for n in (src, dst):
                if n not in nodes:  # an implicit node: referenced, never declared
                    node(n, None, None, None)
        owned = [
            (n, attrs["owner"]) for n, attrs in nodes.items() if attrs["owner"] is not None
        ]
        for _, team in owned:
            if team not in nodes:
                nodes[team] = {"type": "team", "owner": None, "tier": None, "declared": None}

        g: nx.DiGraph = nx.DiGraph()
        g.add_nodes_from(nodes.items())
        g.add_edges_from(
            (src, dst, {"kind": ev[0].kind if len(ev) == 1 else min(ev).kind,
                        "evidence": tuple(ev) if len(ev) == 1 else tuple(sorted(set(ev), key=Evidence.sort_key))})
            for (src, dst), ev in edges.items()
        )
        g.add_edges_from((n, team, {"kind": OWNED_BY, "evidence": ()}) for n, team in owned)
        return cls(g)

    def union(self, other: DependencyGraph) -> DependencyGraph:
        """This graph with ``other``'s nodes and edges added (ours win on conflicts).

        Used in --base mode: deleted files are mapped through the base graph, and their
        dependents must still be reached even though the head graph no longer has the edges.
        """
        import networkx as nx

        return DependencyGraph(nx.compose(other.g, self.g))

    def ensure_node(self, node: str) -> None:
        """Add a node a change touches but no catalog declares (e.g. a new flag key)."""
        if node not in self.g:
            self.g.add_node(node, type=node_type(node), owner=None, tier=DEFAULT_TIER, declared=None)
            self._forward = self._reverse = None

    # -- indexes ------------------------------------------------------------------------
    def _build_indexes(self) -> None:
        self._attrs = {n: (a.get("owner"), a.get("tier")) for n, a in self.g.nodes(data=True)}
        fwd: dict[str, list[str]] = {n: [] for n in self.g}
        rev: dict[str, list[str]] = {n: [] for n in self.g}
        for src, dst, kind in self.g.edges(data="kind"):
            if kind == OWNED_BY:
                continue
            fwd[src].append(dst)
            rev[dst].append(src)
        self._forward = {n: tuple(sorted(v)) for n, v in fwd.items()}
        self._reverse = {n: tuple(sorted(v)) for n, v in rev.items()}

    @property
    def dependencies(self) -> Mapping[str, tuple[str, ...]]:
        """node -> the nodes it depends on, sorted; ownership edges excluded."""
        if self._forward is None:
            self._build_indexes()
        assert self._forward is not None
        return self._forward

    @property
    def dependents(self) -> Mapping[str, tuple[str, ...]]:
        """node -> the nodes that depend on it, sorted; ownership edges excluded."""
        if self._reverse is None:
            self._build_indexes()
        assert self._reverse is not None
        return self._reverse

    # -- queries ------------------------------------------------------------------------
    def __contains__(self, node: object) -> bool:
        return node in self.g

    def attrs(self, node: str) -> dict[str, Any]:
        return dict(self.g.nodes[node]) if node in self.g else {}

    def owner(self, node: str) -> str | None:
        if self._forward is None:
            self._build_indexes()
        owner = self._attrs.get(node, (None, None))[0]
        return owner if isinstance(owner, str) else None

    def tier(self, node: str) -> int | None:
        if self._forward is None:
            self._build_indexes()
        tier = self._attrs.get(node, (None, None))[1]
        return tier if isinstance(tier, int) else None

    def evidence(self, src: str, dst: str) -> tuple[Evidence, ...]:
        if not self.g.has_edge(src, dst):
            return ()
        ev: tuple[Evidence, ...] = self.g.edges[src, dst]["evidence"]
        return ev

    def nodes(self, types: Sequence[str] | None = None) -> list[str]:
        return sorted(n for n, t in self.g.nodes(data="type") if types is None or t in types)
