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
from typing import TYPE_CHECKING, Any

from guardrails.catalog.model import DEFAULT_TIER, Catalog, Dependency, Origin

if TYPE_CHECKING:
    import networkx as nx

OWNED_BY = "owned_by"
# Declared kinds, and the direction their edge takes relative to the declaring node.
_REVERSED_KINDS = {"produces", "provides_api"}  # target -> declaring node


@dataclass(frozen=True, order=True)
class Evidence:
    """Why an edge exists: a declaration or an import statement, located."""

    kind: str  # depends_on | consumes | produces | consumes_api | provides_api | import | owned_by
    path: str
    line: int | None = None
    text: str | None = None  # the import statement, for explanations

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{self.kind} ({where}{': ' + self.text if self.text else ''})"

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
        self._forward: dict[str, tuple[str, ...]] | None = None

    # -- construction -------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        catalog: Catalog,
        imports: Iterable[ImportDependency] = (),
    ) -> DependencyGraph:
        import networkx as nx

        g: nx.DiGraph = nx.DiGraph()

        def add_node(node: str, owner: str | None, tier: int | None, origin: Origin | None) -> None:
            g.add_node(
                node,
                type=node_type(node),
                owner=team_id(owner),
                tier=DEFAULT_TIER if tier is None else tier,
                declared=None if origin is None else str(origin),
            )

        def add_edge(src: str, dst: str, ev: Evidence) -> None:
            for node in (src, dst):
                if node not in g:  # an implicit node: referenced, never declared
                    add_node(node, None, None, None)
            if g.has_edge(src, dst):
                data = g.edges[src, dst]
                data["evidence"] = tuple(sorted({*data["evidence"], ev}))
            else:
                g.add_edge(src, dst, kind=ev.kind, evidence=(ev,))

        for team in catalog.teams.values():
            g.add_node(team.id, type="team", owner=None, tier=None,
                       declared=None if team.origin is None else str(team.origin))
        for svc in catalog.services.values():
            add_node(svc.id, svc.owner, svc.tier, svc.origin)
        for res in catalog.resources.values():
            add_node(res.id, res.owner, res.tier, res.origin)

        declarers: list[tuple[str, tuple[Dependency, ...]]] = [
            (s.id, s.dependencies) for s in catalog.services.values()
        ] + [(r.id, r.dependencies) for r in catalog.resources.values()]
        for node, deps in declarers:
            for dep in deps:
                origin = dep.origin or Origin(catalog.config_path or "catalog")
                ev = Evidence(dep.kind, origin.path, origin.line)
                if dep.kind in _REVERSED_KINDS:
                    add_edge(dep.target, node, ev)
                else:
                    add_edge(node, dep.target, ev)

        for imp in imports:
            for ev in imp.evidence:
                add_edge(f"service:{imp.source}", f"service:{imp.target}", ev)

        # Ownership last, so implicit nodes created above are already there.
        for node, data in list(g.nodes(data=True)):
            owner = data.get("owner")
            if owner is not None:
                if owner not in g:
                    g.add_node(owner, type="team", owner=None, tier=None, declared=None)
                g.add_edge(node, owner, kind=OWNED_BY, evidence=())
        return cls(g)

    def union(self, other: DependencyGraph) -> DependencyGraph:
        """This graph with ``other``'s nodes and edges added (ours win on conflicts).

        Used in --base mode: deleted files are mapped through the base graph, and their
        dependents must still be reached even though the head graph no longer has the edges.
        """
        import networkx as nx

        return DependencyGraph(nx.compose(other.g, self.g))

    # -- indexes ------------------------------------------------------------------------
    def _build_indexes(self) -> None:
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
        owner = self.g.nodes[node].get("owner") if node in self.g else None
        return owner if isinstance(owner, str) else None

    def tier(self, node: str) -> int | None:
        tier = self.g.nodes[node].get("tier") if node in self.g else None
        return tier if isinstance(tier, int) else None

    def evidence(self, src: str, dst: str) -> tuple[Evidence, ...]:
        if not self.g.has_edge(src, dst):
            return ()
        ev: tuple[Evidence, ...] = self.g.edges[src, dst]["evidence"]
        return ev

    def nodes(self, types: Sequence[str] | None = None) -> list[str]:
        return sorted(n for n, t in self.g.nodes(data="type") if types is None or t in types)
