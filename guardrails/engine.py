"""The application layer: wires the stages together for the commands.

    git (ChangeSet + base/head snapshots) -> catalogs -> import inference -> graph
    -> file claims -> blast radius

Each stage is a plain function of plain data; this module only decides which revision each
stage reads (DESIGN §10 "Which config"). What is remembered between runs is content-addressed
under the git dir (:mod:`guardrails.cache`, activated by :func:`guardrails.cache.open_repo`):
catalogs, file claims, import graphs and semantic diffs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec.structs import replace

from guardrails.catalog.model import CONFIG_FILE, Catalog, FileSource, Inference, Service
from guardrails.changes import DELETED, RENAMED, Snapshot
from guardrails.errors import ConfigError, GuardrailsError, Problem
from guardrails.filemap import FileMap, touch
from guardrails.graph import DependencyGraph, Evidence, ImportDependency
from guardrails.semantic.python_files import is_python_change

if TYPE_CHECKING:
    from guardrails.flags import FlagRead
    from guardrails.git import Change, Repo
    from guardrails.impact import Impact
    from guardrails.imports import ImportGraph
    from guardrails.imports.build import EarlyExtraction


class Selector(msgspec.Struct, frozen=True):
    """Which change to look at: exactly one of staged / base / patch / paths."""

    staged: bool = False
    base: str | None = None
    head: str | None = None
    patch: bytes | None = None
    paths: tuple[str, ...] = ()

    @classmethod
    def from_options(
        cls,
        *,
        staged: bool = False,
        base: str | None = None,
        head: str | None = None,
        patch: bytes | None = None,
        paths: Sequence[str] = (),
        allow_paths: bool = True,
    ) -> Selector:
        chosen = [
            n
            for n, on in (
                ("--staged", staged),
                ("--base", base is not None),
                ("--patch", patch is not None),
                ("PATH", bool(paths)),
            )
            if on
        ]
        if len(chosen) > 1:
            raise GuardrailsError(
                f"choose one change selector, not {' and '.join(chosen)}",
                fix="pass one of --staged, --base REV, --patch FILE"
                + (", PATH..." if allow_paths else ""),
            )
        if head is not None and base is None:
            raise GuardrailsError(
                "--head needs --base", fix="add --base REV (e.g. --base origin/main)"
            )
        if not chosen:
            raise GuardrailsError(
                "no change selected",
                fix="pass --staged (pre-commit), --base origin/main (CI), --patch FILE"
                + (" or PATH..." if allow_paths else ""),
            )
        return cls(staged, base, head, patch, tuple(paths))


class Derived(msgspec.Struct, frozen=True):
    """What import inference gives one revision (see :class:`World`)."""

    graph: DependencyGraph
    imports: ImportGraph | None
    problems: tuple[Problem, ...] = ()
    # Code that reads a flag by a literal key, whether or not a flag file defines it.
    flag_reads: tuple[FlagRead, ...] = ()


class World(msgspec.Struct, frozen=True, dict=True):
    """One revision's view: its catalog and file claims, read at once; its import graph and
    dependency graph, built on first use. A change that touches no node and no Python file
    (a docs-only commit) is judged without them: nothing it asks depends on who imports whom.
    """

    snapshot: Snapshot
    catalog: Catalog
    filemap: FileMap
    derive: Callable[[], Derived]

    @functools.cached_property
    def _derived(self) -> Derived:
        return self.derive()

    @property
    def graph(self) -> DependencyGraph:
        return self._derived.graph

    @property
    def imports(self) -> ImportGraph | None:
        return self._derived.imports

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._derived.problems

    @property
    def flag_reads(self) -> tuple[FlagRead, ...]:
        return self._derived.flag_reads

    @property
    def infers_imports(self) -> bool:
        """Whether :attr:`imports` is a graph (known without building it)."""
        return infers_imports(self.catalog)


class Analysis(msgspec.Struct, frozen=True, dict=True):
    change: Change
    head: World
    base: World | None
    impact: Impact
    # The head graph, united with the base graph when files were deleted/renamed: built on
    # first use (the impact of a change that touches no node needs no graph).
    graph_of: Callable[[], DependencyGraph]
    # The head config failed to validate in --base mode: a finding for `check`, not an exit 2.
    config_problems: tuple[Problem, ...] = ()
    base_catalog: Catalog | None = None  # --base mode, or when files were deleted/renamed
    config_path: str = CONFIG_FILE

    @property
    def graph(self) -> DependencyGraph:
        return self.graph_of()

    @functools.cached_property
    def guarded(self) -> Catalog:
        """The catalog rules and authorship read (see :func:`guarded_catalog`)."""
        return guarded_catalog(self.head.catalog, self.base_catalog)


def read_change(repo: Repo, selector: Selector) -> Change:
    if selector.staged:
        return repo.read_staged()
    if selector.base is not None:
        return repo.read_range(selector.base, selector.head or "HEAD")
    if selector.patch is not None:
        return repo.read_patch(selector.patch)
    return repo.read_paths(selector.paths)


def inferred_services(
    snapshot: Snapshot, config_path: str | None, *, required: bool
) -> tuple[Service, ...]:
    """Zero-config (DESIGN §4): with no config file, services are the top-level packages
    under the source roots and the directories with their own pyproject.toml."""
    if snapshot.read(config_path or CONFIG_FILE) is not None or (
        config_path is not None and required
    ):
        return ()
    from guardrails.catalog.infer import infer_services

    return infer_services(snapshot)


def load_catalog_for(
    snapshot: Snapshot, config_path: str | None = None, *, required: bool = True
) -> Catalog:
    """The catalog of one tree. Raises ConfigError on an invalid catalog.

    ``config_path`` None means the default ``guardrails.yaml``, whose absence is zero-config
    mode (owners then come from CODEOWNERS); a path the user named must exist
    (``required``), or it is an error, not a silent fallback to zero-config.
    """
    from guardrails.cache.world import remembered_catalog

    def build(snap: Snapshot) -> Catalog:
        from guardrails.catalog.load import load_catalog  # the loader and PyYAML: on a miss

        return load_catalog(
            snap,
            config_path=config_path or CONFIG_FILE,
            inferred=inferred_services(snap, config_path, required=required),
            require_config=config_path is not None and required,
        )

    return remembered_catalog(snapshot, (config_path, required), build)


_AUTO: Any = object()  # load_world's default: decide whether to start the extraction early


def load_world(
    repo: Repo,
    snapshot: Snapshot,
    config_path: str | None = None,
    *,
    required: bool = True,
    early: EarlyExtraction | None = _AUTO,
) -> World:
    """Catalog + imports + graph for one tree (see :func:`load_catalog_for`).

    A tree whose imports were never extracted (a cold cache) has them extracted by a forked
    child while the catalog and the file claims load here (:func:`start_early`); ``early``:
    the one the caller started (None: none).
    """
    if early is _AUTO:
        early = start_early(repo, snapshot)
    try:
        catalog = load_catalog_for(snapshot, config_path, required=required)
    except BaseException:
        if early is not None:
            early.cancel()
        raise
    if early is not None and not infers_imports(catalog):
        early.cancel()  # no import graph for this catalog: the child's work is not wanted
        early = None
    return world_from_catalog(repo, snapshot, catalog, early=early)


def start_early(repo: Repo, snapshot: Snapshot) -> EarlyExtraction | None:
    """:func:`guardrails.imports.build.start_extraction` of ``snapshot`` when the repository
    has remembered nothing yet (:func:`guardrails.imports.cold.is_cold`), else None without
    importing any of the inference."""
    from guardrails.imports import cold

    cache_dir = repo.git_dir / "guardrails"
    if not cold.is_cold(snapshot.paths(), cache_dir):
        return None
    from guardrails.imports.build import start_extraction

    return start_extraction(snapshot, cache_dir)


def infers_imports(catalog: Catalog) -> bool:
    return bool(catalog.inference.python_imports and catalog.services)


def world_from_catalog(
    repo: Repo, snapshot: Snapshot, catalog: Catalog, *, early: EarlyExtraction | None = None
) -> World:
    from guardrails.cache.world import remembered_claims

    # Services and CODEOWNERS teams of every file, remembered per (catalog, path list).
    claims = remembered_claims(snapshot, catalog, owners_from_codeowners)
    catalog, services_of, owners_of = claims.catalog, claims.services_of, claims.owners_of
    flag_nodes: dict[str, list[str]] = {}
    defined = None
    if catalog.flags:
        # Flag keys become nodes (read now: a change to a flag file touches them); the
        # services reading them depend on them (found with the rest of the graph).
        from guardrails.flags import flag_nodes as read_flag_nodes

        defined = read_flag_nodes(snapshot, catalog, owners_of)
        for node, (_, origin) in defined.nodes.items():
            flag_nodes.setdefault(origin.path, []).append(node)

    def derive() -> Derived:
        imports = None
        import_deps: list[ImportDependency] = []
        problems: list[Problem] = []
        if infers_imports(catalog):
            imports, import_deps, problems = _infer_imports(
                repo, snapshot, catalog, services_of, early
            )
        elif early is not None:
            early.cancel()
        graph = DependencyGraph.build(catalog, import_deps)
        flag_reads: tuple[FlagRead, ...] = ()
        if defined is not None:
            from guardrails.flags import flag_graph

            flags = flag_graph(
                snapshot,
                catalog,
                services_of,
                owners_of,
                imports.edges if imports is not None else (),
                cache_dir=repo.git_dir / "guardrails",
                defined=defined,
            )
            graph.extend(flags.nodes, flags.edges)
            flag_reads = flags.reads
        return Derived(graph, imports, tuple(problems), flag_reads)

    filemap = FileMap(catalog, services_of, owners_of, flag_nodes, flag_definitions)
    return World(snapshot, catalog, filemap, derive)


def flag_definitions(source: FileSource, path: str, text: str) -> dict[str, object] | None:
    """What each flag of a flag file is defined as (for "which keys did the change touch")."""
    from guardrails.semantic.flags import read_flags
    from guardrails.semantic.structured import Malformed

    found = read_flags(source.kind, path, text)
    return None if isinstance(found, Malformed) else {k: f.definition for k, f in found.items()}


def owners_from_codeowners(
    catalog: Catalog,
    paths: Sequence[str],
    services_of: Mapping[str, tuple[str, ...]],
    owners_of: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]],
) -> Catalog:
    """A service nobody declared an owner for is owned by the CODEOWNERS owners of its files.

    The first file of the service (in path order) decides, and only owners that are teams
    count: a person in CODEOWNERS owns files, not a node in the graph. ``services_of`` and
    ``owners_of`` are the claims of every path (team ids first, sorted).
    """
    ownerless = {name for name, svc in catalog.services.items() if svc.owner is None}
    if not ownerless:
        return catalog
    owners: dict[str, str] = {}
    for path in paths:
        for name in services_of.get(path, ()):
            if name not in ownerless or name in owners:
                continue
            teams = owners_of.get(path, ((), ()))[0]
            if teams:
                owners[name] = teams[0].removeprefix("team:")
        if len(owners) == len(ownerless):
            break
    if not owners:
        return catalog
    services = dict(catalog.services)
    for name, team in owners.items():
        services[name] = replace(services[name], owner=team)
    return replace(catalog, services=services)


def _infer_imports(
    repo: Repo,
    snapshot: Snapshot,
    catalog: Catalog,
    services_of: Callable[[str], tuple[str, ...]],
    early: EarlyExtraction | None = None,
) -> tuple[ImportGraph, list[ImportDependency], list[Problem]]:
    from guardrails.imports import build_import_graph

    def service_of(path: str) -> str | None:
        owners = services_of(path)
        return owners[0] if owners else None

    ig = build_import_graph(
        snapshot,
        catalog,
        cache_dir=repo.git_dir / "guardrails",
        service_of=service_of,
        progress=sys.stderr.isatty(),
        early=early,
    )
    deps = [
        ImportDependency(
            src, dst, tuple(Evidence("import", e.src_path, e.line, e.statement) for e in edges)
        )
        for (src, dst), edges in sorted(
            ig.service_edges(
                include_type_only=catalog.inference.include_type_only,
                include_weak=catalog.inference.include_weak,
            ).items()
        )
    ]
    return ig, deps, list(ig.problems)


def analyze(
    repo: Repo,
    selector: Selector,
    *,
    config_path: str | None = None,
    depth: int | None = None,
    change: Change | None = None,
) -> Analysis:
    """Read the change, load the catalogs DESIGN §10 asks for, and compute the blast radius.

    ``change``: the change ``selector`` selects, when the caller has read it already.

    Impact uses the head catalog, and the base catalog for deleted and renamed files. In
    --base (CI) mode the base catalog is always read: a change must not be able to weaken
    the config it is judged by (see :func:`guarded_catalog`). The base *import graph* is
    built only when files were deleted or renamed, the one case that needs it, and no
    import graph at all until something asks: the blast radius of a touched node, or a
    rule reading who imports a changed file.
    """
    from guardrails.cache import activate

    activate(repo.git_dir / "guardrails")  # semantic diffs and worlds, keyed by content
    if change is None:
        change = read_change(repo, selector)
    cs = change.changes
    needs_base = any(f.status in (DELETED, RENAMED) for f in cs.files)
    config_problems: tuple[Problem, ...] = ()
    # A cold head's imports are extracted from now on, beside the base catalog too, when the
    # change has Python in it (the rules will ask who imports it): a docs-only change may
    # never build the graph, and would leave a child's work unused on every run.
    early = start_early(repo, change.head) if any(map(is_python_change, cs.files)) else None

    try:
        base_catalog = (
            load_catalog_for(change.base, config_path, required=False)
            if needs_base or cs.mode == "range"
            else None
        )
    except BaseException:
        if early is not None:
            early.cancel()
        raise
    try:
        head_world = load_world(repo, change.head, config_path, early=early)
    except ConfigError as exc:
        named_but_nowhere = config_path is not None and change.base.read(config_path) is None
        if cs.mode != "range" or base_catalog is None or named_but_nowhere:
            raise
        # CI mode: an invalid head config is a finding (guardrails.config-invalid); the base
        # catalog still tells who the change affects.
        config_problems = (exc.problem, *exc.problems)
        head_world = world_from_catalog(repo, change.head, base_catalog)
    if cs.mode == "range" and base_catalog is not None:
        inference = guarded_inference(head_world.catalog.inference, base_catalog.inference)
        if inference != head_world.catalog.inference:
            # `inference: {python_imports: false}` in the change itself must not hide the
            # importers an API break reaches: the base's switches count too.
            head_world = world_from_catalog(
                repo,
                change.head,
                replace(head_world.catalog, inference=inference),
                early=early,  # the world it replaces is never derived: this one takes it
            )
    base_world = (
        world_from_catalog(repo, change.base, base_catalog)
        if needs_base and base_catalog is not None
        else None
    )

    touched = touch(cs, head_world.filemap, base_world.filemap if base_world else None)

    @functools.cache
    def graph_of() -> DependencyGraph:
        graph = head_world.graph
        if base_world is not None:
            graph = head_world.graph.union(base_world.graph)
        if cs.mode == "range" and base_catalog is not None:
            graph = graph.keeping_tiers(base_tiers(base_catalog))
        for node, files in touched.nodes.items():
            if node not in graph:
                _add_untracked(graph, head_world, node, files)
        return graph

    # The impact records are a change's: `graph` loads a world and never creates them.
    from guardrails.impact import blast_radius

    # No node touched, nothing reached: the graph is not even built.
    reach = graph_of() if touched.nodes else DependencyGraph({}, {})
    impact = blast_radius(reach, touched, base=cs.base, head=cs.head, depth=depth, mode=cs.mode)
    return Analysis(
        change,
        head_world,
        base_world,
        impact,
        graph_of,
        config_problems,
        base_catalog,
        config_path or CONFIG_FILE,
    )


def _add_untracked(graph: DependencyGraph, world: World, node: str, files: Sequence[str]) -> None:
    """A touched node no catalog and no flag file of the head declares: a flag key the change
    deletes, or one nothing else knows. Owned by its `flags:` entry, else its files'
    CODEOWNERS; a deleted key still reaches the code that reads it."""
    fmap = world.filemap
    owners = sorted({t for f in files for t in fmap.owners_of(f)[0]})
    if node.startswith("flag:"):
        entries = {s.owner for f in files if (s := fmap.source_for(f, fmap.catalog.flags))}
        if entries - {None}:
            owners = sorted(f"team:{o}" for o in entries if o)
    graph.ensure_node(node, owner=owners[0] if owners else None)
    if node.startswith("flag:"):
        from guardrails.flags import read_edges

        key = node.removeprefix("flag:")
        graph.extend({}, read_edges(world.flag_reads, fmap.services_of, {key}))


def guarded_inference(head: Inference, base: Inference) -> Inference:
    """The head's inference with every switch the base turned on still on (the head's roots:
    a change may move its sources)."""
    return replace(
        head,
        python_imports=head.python_imports or base.python_imports,
        include_type_only=head.include_type_only or base.include_type_only,
        include_weak=head.include_weak or base.include_weak,
    )


def base_tiers(base: Catalog) -> dict[str, int]:
    """The tier the base declares for each node: what a change is graded by in CI."""
    tiers = {s.id: s.tier for s in base.services.values() if s.tier is not None}
    tiers.update({r.id: r.tier for r in base.resources.values() if r.tier is not None})
    return tiers


def guarded_catalog(head: Catalog, base: Catalog | None) -> Catalog:
    """The catalog rules and authorship read: the head's, which a change cannot weaken.

    A change that also deletes `agents.emails` must still be recognised as an agent's, and one
    that drops a resource's `schema:` while breaking that schema must still be caught: agent
    patterns are the union of both sides, and a resource keeps the base's schema declaration
    when the head dropped it (DESIGN §6 tamper-proofing).
    """
    if base is None:
        return head
    from guardrails.catalog.model import AgentIdentities

    agents = AgentIdentities(
        emails=tuple(sorted({*head.agents.emails, *base.agents.emails})),
        names=tuple(sorted({*head.agents.names, *base.agents.names})),
    )
    resources = dict(head.resources)
    for rid, old in base.resources.items():
        new = resources.get(rid)
        if new is None:
            resources[rid] = old
        elif old.schema and not new.schema:
            resources[rid] = replace(new, schema=old.schema)
    return replace(head, agents=agents, resources=resources)
