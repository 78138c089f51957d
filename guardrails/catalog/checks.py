"""Checks across every source: duplicates, references, overlapping paths, cycles.

Each source file has been validated on its own (``config``, ``service_files``,
``backstage``); what remains needs all of them at once. Errors point at the line of the
offending reference; observations that do not stop a run (cycles, implicit resources,
patterns that match nothing) are ``info`` problems and end up in ``Catalog.notes``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from guardrails.catalog.config import Declarations
from guardrails.catalog.model import Dependency, Origin, Resource, Service, Team
from guardrails.catalog.paths import ServicePathIndex
from guardrails.catalog.yamltree import suggest
from guardrails.errors import Problem

IMPLICIT = "implicit"  # Resource.source / Team origin for things only referenced, never declared


def _problem(
    message: str, origin: Origin | None, *, fix: str | None = None, info: bool = False
) -> Problem:
    return Problem(
        message,
        path=origin.path if origin else None,
        line=origin.line if origin else None,
        fix=fix,
        severity="info" if info else "error",
    )


class Merged(msgspec.Struct):
    teams: dict[str, Team] = msgspec.field(default_factory=dict)
    services: dict[str, Service] = msgspec.field(default_factory=dict)
    resources: dict[str, Resource] = msgspec.field(default_factory=dict)
    problems: list[Problem] = msgspec.field(default_factory=list)
    # names of services taken from inference
    inferred: set[str] = msgspec.field(default_factory=set)


def merge(decl: Declarations, inferred: Sequence[Service] = ()) -> Merged:
    """First declaration of each id wins; every later one is a duplicate problem.

    ``inferred`` services (zero-config inference) come last and quietly yield to any
    declared service of the same name.
    """
    out = Merged()
    for kind, items, target in (
        ("team", decl.teams, out.teams),
        ("service", decl.services, out.services),
        ("resource", decl.resources, out.resources),
    ):
        for item in items:
            key = item.id if isinstance(item, Resource) else item.name
            first = target.get(key)
            if first is None:
                target[key] = item  # type: ignore[assignment]
                continue
            out.problems.append(
                _problem(
                    f"{kind} '{key}' is declared twice: here and at {first.origin}",
                    item.origin,
                    fix=f"keep one declaration of '{key}'",
                )
            )
    for service in inferred:
        if service.name not in out.services:
            out.services[service.name] = service
            out.inferred.add(service.name)
    return out


def check_references(
    merged: Merged, where: Mapping[tuple[str, str, str], Origin], *, teams_required: bool
) -> None:
    """Owners must be teams; ``service:`` targets must exist; other targets become implicit.

    ``teams_required``: with a ``guardrails.yaml`` an unknown owner is an error (teams are
    declared there); in zero-config mode the owner becomes an implicit team, noted.
    """
    problems = merged.problems
    owned: list[tuple[str, str, str]] = [
        ("service", s.name, s.owner) for s in merged.services.values() if s.owner
    ] + [("resource", r.id, r.owner) for r in merged.resources.values() if r.owner]
    for kind, key, owner in owned:
        if owner in merged.teams or owner.startswith("user:"):
            continue  # a person (CODEOWNERS `@login`) owns it: no team to declare
        origin = where.get((kind, key, "owner"))
        if origin is None:
            entity = merged.services.get(key) if kind == "service" else merged.resources.get(key)
            origin = entity.origin if entity else None
        if teams_required:
            hint = suggest(owner, merged.teams)
            problems.append(
                _problem(
                    f"{kind} '{key}': owner '{owner}' is not a declared team",
                    origin,
                    fix=f"did you mean '{hint}'?" if hint else f"declare '{owner}' under `teams:`",
                )
            )
        else:
            merged.teams[owner] = Team(owner, origin=origin)
            problems.append(
                _problem(f"team '{owner}' is not declared; using it as named", origin, info=True)
            )

    implicit: dict[str, Dependency] = {}
    holders: list[tuple[str, tuple[Dependency, ...]]] = [
        (f"service '{s.name}'", s.dependencies) for s in merged.services.values()
    ] + [(f"resource '{r.id}'", r.dependencies) for r in merged.resources.values()]
    for holder, deps in holders:
        for dep in deps:
            kind, _, name = dep.target.partition(":")
            if kind == "service":
                if name not in merged.services:
                    hint = suggest(name, merged.services)
                    problems.append(
                        _problem(
                            f"{holder}: {dep.kind} names unknown service '{name}'",
                            dep.origin,
                            fix=f"did you mean '{hint}'?"
                            if hint
                            else "declare the service or remove it",
                        )
                    )
            elif dep.target not in merged.resources:
                implicit.setdefault(dep.target, dep)
    for rid, dep in sorted(implicit.items()):
        merged.resources[rid] = Resource(rid, origin=dep.origin, source=IMPLICIT)
        problems.append(
            _problem(
                f"resource '{rid}' is not declared; it is used as an implicit, unowned resource",
                dep.origin,
                fix="declare it under `resources:` with an owner",
                info=True,
            )
        )


def check_paths(
    services: Iterable[Service],
    where: Mapping[tuple[str, str, str], Origin],
    files: Sequence[str],
) -> list[Problem]:
    """Overlaps (same pattern, or the same existing file claimed twice) and empty claims.

    Pass declared services only: inferred ones are the inference's business.
    """
    declared = list(services)
    problems: list[Problem] = []

    def at(service: Service) -> Origin | None:
        return where.get(("service", service.name, "paths")) or service.origin

    reported: set[tuple[str, str]] = set()
    first_claim: dict[str, Service] = {}
    for service in declared:
        for pattern in service.paths:
            norm = pattern.lstrip("/") if "/" in pattern.rstrip("/") else pattern
            other = first_claim.setdefault(norm, service)
            if other.name != service.name:
                first, second = sorted((other.name, service.name))
                reported.add((first, second))
                problems.append(
                    _problem(
                        f"service '{service.name}': path '{pattern}' is also claimed by service "
                        f"'{other.name}' ({other.origin})",
                        at(service),
                        fix="give each file to exactly one service",
                    )
                )

    index = ServicePathIndex.of(declared)
    order = {s.name: i for i, s in enumerate(declared)}
    by_name = {s.name: s for s in declared}
    shared: dict[tuple[str, ...], list[str]] = defaultdict(list)
    claimed: set[str] = set()
    for path, names in index.map_paths(files).items():
        claimed.update(names)
        if len(names) > 1:
            shared[names].append(path)
    for names, paths in sorted(shared.items()):
        if len(names) == 2 and names in reported:
            continue
        later = by_name[max(names, key=order.__getitem__)]
        listed = ", ".join(f"'{n}'" for n in names)
        count = len(paths)
        problems.append(
            _problem(
                f"services {listed} all claim {count} file{'s' if count > 1 else ''} "
                f"(e.g. {sorted(paths)[0]})",
                at(later),
                fix="narrow the paths so that each file belongs to one service",
            )
        )
    for service in declared:
        if service.paths and service.name not in claimed:
            problems.append(
                _problem(f"service '{service.name}': paths match no file", at(service), info=True)
            )
    return problems


def _edges(
    services: Iterable[Service], resources: Iterable[Resource]
) -> dict[str, list[tuple[str, Dependency]]]:
    """Graph edges as DESIGN §5 draws them: dependent -> dependency, topic -> producer."""
    edges: dict[str, list[tuple[str, Dependency]]] = defaultdict(list)
    for holder, deps in [(s.id, s.dependencies) for s in services] + [
        (r.id, r.dependencies) for r in resources
    ]:
        for dep in deps:
            if dep.kind in ("produces", "provides_api"):
                edges[dep.target].append((holder, dep))
            else:
                edges[holder].append((dep.target, dep))
    for targets in edges.values():
        targets.sort(key=lambda t: t[0])
    return edges


def find_cycles(services: Iterable[Service], resources: Iterable[Resource]) -> list[Problem]:
    """One info note per cycle (strongly connected component), with one shortest loop."""
    edges = _edges(services, resources)
    notes = []
    for component in _strongly_connected(edges):
        members = set(component)
        start = min(component)
        loop = _shortest_loop(start, edges, members)
        if loop is None:
            continue
        chain = " -> ".join(node for node, _ in loop) + f" -> {start}"
        first_dep = loop[0][1]
        notes.append(
            _problem(
                f"dependency cycle: {chain} (allowed; impact flows around it)",
                first_dep.origin if first_dep else None,
                info=True,
            )
        )
    return notes


def _shortest_loop(
    start: str, edges: Mapping[str, list[tuple[str, Dependency]]], members: set[str]
) -> list[tuple[str, Dependency | None]] | None:
    """Nodes from ``start`` back to it (BFS, ties by id), each with the edge leaving it."""
    parent: dict[str, tuple[str, Dependency]] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for node in frontier:
            for target, dep in edges.get(node, ()):
                if target == start:
                    path: list[tuple[str, Dependency | None]] = [(node, dep)]
                    while node != start:
                        prev, pdep = parent[node]
                        path.append((prev, pdep))
                        node = prev
                    path.reverse()
                    return path
                if target in members and target not in seen:
                    seen.add(target)
                    parent[target] = (node, dep)
                    nxt.append(target)
        frontier = nxt
    return None


def _strongly_connected(edges: Mapping[str, list[tuple[str, Dependency]]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only components that hold a cycle, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    nodes = sorted(set(edges) | {t for ts in edges.values() for t, _ in ts})
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i][0]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                looped = len(component) > 1 or any(t == node for t, _ in edges.get(node, ()))
                if looped:
                    result.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(result)
