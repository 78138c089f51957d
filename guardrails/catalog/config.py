"""``guardrails.yaml``: parse and validate one file (DESIGN §4).

A hand-written validator over the YAML node tree: it reports every problem at once with
its line, and costs nothing to import (jsonschema would add ~140 ms to every pre-commit run).
``graph/guardrails.schema.json`` describes the same shape for editors; the tests keep the
two in agreement.

Checks that need every source at once (unknown owners and references, duplicates across
files, overlapping paths, cycles) live in :mod:`guardrails.catalog.checks`.

Id rules (decided here, shared by every source):

- team and service names: ``[A-Za-z0-9][A-Za-z0-9._-]*``;
- resource ids are typed, ``kind:name`` with ``kind`` in ``[a-z][a-z0-9_-]*``
  (``topic:user-events``); ``service:`` and ``team:`` are not resource kinds;
- ``depends_on`` takes a bare service name (``schema-registry``) or a typed id
  (``service:schema-registry``, ``api:search``); ``consumes``/``produces`` take resource ids
  only. A resource id that no source declares is accepted as an implicit resource and noted;
- ``schema``: ``path::Class`` or ``path::Outer.Inner`` (a nested class, dotted);
- ``policies``: ``builtin:<name>`` naming a pack shipped with guardrails (``default`` always),
  or a ``.yaml``/``.yml`` path relative to the repository root that exists in the tree.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field

import yaml

from guardrails.catalog.model import (
    CONFIG_FILE,
    DEFAULT_TIER,
    AgentIdentities,
    Dependency,
    FileSource,
    Inference,
    Limits,
    Member,
    Origin,
    Resource,
    Service,
    Team,
)
from guardrails.catalog.paths import compile_pattern, literal_directory
from guardrails.catalog.yamltree import Reader, compose, suggest
from guardrails.errors import Problem
from guardrails.resources import data_path

SUPPORTED_VERSION = 1

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")
TYPED_ID_RE = re.compile(r"^([a-z][a-z0-9_-]*):(\S+)\Z")
MEMBER_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+<([^<>\s@]+@[^<>\s@]+)>)?\Z")
HANDLE_RE = re.compile(
    r"^(?:@[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+)\Z"
)
SCHEMA_RE = re.compile(r"^[^\s:]+::[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
NON_RESOURCE_KINDS = frozenset({"service", "team"})
BUILTIN_PREFIX = "builtin:"

ROLLOUT_KINDS = ("guardrails", "argo-rollout", "flagger", "kubernetes")
FLAG_KINDS = ("flagd", "python-constants", "absl", "yaml")

TOP_KEYS = (
    "version",
    "teams",
    "agents",
    "services",
    "resources",
    "rollouts",
    "flags",
    "policies",
    "ownership",
    "inference",
    "overrides",
    "protect",
    "limits",
)
TEAM_KEYS = ("members", "handles")
AGENT_KEYS = ("emails", "names")
SERVICE_KEYS = ("owner", "tier", "paths", "depends_on", "consumes", "produces", "public")
RESOURCE_KEYS = ("owner", "tier", "schema", "file")
FILE_SOURCE_KEYS = ("path", "kind")
FLAG_SOURCE_KEYS = ("path", "kind", "owner", "readers")
LIMIT_KEYS = ("first_weight", "max_step", "max_factor", "max_unavailable")
LIMITS_KEYS = (*LIMIT_KEYS, "tier", "services")
READER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
OWNERSHIP_KEYS = ("codeowners",)
INFERENCE_KEYS = ("python_imports", "roots", "type_only", "weak")

# Where a declaration's fields were written: ("service", "ranker", "owner") -> file:line.
# Cross-file checks use it to point at the exact line of a bad reference.
FieldKey = tuple[str, str, str]


@dataclass
class Declarations:
    """What one or more source files declare, before the cross-file checks."""

    teams: list[Team] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    where: dict[FieldKey, Origin] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: Declarations) -> None:
        self.teams.extend(other.teams)
        self.services.extend(other.services)
        self.resources.extend(other.resources)
        self.where.update(other.where)
        self.problems.extend(other.problems)


@dataclass
class Settings:
    """The repository-wide settings only ``guardrails.yaml`` can hold."""

    version: int = SUPPORTED_VERSION
    agents: AgentIdentities = AgentIdentities()
    rollouts: tuple[FileSource, ...] = ()
    flags: tuple[FileSource, ...] = ()
    limits: Limits = Limits()
    policies: tuple[str, ...] = ("builtin:default",)
    codeowners_enabled: bool = True
    inference: Inference = Inference()
    overrides: tuple[tuple[str, str, int], ...] = ()  # (policy id, severity, line), file order
    protect: tuple[str, ...] = ()


def is_typed_id(value: str) -> bool:
    return TYPED_ID_RE.match(value) is not None


def id_kind(value: str) -> str:
    return value.split(":", 1)[0]


def parse_config(text: str, path: str = CONFIG_FILE) -> tuple[Settings, Declarations]:
    """Validate ``guardrails.yaml``'s text; problems (errors and infos) are in ``.problems``."""
    decl = Declarations()
    settings = Settings()
    node, syntax = compose(text, path)
    decl.problems.extend(syntax)
    if syntax:
        return settings, decl
    r = Reader(path, decl.problems)
    if node is None:
        decl.problems.append(
            Problem("the file is empty", path=path, line=1, fix="start it with `version: 1`")
        )
        return settings, decl
    top = r.mapping(node, "top level", TOP_KEYS, required=("version",))
    if top is None:
        return settings, decl

    if "version" in top:
        _, vnode = top["version"]
        version = r.integer(vnode, "version")
        if version is not None and version != SUPPORTED_VERSION:
            r.error(
                vnode, f"unsupported version {version}", fix=f"set `version: {SUPPORTED_VERSION}`"
            )
    if "teams" in top:
        _teams(r, top["teams"][1], decl)
    if "agents" in top:
        settings.agents = _agents(r, top["agents"][1])
    if "services" in top:
        entries = r.mapping(top["services"][1], "services")
        for name, (knode, vnode) in (entries or {}).items():
            service = parse_service(r, name, knode, vnode, decl, what=f"services.{name}")
            if service is not None:
                decl.services.append(service)
    if "resources" in top:
        _resources(r, top["resources"][1], decl)
    if "rollouts" in top:
        settings.rollouts = _file_sources(r, top["rollouts"][1], "rollouts", ROLLOUT_KINDS)
    if "flags" in top:
        settings.flags = _file_sources(r, top["flags"][1], "flags", FLAG_KINDS, FLAG_SOURCE_KEYS)
    if "limits" in top:
        settings.limits = _limits(r, top["limits"][1], decl)
    if "policies" in top:
        settings.policies = _policies(r, top["policies"][1], decl)
    if "ownership" in top:
        own = r.mapping(top["ownership"][1], "ownership", OWNERSHIP_KEYS) or {}
        if "codeowners" in own:
            flag = r.boolean(own["codeowners"][1], "ownership.codeowners")
            settings.codeowners_enabled = True if flag is None else flag
    if "inference" in top:
        settings.inference = _inference(r, top["inference"][1])
    if "overrides" in top:
        settings.overrides = _overrides(r, top["overrides"][1])
    if "protect" in top:
        settings.protect = tuple(
            value
            for value, item in r.strings(top["protect"][1], "protect")
            if check_path_pattern(r, item, value, "protect") is not None
        )
    return settings, decl


OVERRIDE_SEVERITIES = ("block", "warn", "info")


def _overrides(r: Reader, node: yaml.Node) -> tuple[tuple[str, str, int], ...]:
    """``{policy id: severity}``; whether the policy exists (or is locked) is the policy
    loader's question, since packs are read after the config."""
    out: list[tuple[str, str, int]] = []
    for key, (knode, vnode) in (r.mapping(node, "overrides") or {}).items():
        value = r.string(vnode, f"overrides.{key}")
        if value is None:
            continue
        if value not in OVERRIDE_SEVERITIES:
            r.error(
                vnode,
                f"overrides.{key}: unknown severity '{value}'",
                fix="use one of: " + ", ".join(OVERRIDE_SEVERITIES),
            )
            continue
        out.append((key, value, r.origin(knode).line or 1))
    return tuple(out)


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


def _agents(r: Reader, node: yaml.Node) -> AgentIdentities:
    spec = r.mapping(node, "agents", AGENT_KEYS) or {}
    emails = (
        tuple(v for v, _ in r.strings(spec["emails"][1], "agents.emails"))
        if "emails" in spec
        else ()
    )
    names = (
        tuple(v for v, _ in r.strings(spec["names"][1], "agents.names")) if "names" in spec else ()
    )
    return AgentIdentities(emails, names)


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


def _policies(r: Reader, node: yaml.Node, decl: Declarations) -> tuple[str, ...]:
    """``builtin:<name>`` or a pack file relative to the repository root.

    Whether a pack file exists is checked with the whole tree (``load.py``): its line is kept
    in ``decl.where`` under ``("policy", ref, "")``.
    """
    refs: list[str] = []
    builtins = builtin_packs()
    for value, item in r.strings(node, "policies"):
        if value.startswith(BUILTIN_PREFIX):
            name = value[len(BUILTIN_PREFIX) :]
            if name not in builtins:
                hint = suggest(name, builtins)
                known = "use one of: " + ", ".join(BUILTIN_PREFIX + b for b in sorted(builtins))
                r.error(
                    item,
                    f"policies: unknown built-in pack '{value}'",
                    fix=f"did you mean '{BUILTIN_PREFIX}{hint}'? or {known}" if hint else known,
                )
                continue
        elif policy_file(value) is None:
            outside = value.startswith("/") or posixpath.normpath(value).split("/")[0] == ".."
            r.error(
                item,
                f"policies: '{value}' is outside the repository"
                if outside
                else f"policies: '{value}' is neither `builtin:<name>` nor a relative path to a "
                ".yaml or .yml file",
                fix="write e.g. `builtin:default` or `./policies/ranking.yaml`",
            )
            continue
        else:
            decl.where.setdefault(("policy", value, ""), r.origin(item))
        refs.append(value)
    return tuple(refs)


def policy_file(ref: str) -> str | None:
    """The repository path a pack reference names (``./policies/a.yaml`` -> ``policies/a.yaml``).

    None when ``ref`` is not a relative ``.yaml``/``.yml`` path inside the repository.
    """
    if ref.startswith(("/", "\\")) or ":" in ref or not ref.endswith((".yaml", ".yml")):
        return None
    path = posixpath.normpath(ref)
    if path == ".." or path.startswith("../") or ref != ref.strip():
        return None
    return path


@functools.cache
def builtin_packs() -> frozenset[str]:
    """Names of the packs shipped with guardrails (``default`` always, the zero-config one)
    and of those installed packages provide (entry point group ``guardrails.policies``)."""
    from importlib.metadata import entry_points

    installed = {ep.name for ep in entry_points(group="guardrails.policies")}
    try:
        folder = data_path("policies")
    except FileNotFoundError:
        return frozenset({"default", *installed})
    shipped = {p.stem for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()}
    return frozenset({"default", *shipped, *installed})


def _file_sources(
    r: Reader,
    node: yaml.Node,
    what: str,
    kinds: tuple[str, ...],
    keys: tuple[str, ...] = FILE_SOURCE_KEYS,
) -> tuple[FileSource, ...]:
    out = []
    for i, item in enumerate(r.sequence(node, what) or []):
        spec = r.mapping(item, f"{what}[{i}]", keys, required=FILE_SOURCE_KEYS)
        if spec is None or not all(k in spec for k in FILE_SOURCE_KEYS):
            continue
        path = r.string(spec["path"][1], f"{what}[{i}].path")
        if path is not None:
            path = check_path_pattern(r, spec["path"][1], path, f"{what}[{i}].path")
        kind = r.string(spec["kind"][1], f"{what}[{i}].kind")
        if kind is not None and kind not in kinds:
            hint = suggest(kind, kinds)
            r.error(
                spec["kind"][1],
                f"{what}[{i}].kind: unknown kind '{kind}'",
                fix=f"did you mean '{hint}'?" if hint else f"use one of: {', '.join(kinds)}",
            )
            kind = None
        owner = _owner(r, spec["owner"][1], f"{what}[{i}].owner") if "owner" in spec else None
        readers: list[str] = []
        if "readers" in spec:
            for value, reader in r.strings(spec["readers"][1], f"{what}[{i}].readers"):
                if READER_RE.match(value):
                    readers.append(value)
                else:
                    r.error(
                        reader,
                        f"{what}[{i}].readers: '{value}' is not a function name",
                        fix="write the name the code calls, e.g. `is_on` or `flags.enabled`",
                    )
        if path is not None and kind is not None:
            out.append(FileSource(path, kind, r.origin(item), owner, tuple(readers)))
    return tuple(out)


def _limit_values(r: Reader, node: yaml.Node, what: str) -> tuple[tuple[str, float], ...]:
    spec = r.mapping(node, what, LIMIT_KEYS) or {}
    out: list[tuple[str, float]] = []
    for key in LIMIT_KEYS:
        if key not in spec:
            continue
        vnode = spec[key][1]
        value = _number(vnode)
        low = 1.0 if key == "max_factor" else 0.0
        if value is None or not low <= value <= (1000.0 if key == "max_factor" else 100.0):
            top = "1000" if key == "max_factor" else "100"
            r.error(
                vnode,
                f"{what}.{key} must be a number from {low:g} to {top}",
                fix=f"write e.g. `{key}: {5 if key == 'max_factor' else 10}`",
            )
            continue
        out.append((key, value))
    return tuple(out)


def _number(node: yaml.Node) -> float | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
    ):
        return None
    try:
        return float(str(node.value).replace("_", ""))
    except ValueError:
        return None


def _limits(r: Reader, node: yaml.Node, decl: Declarations) -> Limits:
    """``limits:`` (step limits of rollouts and flags): defaults, ``tier:``, ``services:``."""
    spec = r.mapping(node, "limits", LIMITS_KEYS)
    if spec is None:
        return Limits()
    top = {k: spec[k] for k in LIMIT_KEYS if k in spec}
    default = Limits().default
    if top:
        mapping = yaml.MappingNode("tag:yaml.org,2002:map", list(top.values()))
        default = default.merged(_limit_values(r, mapping, "limits"))
    tiers: list[tuple[int, tuple[tuple[str, float], ...]]] = []
    if "tier" in spec:
        tnode = spec["tier"][1]
        if not isinstance(tnode, yaml.MappingNode):
            r.error(
                tnode, "limits.tier must be a mapping of tier numbers, e.g. `{0: {max_step: 10}}`"
            )
        else:
            # Tier keys are numbers (`0:`), which Reader.mapping (string keys only) refuses.
            for knode, vnode in tnode.value:
                tier = _number(knode)
                if tier is None or tier != int(tier) or tier < 0:
                    r.error(knode, "limits.tier: keys are tier numbers (0, 1, 2, ...)")
                    continue
                tiers.append((int(tier), _limit_values(r, vnode, f"limits.tier.{int(tier)}")))
    services: list[tuple[str, tuple[tuple[str, float], ...]]] = []
    if "services" in spec:
        for name, (knode, vnode) in (
            r.mapping(spec["services"][1], "limits.services") or {}
        ).items():
            decl.where[("limits", name, "")] = r.origin(knode)  # load.py checks the name exists
            services.append((name, _limit_values(r, vnode, f"limits.services.{name}")))
    return Limits(default, tuple(sorted(tiers)), tuple(sorted(services)))


def _inference(r: Reader, node: yaml.Node) -> Inference:
    spec = r.mapping(node, "inference", INFERENCE_KEYS) or {}
    default = Inference()

    def flag(key: str, fallback: bool) -> bool:
        if key not in spec:
            return fallback
        value = r.boolean(spec[key][1], f"inference.{key}")
        return fallback if value is None else value

    roots: tuple[str, ...] = ()
    if "roots" in spec:
        roots = tuple(v.strip("/") for v, _ in r.strings(spec["roots"][1], "inference.roots"))
    return Inference(
        python_imports=flag("python_imports", default.python_imports),
        roots=roots,
        include_type_only=flag("type_only", default.include_type_only),
        include_weak=flag("weak", default.include_weak),
    )
