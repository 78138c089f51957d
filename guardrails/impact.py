"""Blast radius: the changed nodes, every node that can reach them, and why.

Input is plain data (which nodes a change touches, with the files that touch each) and a
:class:`~guardrails.graph.DependencyGraph`; output is an :class:`Impact` that reporters and the
policy stage read. Deterministic: among an affected node's shortest paths to a changed node
the explanation is the lexicographically smallest list of ids (DESIGN §10).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence

import msgspec

from guardrails.graph import DependencyGraph

SCHEMA = "guardrails.affected/v1"
MAX_WHY_PATHS = 50


class ChangedNode(msgspec.Struct, frozen=True):
    id: str
    owner: str | None
    tier: int | None
    files: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "owner": self.owner, "tier": self.tier, "files": list(self.files)}


class AffectedNode(msgspec.Struct, frozen=True):
    id: str
    owner: str | None
    tier: int | None
    distance: int
    path: tuple[str, ...]  # from this node to a changed node

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "owner": self.owner,
            "tier": self.tier,
            "distance": self.distance,
            "path": list(self.path),
        }


class Impact(msgspec.Struct, frozen=True):
    base: str | None
    head: str | None
    changed: tuple[ChangedNode, ...]  # sorted by id
    affected: tuple[AffectedNode, ...]  # sorted by (distance, id)
    teams: tuple[str, ...]
    unowned_files: tuple[str, ...]
    files: tuple[TouchedFile, ...] = ()  # every changed file, sorted by path
    depth: int | None = None  # the --depth limit, when one was given
    mode: str = "range"  # the selector (ChangeSet.mode); for titles, not part of the JSON

    @property
    def min_tier(self) -> int | None:
        tiers = [n.tier for n in self.changed if n.tier is not None]
        tiers += [n.tier for n in self.affected if n.tier is not None]
        return min(tiers) if tiers else None

    def as_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA,
            "base": self.base,
            "head": self.head,
            "changed": [n.as_dict() for n in self.changed],
            "affected": [n.as_dict() for n in self.affected],
            "teams": list(self.teams),
            "unowned_files": list(self.unowned_files),
            "files": [f.as_dict() for f in self.files],
        }


class TouchedFile(msgspec.Struct, frozen=True):
    """One changed file: nothing a change touches is invisible, even when no node claims it
    (a change that only edits guardrails.yaml or a policy pack)."""

    path: str
    status: str  # git's letter: A M D R C T
    nodes: tuple[str, ...]  # node ids the file touches (both sides of a rename), sorted
    owners: tuple[str, ...]  # its CODEOWNERS owners as written ("@acme/data-infra"), sorted

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status,
            "nodes": list(self.nodes),
            "owners": list(self.owners),
        }


class Touch(msgspec.Struct, frozen=True):
    """Which nodes a change touches directly (see guardrails.filemap) before traversal."""

    nodes: Mapping[str, Sequence[str]]  # node id -> files that touch it
    codeowner_teams: Sequence[str] = ()  # owners of changed files that map to no node
    unowned_files: Sequence[str] = ()
    files: Sequence[TouchedFile] = ()  # every changed file, sorted by path


def distances(graph: DependencyGraph, sources: Sequence[str], depth: int | None) -> dict[str, int]:
    """Multi-source BFS over reverse dependency edges: node -> hops to the nearest source."""
    dependents = graph.dependents
    dist = {s: 0 for s in sources if s in graph}
    queue = deque(sorted(dist))
    while queue:
        node = queue.popleft()
        d = dist[node] + 1
        if depth is not None and d > depth:
            continue
        for dep in dependents.get(node, ()):
            if dep not in dist:
                dist[dep] = d
                queue.append(dep)
    return dist


def blast_radius(
    graph: DependencyGraph,
    touch: Touch,
    *,
    base: str | None = None,
    head: str | None = None,
    depth: int | None = None,
    mode: str = "range",
) -> Impact:
    changed_ids = sorted(n for n in touch.nodes if n in graph)
    dist = distances(graph, changed_ids, depth)
    dependencies = graph.dependencies
    owner, tier = graph.owner, graph.tier

    # The lexicographically smallest shortest path is built greedily: from each node, step to
    # the smallest-id dependency one hop closer (dependencies are sorted, so the first match).
    # Nodes are visited nearest first, so each path extends its next hop's: O(V + E) in all.
    order = sorted(dist.items(), key=lambda kv: (kv[1], kv[0]))
    paths: dict[str, tuple[str, ...]] = {}
    affected: list[AffectedNode] = []
    for node, d in order:
        if d == 0:
            paths[node] = (node,)
            continue
        for m in dependencies[node]:
            if dist.get(m) == d - 1:
                paths[node] = (node, *paths[m])
                break
        affected.append(AffectedNode(node, owner(node), tier(node), d, paths[node]))

    changed = tuple(
        ChangedNode(n, owner(n), tier(n), tuple(sorted(set(touch.nodes[n])))) for n in changed_ids
    )
    teams = {n.owner for n in changed if n.owner} | {n.owner for n in affected if n.owner}
    teams.update(touch.codeowner_teams)
    return Impact(
        base=base,
        head=head,
        changed=changed,
        affected=tuple(affected),
        teams=tuple(sorted(teams)),
        unowned_files=tuple(sorted(set(touch.unowned_files))),
        files=tuple(touch.files),
        depth=depth,
        mode=mode,
    )


def why(graph: DependencyGraph, impact: Impact, node: str) -> list[tuple[str, ...]]:
    """Every shortest chain from ``node`` to a changed node, sorted (capped at 50)."""
    sources = [n.id for n in impact.changed]
    dist = distances(graph, sources, impact.depth)
    if node not in dist:
        return []
    dependencies = graph.dependencies

    def walk(prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        last = prefix[-1]
        d = dist[last]
        if d == 0:
            yield prefix
            return
        for m in dependencies[last]:
            if dist.get(m) == d - 1:
                yield from walk((*prefix, m))

    out: list[tuple[str, ...]] = []
    for path in walk((node,)):  # dependencies are sorted, so paths come out sorted
        out.append(path)
        if len(out) >= MAX_WHY_PATHS:
            break
    return out
