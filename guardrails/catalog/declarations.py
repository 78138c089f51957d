"""What ``guardrails.yaml`` (and every other catalog source) declares: teams, services and
resources, with the id rules they share (names, typed ids, members, handles, schemas) and
the checks of one value at a time (owners, path patterns, dependency targets).
"""

from __future__ import annotations

import re

import msgspec
import yaml

from guardrails.catalog.model import (
    CONFIG_FILE,
    DEFAULT_TIER,
    Dependency,
    Member,
    Origin,
    Resource,
    Service,
    Team,
)
from guardrails.catalog.paths import compile_pattern, literal_directory
from guardrails.catalog.yamltree import Reader
from guardrails.errors import Problem

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
TYPED_ID_RE = re.compile(r"^([a-z][a-z0-9_-]*):(\S+)\Z")
MEMBER_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+<([^<>\s@]+@[^<>\s@]+)>)?\Z")
HANDLE_RE = re.compile(
    r"^(?:@[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+)\Z"
)
SCHEMA_RE = re.compile(r"^[^\s:]+::[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
NON_RESOURCE_KINDS = frozenset({"service", "team"})

TEAM_KEYS = ("members", "handles")

SERVICE_KEYS = ("owner", "tier", "paths", "depends_on", "consumes", "produces", "public")
RESOURCE_KEYS = ("owner", "tier", "schema", "file")

# Where a declaration's fields were written: ("service", "ranker", "owner") -> file:line.
# Cross-file checks use it to point at the exact line of a bad reference.
FieldKey = tuple[str, str, str]


class Declarations(msgspec.Struct):
    """What one or more source files declare, before the cross-file checks."""

    teams: list[Team] = msgspec.field(default_factory=list)
    services: list[Service] = msgspec.field(default_factory=list)
    resources: list[Resource] = msgspec.field(default_factory=list)
    where: dict[FieldKey, Origin] = msgspec.field(default_factory=dict)
    problems: list[Problem] = msgspec.field(default_factory=list)

    def extend(self, other: Declarations) -> None:
        self.teams.extend(other.teams)
        self.services.extend(other.services)
        self.resources.extend(other.resources)
        self.where.update(other.where)
        self.problems.extend(other.problems)


def is_typed_id(value: str) -> bool:
    return TYPED_ID_RE.match(value) is not None


def id_kind(value: str) -> str:
    return value.split(":", 1)[0]


def _teams(r: Reader, node: yaml.Node, decl: Declarations) -> None:
    for name, (knode, vnode) in (r.mapping(node, "teams") or {}).items():
        what = f"teams.{name}"
        if not NAME_RE.match(name):
            r.error(knode, f"{what}: bad team name", fix="use letters, digits, '.', '_' and '-'")
            continue
        spec = r.mapping(vnode, what, TEAM_KEYS)
        if spec is None:
            continue
        members: list[Member] = []
        if "members" in spec:
            for value, item in r.strings(spec["members"][1], f"{what}.members"):
                m = MEMBER_RE.match(value.strip())
                if m is None:
                    r.error(
                        item,
                        f"{what}.members: bad member '{value}'",
                        fix="write `login` or `login <email>`",
                    )
                    continue
                members.append(Member(m.group(1), m.group(2)))
        handles: list[str] = []
        if "handles" in spec:
            for value, item in r.strings(spec["handles"][1], f"{what}.handles"):
                if not HANDLE_RE.match(value):
                    r.error(
                        item,
                        f"{what}.handles: bad CODEOWNERS handle '{value}'",
                        fix="write `@org/team`, `@user` or an email address",
                    )
                    continue
                handles.append(value)
        decl.teams.append(Team(name, tuple(members), tuple(handles), r.origin(knode)))


def parse_service(
    r: Reader,
    name: str,
    knode: yaml.Node,
    vnode: yaml.Node,
    decl: Declarations,
    *,
    what: str,
    source: str = CONFIG_FILE,
    path_base: str | None = None,
) -> Service | None:
    """One ``services:`` entry (also the body of a ``guardrails-service.yaml``).

    ``path_base``: patterns are relative to this directory (service files), not the root.
    """
    if not NAME_RE.match(name):
        r.error(
            knode, f"{what}: bad service name '{name}'", fix="use letters, digits, '.', '_' and '-'"
        )
        return None
    spec = r.mapping(vnode, what, SERVICE_KEYS)
    if spec is None:
        return None
    return service_from_spec(
        r, name, r.origin(knode), spec, decl, what=what, source=source, path_base=path_base
    )


def service_from_spec(
    r: Reader,
    name: str,
    origin: Origin,
    spec: dict[str, tuple[yaml.Node, yaml.Node]],
    decl: Declarations,
    *,
    what: str,
    source: str = CONFIG_FILE,
    path_base: str | None = None,
) -> Service:
    owner = None
    if "owner" in spec:
        owner = _owner(r, spec["owner"][1], f"{what}.owner")
        if owner is not None:
            decl.where[("service", name, "owner")] = r.origin(spec["owner"][1])
    tier = DEFAULT_TIER
    if "tier" in spec:
        given = r.integer(spec["tier"][1], f"{what}.tier", minimum=0)
        tier = DEFAULT_TIER if given is None else given
    paths: list[str] = []
    if "paths" in spec:
        decl.where[("service", name, "paths")] = r.origin(spec["paths"][1])
        for value, item in r.strings(spec["paths"][1], f"{what}.paths"):
            pattern = check_path_pattern(r, item, value, f"{what}.paths")
            if pattern is not None:
                paths.append(pattern if path_base is None else join_pattern(path_base, pattern))
    deps: list[Dependency] = []
    if "depends_on" in spec:
        for value, item in r.strings(spec["depends_on"][1], f"{what}.depends_on"):
            target = _dependency_target(r, item, value, f"{what}.depends_on")
            if target is not None:
                deps.append(Dependency(target, "depends_on", r.origin(item)))
    for kind in ("consumes", "produces"):
        if kind in spec:
            for value, item in r.strings(spec[kind][1], f"{what}.{kind}"):
                if check_resource_id(r, item, value, f"{what}.{kind}"):
                    deps.append(Dependency(value, kind, r.origin(item)))
    public: tuple[str, ...] = ()
    if "public" in spec:
        public = tuple(v for v, _ in r.strings(spec["public"][1], f"{what}.public"))
    return Service(
        name=name,
        owner=owner,
        tier=tier,
        paths=tuple(paths),
        dependencies=tuple(deps),
        public=public,
        origin=origin,
        source=source,
    )


def _owner(r: Reader, node: yaml.Node, what: str) -> str | None:
    """A team name; ``team:ranking`` is accepted for ``ranking``; ``user:<login>`` names a
    person (what zero-config infers from a CODEOWNERS line that lists people)."""
    value = r.string(node, what)
    if value is None:
        return None
    if value.startswith("user:") and NAME_RE.match(value[len("user:") :]):
        return value
    name = value[len("team:") :] if value.startswith("team:") else value
    if not NAME_RE.match(name):
        r.error(node, f"{what}: '{value}' is not a team name", fix="name a team from `teams:`")
        return None
    return name


def check_path_pattern(r: Reader, node: yaml.Node, value: str, what: str) -> str | None:
    if value.startswith("!"):
        r.error(
            node,
            f"{what}: negated pattern '{value}' is not supported",
            fix="list only the paths the service owns",
        )
        return None
    if value != value.strip():
        r.error(
            node, f"{what}: pattern '{value}' has leading or trailing spaces", fix="remove them"
        )
        return None
    # Literal directories (the common case) need no regex; the rest are compiled once and
    # cached, so checking here costs nothing the path index would not spend anyway.
    if literal_directory(value) is None and compile_pattern(value) is None:
        r.error(
            node,
            f"{what}: '{value}' is not a valid pattern",
            fix="write a gitignore pattern such as `services/x/**`; a trailing `\\` escapes "
            "nothing and a range reads low to high, `[a-z]`",
        )
        return None
    return value


def join_pattern(base: str, pattern: str) -> str:
    """A pattern written relative to ``base``, as a repository-anchored pattern."""
    if not base:
        return pattern.lstrip("/")
    return f"{base}/{pattern.lstrip('/')}"


def _dependency_target(r: Reader, node: yaml.Node, value: str, what: str) -> str | None:
    if NAME_RE.match(value):
        return f"service:{value}"
    m = TYPED_ID_RE.match(value)
    if m is None:
        r.error(
            node,
            f"{what}: '{value}' is neither a service name nor a typed id",
            fix="write a service name (`schema-registry`) or a typed id (`topic:user-events`)",
        )
        return None
    if m.group(1) == "team":
        r.error(node, f"{what}: a service cannot depend on a team ('{value}')", fix="use `owner:`")
        return None
    return value


def check_resource_id(r: Reader, node: yaml.Node, value: str, what: str) -> bool:
    m = TYPED_ID_RE.match(value)
    if m is None:
        r.error(
            node,
            f"{what}: resource id '{value}' has no kind",
            fix=f"write it typed, e.g. `topic:{value}` or `table:{value}`",
        )
        return False
    if m.group(1) in NON_RESOURCE_KINDS:
        r.error(
            node,
            f"{what}: '{value}' is not a resource id",
            fix="list services under `depends_on`" if m.group(1) == "service" else "use `owner:`",
        )
        return False
    return True


def _resources(r: Reader, node: yaml.Node, decl: Declarations) -> None:
    for rid, (knode, vnode) in (r.mapping(node, "resources") or {}).items():
        what = f"resources.{rid}"
        if not check_resource_id(r, knode, rid, "resources"):
            continue
        spec = r.mapping(vnode, what, RESOURCE_KEYS)
        if spec is None:
            continue
        owner = tier = schema = file = None
        if "owner" in spec:
            owner = _owner(r, spec["owner"][1], f"{what}.owner")
            if owner is not None:
                decl.where[("resource", rid, "owner")] = r.origin(spec["owner"][1])
        if "tier" in spec:
            tier = r.integer(spec["tier"][1], f"{what}.tier", minimum=0)
        if "schema" in spec:
            schema = r.string(spec["schema"][1], f"{what}.schema")
            if schema is not None and not SCHEMA_RE.match(schema):
                r.error(
                    spec["schema"][1],
                    f"{what}.schema: '{schema}' is not `path::Class` or `path::Outer.Inner`",
                    fix="write e.g. `services/event_bus/schemas.py::UserEvent`",
                )
                schema = None
        if "file" in spec:
            file = r.string(spec["file"][1], f"{what}.file")
        decl.resources.append(
            Resource(rid, owner=owner, tier=tier, schema=schema, file=file, origin=r.origin(knode))
        )
