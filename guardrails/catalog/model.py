"""Plain, immutable catalog data. Loaders in this package produce it; graph.py consumes it.

Ids: services are keyed by bare name (``event-bus``) and become ``service:event-bus`` in the
graph; resources are keyed by their typed id (``topic:user-events``); teams by bare name
(``data-infra`` -> ``team:data-infra``).
"""

from __future__ import annotations

import msgspec

DEFAULT_TIER = 2
CONFIG_FILE = "guardrails.yaml"
SERVICE_FILE = "guardrails-service.yaml"
BACKSTAGE_FILE = "catalog-info.yaml"
CODEOWNERS_LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS")


class Origin(msgspec.Struct, frozen=True):
    """Where a declaration was read: the evidence shown in explanations."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


class Member(msgspec.Struct, frozen=True):
    login: str
    email: str | None = None


class Team(msgspec.Struct, frozen=True):
    name: str
    members: tuple[Member, ...] = ()
    handles: tuple[str, ...] = ()  # CODEOWNERS handles, e.g. "@acme/data-infra"
    origin: Origin | None = None

    @property
    def id(self) -> str:
        return f"team:{self.name}"


class Dependency(msgspec.Struct, frozen=True):
    """One declared edge: ``target`` is a node id (``service:x``, ``topic:y``, ``api:z``)."""

    target: str
    kind: str  # depends_on | consumes | produces | consumes_api | provides_api
    origin: Origin | None = None


class Service(msgspec.Struct, frozen=True):
    name: str
    owner: str | None = None  # team name
    tier: int = DEFAULT_TIER
    paths: tuple[str, ...] = ()  # gitwildmatch patterns, repo-relative
    dependencies: tuple[Dependency, ...] = ()  # depends_on / consumes / produces, in file order
    public: tuple[str, ...] = ()  # public module patterns (graph.private-import)
    origin: Origin | None = None
    source: str = CONFIG_FILE  # which kind of file declared it

    @property
    def id(self) -> str:
        return f"service:{self.name}"


class Resource(msgspec.Struct, frozen=True):
    """A typed resource; ``schema`` names the class that defines its data.

    ``schema`` is ``path::Class``, or ``path::Outer.Inner`` for a class nested in another
    (dotted like ``__qualname__``; never a module path, since the file is already named):
    ``schema_path`` is the file, ``schema_class`` the whole dotted name. The loader accepts
    only identifiers joined by single dots (``config.SCHEMA_RE``).
    """

    id: str  # typed: topic:user-events, table:orders, flag:new-ranker, api:search
    owner: str | None = None
    tier: int | None = None  # None: inherits nothing; impact uses DEFAULT_TIER
    schema: str | None = None  # "path/to/file.py::ClassName" or "path/to/file.py::Outer.Inner"
    file: str | None = None  # the file that defines it (flag file, schema file)
    dependencies: tuple[Dependency, ...] = ()
    origin: Origin | None = None
    source: str = CONFIG_FILE

    @property
    def kind(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def schema_path(self) -> str | None:
        return self.schema.split("::", 1)[0] if self.schema else None

    @property
    def schema_class(self) -> str | None:
        """``"Outer.Inner"`` for ``path::Outer.Inner``: walk it one name at a time."""
        return self.schema.split("::", 1)[1] if self.schema and "::" in self.schema else None


class FileSource(msgspec.Struct, frozen=True):
    """A rollout or flag file pattern and the parser that reads it."""

    path: str  # gitwildmatch pattern
    # rollouts: guardrails | argo-rollout | flagger | kubernetes;
    # flags: flagd | python-constants | absl | yaml
    kind: str
    origin: Origin | None = None
    owner: str | None = None  # flags: the team owning flags of these files with no resource
    readers: tuple[str, ...] = ()  # flags: more functions whose first argument is a flag key


class StepLimits(msgspec.Struct, frozen=True):
    """How far one change may move a rollout (percentages of traffic or users)."""

    first_weight: float = 10.0  # the first canary weight / first flag percentage
    max_step: float = 25.0  # points one step (or one change) may add
    max_factor: float = 5.0  # a flag percentage may also grow this many times (5 -> 25)
    max_unavailable: float = 50.0  # a Deployment's maxUnavailable from this share blocks

    def merged(self, overrides: tuple[tuple[str, float], ...]) -> StepLimits:
        from msgspec.structs import replace

        return replace(self, **dict(overrides))


class Limits(msgspec.Struct, frozen=True):
    """``limits:``: repository defaults, then per tier, then per service (the last wins)."""

    default: StepLimits = StepLimits()
    tiers: tuple[tuple[int, tuple[tuple[str, float], ...]], ...] = ()
    services: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()

    def for_service(self, name: str | None, tier: int | None) -> StepLimits:
        out = self.default
        for t, values in self.tiers:
            if t == tier:
                out = out.merged(values)
        for s, values in self.services:
            if s == name:
                out = out.merged(values)
        return out


class AgentIdentities(msgspec.Struct, frozen=True):
    emails: tuple[str, ...] = ()  # fnmatch patterns
    names: tuple[str, ...] = ()


class Inference(msgspec.Struct, frozen=True):
    python_imports: bool = True
    roots: tuple[str, ...] = ()  # explicit source roots; empty = auto-detect
    include_type_only: bool = False  # `if TYPE_CHECKING:` imports count for impact?
    include_weak: bool = True  # `try: import x / except ImportError` imports count?


class CodeOwnersRule(msgspec.Struct, frozen=True):
    pattern: str
    owners: tuple[str, ...]  # handles/emails as written ("@acme/data-infra", "a@b.c")
    origin: Origin
    section: str | None = None  # GitLab section name
    optional: bool = False  # GitLab ^[Section]
    approvals: int = 1  # GitLab [Section][N]


class CodeOwners(msgspec.Struct, frozen=True):
    path: str
    rules: tuple[CodeOwnersRule, ...] = ()  # in file order


class Catalog(msgspec.Struct, frozen=True):
    version: int = 1
    teams: dict[str, Team] = msgspec.field(default_factory=dict)
    agents: AgentIdentities = AgentIdentities()
    services: dict[str, Service] = msgspec.field(default_factory=dict)
    resources: dict[str, Resource] = msgspec.field(default_factory=dict)
    rollouts: tuple[FileSource, ...] = ()
    flags: tuple[FileSource, ...] = ()
    limits: Limits = Limits()
    policies: tuple[str, ...] = ("builtin:default",)
    codeowners_enabled: bool = True
    codeowners: CodeOwners | None = None
    inference: Inference = Inference()
    config_path: str | None = None  # None: zero-config (no guardrails.yaml)
    # Policy severities changed per policy id (``builtin:default/safety.no-timeout: warn``)
    # and more paths guarded by guardrails.self-protect.
    overrides: tuple[tuple[str, str, int], ...] = ()  # (policy id, severity, line)
    protect: tuple[str, ...] = ()
    # Non-fatal observations (cycles, ambiguities) for `guardrails validate` to print.
    notes: tuple[str, ...] = ()
