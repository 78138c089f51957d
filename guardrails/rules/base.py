"""What a rule is, what it may read, and how it carries its own test cases.

A rule is one class in one file: ``id``, ``default_severity``, ``check(ctx)`` yielding
Findings, and ``VALID`` / ``INVALID`` cases as data (Fixit's habit). The policy stage may
change severities later; rules only set the default, and the facts a policy needs to decide
(which services and teams an import site belongs to) go into ``Finding.related``.

Rules read a :class:`RuleContext`. Everything in it is plain data or a narrow protocol, so
tests pass small fakes and the CLI wires the real graph and import index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

import msgspec

from guardrails.catalog.model import Catalog
from guardrails.changes import ChangeSet, FileChange
from guardrails.findings import SEVERITIES, Finding, Related
from guardrails.semantic.python_files import MAX_FILE_BYTES, is_python_change

if TYPE_CHECKING:
    # The semantic diff (its records, its cache, the parsers) is imported where a Python file
    # changed: the hook imports every rule on every commit, most of which change no Python.
    from guardrails.authors import Authorship
    from guardrails.errors import Problem
    from guardrails.imports.uses import UseIndex
    from guardrails.policy.approvals import Approval
    from guardrails.semantic.facts import ModuleDiff

PYTHON_SUFFIXES = (".py", ".pyi")


class ImportSite(Protocol):
    """One import statement: ``from <module> import <names>`` at ``src_path:line``.

    ``names`` is empty for ``import module``; ``("*",)`` for a star import. ``dst_path`` is
    the file the module resolves to, when it is in the repository.
    """

    @property
    def src_path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def module(self) -> str: ...
    @property
    def names(self) -> Sequence[str]: ...
    @property
    def dst_path(self) -> str | None: ...


class ImportIndex(Protocol):
    """The import graph of the head revision, as the rules need it."""

    def module_of(self, path: str) -> str | None:
        """Dotted module name of a repository file (source roots applied), or None."""
        ...

    def importers_of(self, module: str) -> Sequence[ImportSite]:
        """Every import of ``module`` (``import m``, ``from m import x``, ``from pkg import m``)."""
        ...

    def imports_of(self, path: str) -> Sequence[ImportSite]:
        """Every import statement in the file ``path``, with ``dst_path`` resolved."""
        ...

    def base_importers_of(self, module: str) -> Sequence[ImportSite]:
        """Every import of ``module`` in the base revision (empty when there is none)."""
        ...


class NoImports:
    """Import inference switched off: nobody is known to import anything."""

    def module_of(self, path: str) -> str | None:
        return None

    def importers_of(self, module: str) -> Sequence[ImportSite]:
        return ()

    def imports_of(self, path: str) -> Sequence[ImportSite]:
        return ()

    def base_importers_of(self, module: str) -> Sequence[ImportSite]:
        return ()


class EdgeIndex:
    """An ImportIndex over plain import edges (e.g. ``guardrails.imports.ImportGraph.edges``).

    ``module_of`` is read off the edges themselves (the module name importers use for a
    file), so a file nobody imports has no module name, and no import sites either.
    """

    def __init__(self, edges: Iterable[ImportSite] | Callable[[], Iterable[ImportSite]]) -> None:
        # Each index is built on its first question: a commit that changes no public name
        # never asks who imports a module (localstack's ~4,600 edges, on every hook run).
        # Edges given as a function are asked for then too (the import graph is built then).
        self._source = edges
        self._edges_read: tuple[ImportSite, ...] | None = None
        self._by_module: dict[str, list[ImportSite]] | None = None
        self._by_src: dict[str, list[ImportSite]] | None = None
        self._module: dict[str, str] | None = None

    def module_of(self, path: str) -> str | None:
        if self._module is None:
            self._module = {}
            for e in self._edges:
                if e.dst_path is not None:
                    # Deterministic when several names reach one file: the shortest, then first.
                    known = self._module.get(e.dst_path)
                    if known is None or (len(e.module), e.module) < (len(known), known):
                        self._module[e.dst_path] = e.module
        return self._module.get(path)

    def importers_of(self, module: str) -> Sequence[ImportSite]:
        if self._by_module is None:
            self._by_module = {}
            for e in self._edges:
                self._by_module.setdefault(e.module, []).append(e)
        return tuple(self._by_module.get(module, ()))

    def imports_of(self, path: str) -> Sequence[ImportSite]:
        if self._by_src is None:
            self._by_src = {}
            for e in self._edges:
                self._by_src.setdefault(e.src_path, []).append(e)
        return tuple(self._by_src.get(path, ()))

    def base_importers_of(self, module: str) -> Sequence[ImportSite]:
        return ()  # one revision's edges: no base known

    @property
    def _edges(self) -> tuple[ImportSite, ...]:
        if self._edges_read is None:
            source = self._source
            self._edges_read = tuple(source() if callable(source) else source)
        return self._edges_read


def is_python(path: str | None) -> bool:
    return path is not None and path.endswith(PYTHON_SUFFIXES)


@dataclass
class RuleContext:
    """What every rule may read. Semantic diffs are computed on first use and shared."""

    changes: ChangeSet
    catalog: Catalog = field(default_factory=Catalog)
    # Bare service name ("event-bus") owning a path; "service:event-bus" is accepted too.
    service_of: Callable[[str], str | None] = lambda path: None
    imports: ImportIndex = field(default_factory=NoImports)
    max_file_bytes: int = MAX_FILE_BYTES
    # The head config's problems in --base mode (guardrails.config-invalid reports them).
    config_problems: Sequence[Problem] = ()
    config_path: str = "guardrails.yaml"
    # Who wrote the change (ownership rules), and the team:/user: owners of a path: its
    # services' owners and its CODEOWNERS teams.
    # None: ownership is unknown (a rule's own cases), and the ownership rules stay quiet.
    author: Authorship | None = None
    owners_of_path: Callable[[str], tuple[str, ...]] | None = None
    # The reviews judged against the change (ownership.self-approval).
    approvals: Sequence[Approval] = ()
    # Graph facts for rules that grade by reach (flags.*): the lowest tier among a node and
    # every node that depends on it (None: unknown), and the code sites that read a flag
    # node (``flag:new-ranker``), each with the reading service as its ``node``.
    tier_reached: Callable[[str], int | None] = lambda node: None
    flag_readers: Callable[[str], Sequence[Related]] = lambda node: ()
    # The owning team of a graph node ("team:ranking"), as the head graph has it (flag keys
    # nobody declared are owned by their `flags:` entry or their file's CODEOWNERS).
    node_owner: Callable[[str], str | None] = lambda node: None
    # Parsed rollout and flag files, shared by the rules that read them (rules/_files.py).
    memo: dict[tuple[str, int], object] = field(default_factory=dict, init=False, repr=False)
    # The head text of a repository file (None: unknown). Rules read importers through it to
    # see which names of an imported module they use; without it every importer counts.
    source: Callable[[str], str | None] = lambda path: None
    _diffs: dict[int, ModuleDiff] = field(default_factory=dict, init=False, repr=False)
    _uses: UseIndex | None = field(default=None, init=False, repr=False)
    # Findings located in the base revision (removed definitions): no head comment can sit on
    # their line, so run_rules does not look for suppressions there.
    base_located: set[Finding] = field(default_factory=set, init=False, repr=False)

    def python_changes(self) -> Iterator[tuple[FileChange, ModuleDiff]]:
        python = [c for c in self.changes.files if is_python_change(c)]  # also scripts, .pyw,
        # bytecode, module symlinks. The diffs not known yet are computed together: many of
        # them (a wide range) are shared between worker processes.
        todo = [c for c in python if id(c) not in self._diffs]
        if len(todo) > 1:
            from guardrails.cache.diffs import cached_diffs

            for change, diff in zip(
                todo, cached_diffs(todo, max_bytes=self.max_file_bytes), strict=True
            ):
                self._diffs[id(change)] = diff
        for change in python:
            yield change, self.diff(change)

    def diff(self, change: FileChange) -> ModuleDiff:
        key = id(change)
        if key not in self._diffs:
            from guardrails.cache.diffs import cached_diff

            self._diffs[key] = cached_diff(change, max_bytes=self.max_file_bytes)
        return self._diffs[key]

    @property
    def uses(self) -> UseIndex:
        """Which names importers use, each file parsed once per check."""
        if self._uses is None:
            from guardrails.imports.uses import UseIndex

            self._uses = UseIndex(self.source)
        return self._uses

    def service(self, path: str | None) -> str | None:
        if path is None:
            return None
        name = self.service_of(path)
        if name is not None and name.startswith("service:"):
            name = name[len("service:") :]
        return name

    def owner(self, service: str | None) -> str | None:
        svc = self.catalog.services.get(service) if service else None
        return svc.owner if svc else None

    def at_base(self, finding: Finding) -> Finding:
        self.base_located.add(finding)
        return finding


class Site(msgspec.Struct, frozen=True):
    """A concrete ImportSite, for cases and fakes."""

    src_path: str
    line: int
    module: str
    names: tuple[str, ...] = ()
    dst_path: str | None = None


class Expect(msgspec.Struct, frozen=True):
    """One finding a case must produce. ``message`` parts must all appear in the message;
    ``related`` lists ``path:line`` of every related entry, in order."""

    line: int | None
    severity: str
    message: tuple[str, ...] = ()
    path: str | None = None  # default: the case's path
    related: tuple[str, ...] | None = None  # None: not checked


class Case(msgspec.Struct, frozen=True):
    """A change and what the rule must report on it (nothing, for VALID cases).

    Cases run in the test world of tests/test_rules_cases.py: services ``event-bus``
    (services/event_bus/**, team data-infra), ``ranker`` (services/ranker/**, ranking),
    ``feature-store`` (services/feature_store/**, ranking), ``growth-app`` (apps/growth/**,
    growth); resource ``topic:user-events`` with schema
    ``services/event_bus/schemas.py::UserEvent``, consumed by feature-store and ranker.
    Module names are paths with ``/`` as ``.``. ``importers`` are the head's import edges.
    """

    before: str | None
    after: str | None
    path: str = "services/event_bus/client.py"
    expect: tuple[Expect, ...] = ()
    importers: tuple[Site, ...] = ()
    # Head text of importing files (path, text), for rules that read which names they use.
    sources: tuple[tuple[str, str], ...] = ()
    note: str = ""
    # Ownership cases: the login that wrote the change (None: ownership unknown) and the
    # logins that approved it.
    author: str | None = None
    approvers: tuple[str, ...] = ()


class Rule:
    id: ClassVar[str] = ""
    default_severity: ClassVar[str] = "warn"
    summary: ClassVar[str] = ""
    VALID: ClassVar[tuple[Case, ...]] = ()
    INVALID: ClassVar[tuple[Case, ...]] = ()

    def check(self, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self,
        path: str,
        line: int | None,
        message: str,
        fix: str,
        *,
        severity: str | None = None,
        related: Sequence[Related] = (),
    ) -> Finding:
        sev = severity or self.default_severity
        assert sev in SEVERITIES, sev
        return Finding(
            rule=self.id,
            severity=sev,
            path=path,
            line=line,
            message=message,
            fix=fix,
            related=tuple(related),
        )

    def __repr__(self) -> str:
        return f"<rule {self.id}>"
