"""The change as policies see it: who owns each path (:class:`PathOwners`), the head's text
for rules that read it, and the CEL ``change`` object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from guardrails.engine import Analysis
from guardrails.filemap import glob_match

if TYPE_CHECKING:
    from guardrails.authors import Authorship
    from guardrails.catalog.model import Catalog


def head_source(analysis: Analysis) -> Callable[[str], str | None]:
    """Head text of a file, for rules that read which names an importer really uses."""
    from guardrails.changes import decode, is_binary

    snapshot = analysis.head.snapshot

    def read(path: str) -> str | None:
        data = snapshot.read(path)
        return None if data is None or is_binary(data) else decode(data)

    return read


Lookup = Callable[[str], Sequence[str]]  # a path -> service names, or CODEOWNERS owners


def _nobody(_path: str) -> tuple[str, ...]:
    return ()


def _claimed_owners(owners_of: Callable[[str], tuple[Sequence[str], Sequence[str]]]) -> Lookup:
    """The CODEOWNERS owners (as written) out of a file map's (teams, owners) claim."""

    def owners(path: str) -> Sequence[str]:
        return owners_of(path)[1]

    return owners


class PathOwners:
    """team:/user: owners of a path: its services' owners and its CODEOWNERS owners (a
    CODEOWNERS person in no team is ``user:<login>``). The trusted catalog (the base's in
    --base mode: a change cannot hand its own files to a friendlier team) answers first,
    then the head's (a file in a service only the head declares), then the base world's (a
    deleted file). Built once per check, so each CODEOWNERS file is indexed once."""

    def __init__(self, analysis: Analysis, trusted: Catalog | None = None) -> None:
        from guardrails.catalog.codeowners import CodeOwnersIndex
        from guardrails.catalog.paths import ServicePathIndex

        sources: list[tuple[Catalog, Lookup, Lookup | None]] = []
        if trusted is not None and trusted is not analysis.head.catalog:
            sources.append((trusted, ServicePathIndex(trusted).services_for, None))
        for world in (analysis.head, analysis.base):
            if world is not None:
                # A world's file claims hold the CODEOWNERS owners of each of its paths (from
                # this catalog's CODEOWNERS, remembered between runs): matching the path again
                # here compiled every CODEOWNERS pattern on every run.
                claimed = _claimed_owners(world.filemap.owners_of)
                sources.append((world.catalog, world.filemap.services_of, claimed))
        self._sources: list[tuple[Catalog, Lookup, Lookup, CodeOwnersIndex | None]] = []
        for catalog, services_of, owners_of in sources:
            index = (
                CodeOwnersIndex(catalog.codeowners, catalog.teams)
                if catalog.codeowners_enabled and catalog.codeowners
                else None
            )
            lookup: Lookup = _nobody if index is None else owners_of or index.owners
            self._sources.append((catalog, services_of, lookup, index))
        self._cache: dict[str, tuple[str, ...]] = {}
        # A file also belongs to the nodes it touches beyond path patterns (DESIGN §10): a
        # rollout file to the service its `service:` names, a flag file to its flags' owners.
        self._claimed: dict[str, set[str]] = {}
        for touched in analysis.impact.files:
            owners = {o for n in touched.nodes if (o := analysis.graph.owner(n))}
            if owners:
                self._claimed[touched.path] = owners

    def __call__(self, path: str) -> tuple[str, ...]:
        known = self._cache.get(path)
        if known is not None:
            return known
        out: set[str] = set(self._claimed.get(path, ()))
        for catalog, services_of, owners_of, index in self._sources:
            source = next((s for s in catalog.flags if glob_match(s.path, path)), None)
            if source is not None and source.owner:  # `flags: [{..., owner: ranking}]`
                out.add(f"team:{source.owner}")
            for name in services_of(path):
                svc = catalog.services.get(name)
                if svc is not None and svc.owner:
                    out.add(f"team:{svc.owner}")
            for owner in owners_of(path):
                teams = index.teams_for_owner(owner) if index is not None else ()
                out.update(f"team:{t}" for t in teams)
                if not teams:
                    out.add("user:" + owner.removeprefix("@"))
            if out:
                break
        self._cache[path] = tuple(sorted(out))
        return self._cache[path]


def change_object(analysis: Analysis, author: Authorship, owners: PathOwners) -> dict[str, Any]:
    """The CEL ``change`` variable (docs/policies.md lists its fields)."""
    cs = analysis.change.changes
    impact = analysis.impact
    nodes_of: dict[str, list[str]] = {}
    for node in impact.changed:
        for path in node.files:
            nodes_of.setdefault(path, []).append(node.id)
    trailers = [{"key": t.key, "value": t.value} for c in cs.commits for t in c.trailers]
    return {
        "mode": {"range": "base"}.get(cs.mode, cs.mode),
        "author": {
            "kind": author.kind,
            "evidence": [e.as_dict() for e in author.evidence],
            "agents": list(author.agents),
        },
        "is_agent": author.kind != "human",
        "files": [
            {
                "path": f.path,
                "old_path": f.old_path or "",
                "status": f.status,
                "nodes": sorted(nodes_of.get(f.path, [])),
                "owners": list(owners(f.path)),
            }
            for f in cs.files
        ],
        "services": sorted(n.id for n in impact.changed if n.id.startswith("service:")),
        "commits": [
            {
                "sha": c.sha,
                "author": {"name": c.author.name, "email": c.author.email},
                "committer": {"name": c.committer.name, "email": c.committer.email},
                "message": c.message,
                "trailers": [{"key": t.key, "value": t.value} for t in c.trailers],
            }
            for c in cs.commits
        ],
        "trailers": trailers,
    }
