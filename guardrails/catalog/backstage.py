"""Backstage ``catalog-info.yaml``: entities as services, resources and teams.

- ``Component`` -> a service named ``metadata.name``; ``spec.owner`` names its team
  (``group:`` and ``group:<namespace>/`` are stripped; a ``user:`` owner is noted and left
  unowned); ``spec.lifecycle`` is ignored; the tier comes from the annotation
  ``guardrails.dev/tier``; paths default to the file's directory (``dir/**``).
- ``Resource`` -> the resource ``<spec.type or "resource">:<name>`` (``database:orders``).
- ``API`` -> the resource ``api:<name>``.
- ``Group`` -> a team; ``spec.members`` (user refs) are its members, and the annotation
  ``github.com/team-slug`` (``acme/ranking``) its CODEOWNERS handle.
- Relations: ``spec.dependsOn`` (``component:x``, ``resource:y``, ``api:z``, with or
  without a ``<namespace>/``) -> ``depends_on``; ``consumesApis`` / ``providesApis`` ->
  ``consumes_api`` / ``provides_api`` on ``api:<name>``. A ``resource:y`` reference resolves
  to that Resource entity's typed id when any catalog file declares it.
- Other kinds (System, Domain, User, Location, ...) are ignored with a note.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import TypeVar

import yaml
from msgspec.structs import replace

from guardrails.catalog.config import NAME_RE, Declarations
from guardrails.catalog.model import BACKSTAGE_FILE, Dependency, Member, Resource, Service, Team
from guardrails.catalog.service_files import default_paths
from guardrails.catalog.yamltree import Reader, compose_all

TIER_ANNOTATION = "guardrails.dev/tier"
TEAM_SLUG_ANNOTATION = "github.com/team-slug"
_KIND_RE = re.compile(r"^[a-z][a-z0-9_-]*\Z")
_UNRESOLVED = "resource:"
_E = TypeVar("_E", Service, Resource)


def parse_entity_ref(ref: str, default_kind: str) -> tuple[str, str]:
    """``[kind:][namespace/]name`` -> ``(kind, name)``, kind lower-cased."""
    kind, _, rest = ref.partition(":") if ":" in ref else (default_kind, "", ref)
    name = rest.rsplit("/", 1)[-1]
    return kind.strip().lower(), name.strip()


def parse_backstage_files(files: Mapping[str, str]) -> Declarations:
    """Every entity of every file, with ``resource:`` references resolved across files."""
    decl = Declarations()
    resource_ids: dict[str, str] = {}
    for path in sorted(files):
        decl.extend(_parse_file(files[path], path, resource_ids))
    decl.services = [_resolve(s, resource_ids) for s in decl.services]
    decl.resources = [_resolve(r, resource_ids) for r in decl.resources]
    return decl


def _resolve(entity: _E, ids: Mapping[str, str]) -> _E:
    deps = tuple(
        replace(d, target=ids.get(d.target[len(_UNRESOLVED) :], d.target))
        if d.target.startswith(_UNRESOLVED)
        else d
        for d in entity.dependencies
    )
    return replace(entity, dependencies=deps)


def _parse_file(text: str, path: str, resource_ids: dict[str, str]) -> Declarations:
    decl = Declarations()
    nodes, syntax = compose_all(text, path)
    decl.problems.extend(syntax)
    r = Reader(path, decl.problems)
    for node in nodes:
        _entity(r, node, path, decl, resource_ids)
    return decl


def _entity(
    r: Reader, node: yaml.Node, path: str, decl: Declarations, resource_ids: dict[str, str]
) -> None:
    doc = r.mapping(node, "entity", required=("kind", "metadata"))
    if doc is None or "kind" not in doc or "metadata" not in doc:
        return
    kind = r.string(doc["kind"][1], "kind")
    meta = r.mapping(doc["metadata"][1], "metadata", required=("name",))
    if kind is None or meta is None or "name" not in meta:
        return
    name_node = meta["name"][1]
    name = r.string(name_node, "metadata.name")
    if name is None:
        return
    if not NAME_RE.match(name):
        r.error(
            name_node,
            f"metadata.name: bad name '{name}'",
            fix="use letters, digits, '.', '_' and '-'",
        )
        return
    origin = r.origin(name_node)
    annotations = _annotations(r, meta)
    spec = r.mapping(doc["spec"][1], f"{kind} {name}: spec") if "spec" in doc else {}
    spec = spec or {}
    what = f"{kind} {name}"

    if kind == "Group":
        members = tuple(
            Member(parse_entity_ref(v, "user")[1]) for v, _ in _strings(r, spec, "members", what)
        )
        slug = annotations.get(TEAM_SLUG_ANNOTATION)
        handles = (f"@{slug[0]}",) if slug else ()
        decl.teams.append(Team(name, members, handles, origin))
        return
    if kind not in ("Component", "Resource", "API"):
        r.info(doc["kind"][1], f"Backstage kind '{kind}' ({name}) is ignored")
        return

    owner = _owner(r, spec, what)
    tier = _tier(r, annotations, what)
    deps = _relations(r, spec, what)
    if kind == "Component":
        if owner is not None:
            decl.where[("service", name, "owner")] = r.origin(spec["owner"][1])
        decl.services.append(
            Service(
                name=name,
                owner=owner,
                tier=2 if tier is None else tier,
                paths=default_paths(posixpath.dirname(path)),
                dependencies=deps,
                origin=origin,
                source=BACKSTAGE_FILE,
            )
        )
        return
    if kind == "API":
        rid = f"api:{name}"
    else:
        rtype = "resource"
        if "type" in spec:
            rtype = (r.string(spec["type"][1], f"{what}: spec.type") or rtype).lower()
            if rtype in ("service", "team"):
                r.error(
                    spec["type"][1],
                    f"{what}: spec.type '{rtype}' would make the resource id '{rtype}:{name}', "
                    "which names a service or team, not a resource",
                    fix="use the resource's own kind (topic, table, bucket, ...)",
                )
                return
            if not _KIND_RE.match(rtype):
                r.error(
                    spec["type"][1],
                    f"{what}: spec.type '{rtype}' cannot be an id kind",
                    fix="use lower-case letters, digits, '_' and '-'",
                )
                return
        rid = f"{rtype}:{name}"
        resource_ids.setdefault(name, rid)
    if owner is not None:
        decl.where[("resource", rid, "owner")] = r.origin(spec["owner"][1])
    decl.resources.append(
        Resource(
            rid, owner=owner, tier=tier, dependencies=deps, origin=origin, source=BACKSTAGE_FILE
        )
    )


def _annotations(
    r: Reader, meta: dict[str, tuple[yaml.Node, yaml.Node]]
) -> dict[str, tuple[str, yaml.Node]]:
    if "annotations" not in meta:
        return {}
    out = {}
    for key, (_, vnode) in (
        r.mapping(meta["annotations"][1], "metadata.annotations") or {}
    ).items():
        if key in (TIER_ANNOTATION, TEAM_SLUG_ANNOTATION):
            value = r.string(vnode, f"annotation {key}")
            if value is not None:
                out[key] = (value, vnode)
    return out


def _strings(
    r: Reader, spec: dict[str, tuple[yaml.Node, yaml.Node]], key: str, what: str
) -> list[tuple[str, yaml.Node]]:
    return r.strings(spec[key][1], f"{what}: spec.{key}") if key in spec else []


def _owner(r: Reader, spec: dict[str, tuple[yaml.Node, yaml.Node]], what: str) -> str | None:
    if "owner" not in spec:
        return None
    node = spec["owner"][1]
    value = r.string(node, f"{what}: spec.owner")
    if value is None:
        return None
    kind, name = parse_entity_ref(value, "group")
    if kind != "group":
        r.info(node, f"{what}: owner '{value}' is not a group; left unowned")
        return None
    if not NAME_RE.match(name):
        r.error(node, f"{what}: spec.owner '{value}' is not a group name")
        return None
    return name


def _tier(r: Reader, annotations: dict[str, tuple[str, yaml.Node]], what: str) -> int | None:
    if TIER_ANNOTATION not in annotations:
        return None
    value, node = annotations[TIER_ANNOTATION]
    if not value.strip().isdigit():
        r.error(
            node,
            f"{what}: annotation {TIER_ANNOTATION} must be an integer >= 0, not '{value}'",
            fix=f'write e.g. `{TIER_ANNOTATION}: "1"`',
        )
        return None
    return int(value)


_RELATION_KINDS = {"component": "service", "api": "api", "resource": "resource"}


def _relations(
    r: Reader, spec: dict[str, tuple[yaml.Node, yaml.Node]], what: str
) -> tuple[Dependency, ...]:
    deps = []
    for value, node in _strings(r, spec, "dependsOn", what):
        kind, name = parse_entity_ref(value, "component")
        if kind not in _RELATION_KINDS or not name:
            r.info(node, f"{what}: dependsOn '{value}' ignored (only component, resource, api)")
            continue
        deps.append(Dependency(f"{_RELATION_KINDS[kind]}:{name}", "depends_on", r.origin(node)))
    for key, dep_kind in (("consumesApis", "consumes_api"), ("providesApis", "provides_api")):
        for value, node in _strings(r, spec, key, what):
            kind, name = parse_entity_ref(value, "api")
            if kind != "api" or not name:
                r.error(
                    node,
                    f"{what}: {key} '{value}' is not an API reference",
                    fix="write `api:<name>`",
                )
                continue
            deps.append(Dependency(f"api:{name}", dep_kind, r.origin(node)))
    return tuple(deps)
