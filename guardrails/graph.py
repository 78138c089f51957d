"""The dependency graph: services, resources and teams, with the evidence for every edge.

Edges point from dependent to dependency (``A depends on B`` is ``A -> B``, like an import).
A producer is a dependency of its topic (``topic -> producer``); a consumer depends on the
topic (``consumer -> topic``). Ownership edges (``node -> team``, kind ``owned_by``) roll impact
up to teams and are never traversed for impact.

The graph is held in plain dicts, built in one pass: at 10,000 services and 100,000 edges
networkx's per-edge bookkeeping cost more than everything else in a load, and importing it
costs ~170 ms on every pre-commit run. :meth:`DependencyGraph.to_networkx` materialises a
networkx DiGraph (same nodes, edges and attributes) for exports and graph algorithms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from guardrails.catalog.model import DEFAULT_TIER, Catalog, Dependency, Origin

if TYPE_CHECKING:
    import networkx as nx

OWNED_BY = "owned_by"
READS_FLAG = "reads_flag"  # service -> flag: the service's code reads the flag (guardrails.flags)
# Declared kinds whose edge runs from the target to the declaring node.
_REVERSED_KINDS = {"produces", "provides_api"}


class Evidence(NamedTuple):
    """Why an edge exists: a declaration or an import statement, located."""

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


# What an edge remembers: Evidence, or the catalog's own Dependency record, turned into
# Evidence only when someone asks (most of 100,000 edges are never explained).
_Source = Evidence | Dependency


class ImportDependency(msgspec.Struct, frozen=True):
    """One service importing another, as found by import inference (guardrails.imports)."""

    source: str  # service name
    target: str  # service name
    evidence: tuple[Evidence, ...]


def node_type(node_id: str) -> str:
    return node_id.partition(":")[0]


def team_id(name: str | None) -> str | None:
    """``team:<name>``; a person owner (``user:<login>``, from CODEOWNERS) stays as is."""
    if name is None or name.startswith("user:"):
        return name
    return f"team:{name}"


def _node(
    node_id: str, owner: str | None, tier: int | None, origin: Origin | None
) -> dict[str, Any]:
    return {
        "type": node_type(node_id),
        "owner": team_id(owner),
        "tier": DEFAULT_TIER if tier is None else tier,
        "declared": None if origin is None else str(origin),
    }


def _team(origin: Origin | None = None) -> dict[str, Any]:
    return {
        "type": "team",
        "owner": None,
        "tier": None,
        "declared": None if origin is None else str(origin),
    }


class DependencyGraph:
    """Typed nodes with attributes (``type``, ``owner`` team id, ``tier``, ``declared``) and
    edges with a ``kind`` and their evidence."""

    def __init__(
        self,
        nodes: dict[str, dict[str, Any]],
        edges: dict[tuple[str, str], list[_Source]],
        default_path: str = "catalog",
    ) -> None:
        self._nodes = nodes
        self._edges = edges
        self._default_path = default_path
        self._reindex()

    def _reindex(self) -> None:
        fwd: dict[str, list[str]] = {n: [] for n in self._nodes}
        rev: dict[str, list[str]] = {n: [] for n in self._nodes}
        for src, dst in self._edges:
            fwd[src].append(dst)
            rev[dst].append(src)
        for adjacency in (fwd, rev):
            for targets in adjacency.values():
                targets.sort()
        self._forward = fwd
        self._reverse = rev

    # -- construction -------------------------------------------------------------------
    @classmethod
    def build(cls, catalog: Catalog, imports: Iterable[ImportDependency] = ()) -> DependencyGraph:
        nodes: dict[str, dict[str, Any]] = {}
        edges: dict[tuple[str, str], list[_Source]] = {}
        for team in catalog.teams.values():
            nodes[team.id] = _team(team.origin)
        for svc in catalog.services.values():
            nodes[svc.id] = _node(svc.id, svc.owner, svc.tier, svc.origin)
        for res in catalog.resources.values():
            nodes[res.id] = _node(res.id, res.owner, res.tier, res.origin)
        for attrs in list(nodes.values()):
            owner = attrs["owner"]
            if owner is not None and owner.startswith("user:") and owner not in nodes:
                # A person CODEOWNERS names as owner: a node like a team, never traversed.
                nodes[owner] = {**_team(), "type": "user"}

        for declarer, deps in [
            *((s.id, s.dependencies) for s in catalog.services.values()),
            *((r.id, r.dependencies) for r in catalog.resources.values()),
        ]:
            for dep in deps:
                key = (
                    (dep.target, declarer)
                    if dep.kind in _REVERSED_KINDS
                    else (declarer, dep.target)
                )
                edges.setdefault(key, []).append(dep)
        for imp in imports:
            edges.setdefault((f"service:{imp.source}", f"service:{imp.target}"), []).extend(
                imp.evidence
            )

        for src, dst in list(edges):
            for n in (src, dst):
                if n not in nodes:  # an implicit node: referenced, never declared
                    nodes[n] = _node(n, None, None, None)
        graph = cls(nodes, edges, catalog.config_path or "catalog")
        return graph

    def ensure_node(self, node: str, *, owner: str | None = None) -> None:
        """Add a node a change touches but no catalog declares (e.g. a new flag key)."""
        if node not in self._nodes:
            self._nodes[node] = _node(node, None, None, None)
            self._nodes[node]["owner"] = owner
            self._forward[node] = []
            self._reverse[node] = []

    def extend(
        self,
        nodes: Mapping[str, tuple[str | None, Origin | None]],
        edges: Iterable[tuple[str, str, Evidence]],
    ) -> None:
        """Add nodes found outside the catalog (flag keys in flag files, owner team name and
        origin) and evidenced edges (flag reads). A declared node keeps its attributes; an
        ownerless one takes the given owner."""
        for node, (owner, origin) in nodes.items():
            attrs = self._nodes.get(node)
            if attrs is None:
                self._nodes[node] = _node(node, owner, None, origin)
            elif attrs["owner"] is None and owner is not None:
                attrs["owner"] = team_id(owner)
        for src, dst, ev in edges:
            for n in (src, dst):
                if n not in self._nodes:
                    self._nodes[n] = _node(n, None, None, None)
            self._edges.setdefault((src, dst), []).append(ev)
        self._reindex()

    def union(self, other: DependencyGraph) -> DependencyGraph:
        """This graph with ``other``'s nodes and edges added (our attributes win).

        Used in --base mode: deleted files are mapped through the base graph, and their
        dependents must still be reached even though the head graph no longer has the edges.
        """
        nodes = {**other._nodes, **self._nodes}
        edges: dict[tuple[str, str], list[_Source]] = {k: list(v) for k, v in other._edges.items()}
        for key, sources in self._edges.items():
            edges[key] = list(sources)  # ours win: the head's evidence for an edge both have
        return DependencyGraph(nodes, edges, self._default_path)

    def keeping_tiers(self, tiers: Mapping[str, int]) -> DependencyGraph:
        """This graph with no node less critical than ``tiers`` says.

        In --base mode ``tiers`` are the base catalog's: a change that deletes `tier: 0` (or
        raises the number) in its own guardrails.yaml still reaches a tier-0 node.
        """
        lowered = {
            n: t
            for n, t in tiers.items()
            if n in self._nodes
            and self._nodes[n]["tier"] is not None
            and t < self._nodes[n]["tier"]
        }
        if not lowered:
            return self
        nodes = {
            n: {**a, "tier": lowered[n]} if n in lowered else a for n, a in self._nodes.items()
        }
        edges = {k: list(v) for k, v in self._edges.items()}
        return DependencyGraph(nodes, edges, self._default_path)

    # -- queries ------------------------------------------------------------------------
    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def nodes(self, types: Iterable[str] | None = None) -> list[str]:
        wanted = None if types is None else set(types)
        return sorted(n for n, a in self._nodes.items() if wanted is None or a["type"] in wanted)

    def attrs(self, node: str) -> dict[str, Any]:
        return dict(self._nodes.get(node, {}))

    def owner(self, node: str) -> str | None:
        attrs = self._nodes.get(node)
        return None if attrs is None else attrs["owner"]

    def tier(self, node: str) -> int | None:
        attrs = self._nodes.get(node)
        return None if attrs is None else attrs["tier"]

    @property
    def dependencies(self) -> Mapping[str, list[str]]:
        """node -> the nodes it depends on, sorted; ownership is not a dependency."""
        return self._forward

    @property
    def dependents(self) -> Mapping[str, list[str]]:
        """node -> the nodes that depend on it, sorted."""
        return self._reverse

    def has_edge(self, src: str, dst: str) -> bool:
        return (src, dst) in self._edges or (
            dst.startswith(("team:", "user:")) and self.owner(src) == dst
        )

    def edge_kind(self, src: str, dst: str) -> str | None:
        if (src, dst) in self._edges:
            return self.evidence(src, dst)[0].kind
        owned = dst.startswith(("team:", "user:")) and self.owner(src) == dst
        return OWNED_BY if owned else None

    def evidence(self, src: str, dst: str) -> tuple[Evidence, ...]:
        sources = self._edges.get((src, dst), ())
        evs = {s if isinstance(s, Evidence) else self._as_evidence(s) for s in sources}
        return tuple(sorted(evs, key=Evidence.sort_key))

    def _as_evidence(self, dep: Dependency) -> Evidence:
        origin = dep.origin or Origin(self._default_path)
        return Evidence(dep.kind, origin.path, origin.line)

    def edges(self, *, ownership: bool = True) -> Iterator[tuple[str, str, str]]:
        """Every edge as (src, dst, kind), sorted; ``owned_by`` edges too unless told not to."""
        out = [(s, d, self.evidence(s, d)[0].kind) for s, d in self._edges]
        if ownership:
            out += [(n, a["owner"], OWNED_BY) for n, a in self._nodes.items() if a["owner"]]
        return iter(sorted(out))

    def neighbours(self, node: str) -> set[str]:
        """Nodes one edge away in either direction, ownership included (for --focus)."""
        out = set(self._forward.get(node, ())) | set(self._reverse.get(node, ()))
        owner = self.owner(node)
        if owner:
            out.add(owner)
        if node.startswith("team:"):
            out.update(n for n, a in self._nodes.items() if a["owner"] == node)
        return out

    def to_networkx(self, nodes: Iterable[str] | None = None) -> nx.DiGraph[str]:
        """A networkx DiGraph of the graph (or the subgraph on ``nodes``): exports, algorithms."""
        import networkx as nx

        keep = set(self._nodes) if nodes is None else set(nodes)
        g: nx.DiGraph[str] = nx.DiGraph()
        g.add_nodes_from((n, dict(self._nodes[n])) for n in sorted(keep))
        g.add_edges_from(
            (s, d, {"kind": k, "evidence": self.evidence(s, d)})
            for s, d, k in self.edges()
            if s in keep and d in keep
        )
        return g
