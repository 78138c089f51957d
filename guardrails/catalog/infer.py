"""Zero-config services, and the starter ``guardrails.yaml`` that ``guardrails init`` writes.

With no ``guardrails.yaml``, services are inferred at the granularity ownership is declared:

- a directory with its own ``pyproject.toml`` (not the repository root: that is the project
  itself), named after the directory (otel's ``instrumentation/<pkg>/``);
- a package directly under a ``components/`` directory (home-assistant and esphome style);
- a directory CODEOWNERS gives its own owners (``dir/*``, ``dir/**``, ``/dir/``);
- a top-level regular package (a directory with ``__init__.py`` whose parent has none) that
  no project directory already holds, named after the package.

A package inside another candidate is part of it (one service), and so is a CODEOWNERS
directory with the same owners as the one around it; a project, a component or a directory
with other owners is its own service, and the outer one claims only the rest, file by file
where it must, so that no file is claimed twice and the starter config always validates.

Names are kebab-case (``event_bus`` -> ``event-bus``); two candidates with one name are both
named by their whole path instead (``libs-auth``, ``services-auth``). Test, docs, example and
template trees (``tests/``, ``sqlalchemy-tests/``, ``_template/``, celery's ``t/``) and
vendored or virtualenv trees are not services: declare one in guardrails.yaml to have it.
Owners come from CODEOWNERS: the first team that owns the service's first file, else the
first person, as ``user:<login>``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from guardrails.catalog.model import CodeOwners, Origin, Service
from guardrails.changes import Snapshot


class ImportEvidence(Protocol):
    """One import that makes a service depend on another (an ``imports.ImportEdge``): the
    catalog stage names only what it prints, so it never depends on import inference."""

    @property
    def location(self) -> str: ...
    @property
    def statement(self) -> str: ...


INFERRED = "inferred"
# Test, docs, example and template trees are the owning project's own, never services (and
# code in them is not a consumer of another service's API); declare a service in
# guardrails.yaml to make one anyway.
_NOT_SERVICES = frozenset(
    {
        "tests",
        "test",
        "testing",
        "t",  # celery's test tree
        "docs",
        "doc",
        "examples",
        "example",
        "samples",
        "templates",
        "_template",  # otel's package template (a `template` component is real: esphome)
        "benchmarks",
        "fixtures",
    }
)
_NOT_SERVICE_SUFFIXES = ("-tests", "_tests", "-test", "_test", "-examples", "_examples")


def support_part(part: str) -> bool:
    """A directory name that marks a test, docs, example or template tree."""
    return part in _NOT_SERVICES or part.endswith(_NOT_SERVICE_SUFFIXES)


def in_support_tree(path: str) -> bool:
    """Whether ``path`` is test, docs, example or template code (a directory on its path
    says so, or it is a test module: ``test_*.py``, ``*_test.py``, ``conftest.py``)."""
    *dirs, name = path.split("/")
    if any(support_part(d) for d in dirs):
        return True
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")


_SKIP_DIRS = frozenset(
    {
        "node_modules",
        "site-packages",
        "__pycache__",
        "venv",
        "build",
        "dist",
        "third_party",
        "vendor",
        "_vendor",
    }
)
_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def _skipped(directory: str) -> bool:
    return any(p.startswith(".") or p in _SKIP_DIRS for p in directory.split("/"))


def _kebab(text: str) -> str:
    name = _BAD_NAME_CHARS.sub("-", text.replace("_", "-").replace("/", "-")).strip("-._")
    return name.lower() or "root"


def _under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def _codeowners_dir(pattern: str) -> str | None:
    """The directory a CODEOWNERS rule gives its own owners (``dir/*``, ``dir/**``,
    ``/dir/``, ``dir/``), or None for a file, a wildcard or an unanchored name."""
    p = pattern.lstrip("/")
    for suffix in ("/**", "/*", "/"):
        if p.endswith(suffix):
            p = p[: -len(suffix)]
            break
    else:
        return None
    if not p or any(c in p for c in "*?[\\") or ("/" not in p and not pattern.startswith("/")):
        return None
    return p


def _children(pathset: Iterable[str]) -> dict[str, tuple[set[str], set[str]]]:
    """directory -> (files directly in it, subdirectories), for every directory."""
    tree: dict[str, tuple[set[str], set[str]]] = {}
    for path in pathset:
        parent = posixpath.dirname(path)
        tree.setdefault(parent, (set(), set()))[0].add(path)
        while parent:
            up = posixpath.dirname(parent)
            entry = tree.setdefault(up, (set(), set()))
            if parent in entry[1]:
                break
            entry[1].add(parent)
            parent = up
    return tree


def _escape(path: str) -> str:
    """A path as a gitwildmatch pattern that matches only itself."""
    return "".join("\\" + c if c in "*?[]\\!#" else c for c in path)


def _carve(
    directory: str,
    inner: set[str],
    tree: Mapping[str, tuple[set[str], set[str]]],
    holds: set[str] | None = None,
) -> list[str]:
    """Patterns for ``directory`` minus the ``inner`` service directories below it."""
    if holds is None:
        holds = {a for i in inner for a in _ancestors(i)}  # directories above some inner one
    if directory not in holds:
        return [f"{_escape(directory)}/**"]
    files, dirs = tree.get(directory, (set(), set()))
    out = _direct_files(directory, files, dirs)
    for sub in sorted(dirs):
        if sub not in inner:
            out += _carve(sub, inner, tree, holds)
    return out


def _direct_files(directory: str, files: set[str], dirs: set[str]) -> list[str]:
    """Patterns for the files directly in ``directory``: ``dir/*.py`` per extension, so a
    file added later is claimed too; a name without an extension, or an extension that a
    subdirectory's name also ends with, is listed as it is."""
    by_ext: dict[str, list[str]] = {}
    for f in sorted(files):
        name = f.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[1] if "." in name.strip(".") else ""
        by_ext.setdefault(ext, []).append(f)
    out = []
    for ext, group in sorted(by_ext.items()):
        safe = (
            ext
            and not any(c in ext for c in "*?[]\\!#/ ")
            and not any(d.endswith("." + ext) for d in dirs)
        )
        out += [f"{_escape(directory)}/*.{ext}"] if safe else [_escape(f) for f in group]
    return out


def _ancestors(directory: str) -> list[str]:
    out = []
    while "/" in directory:
        directory = directory.rsplit("/", 1)[0]
        out.append(directory)
    return out


def infer_services_from_paths(
    paths: Iterable[str],
    *,
    roots: Sequence[str] = (),
    codeowners: CodeOwners | None = None,
) -> tuple[Service, ...]:
    """Services inferred from a tree's file list (see the module docstring), sorted by name.

    ``roots``: the configured ``inference.roots``; packages are looked for under them only.
    ``codeowners``: directories it gives their own owners are services too, and services
    get their owner from it (a team, else the first person: ``user:<login>``).
    """
    pathset = set(paths)
    from guardrails.catalog.codeowners import CodeOwnersIndex

    index = CodeOwnersIndex(codeowners) if codeowners is not None else None

    def excluded(directory: str) -> bool:
        return _skipped(directory) or any(support_part(p) for p in directory.split("/"))

    # Each candidate: directory -> (origin path, kind). Kinds decide what survives nesting.
    candidates: dict[str, tuple[str, str]] = {}
    for p in sorted(pathset):
        d = posixpath.dirname(p)
        if posixpath.basename(p) == "pyproject.toml" and d and not excluded(d):
            candidates[d] = (p, "project")
    projects = sorted(candidates)
    for p in sorted(pathset):
        if posixpath.basename(p) != "__init__.py":
            continue
        pkg = posixpath.dirname(p)
        parent = posixpath.dirname(pkg)
        if not pkg or excluded(pkg) or pkg in candidates:
            continue
        if roots and not any(_under(pkg, r.strip("/")) for r in roots):
            continue
        if posixpath.basename(parent) == "components":
            # home-assistant / esphome style: every component is its own unit of ownership
            candidates[pkg] = (p, "component")
            continue
        if (
            f"{parent}/__init__.py" in pathset
            or (not parent and "__init__.py" in pathset)
            or any(_under(pkg, d) for d in projects)
        ):
            continue
        candidates[pkg] = (p, "package")
    first_file: dict[str, str] = {}  # directory -> its first file in path order
    if codeowners is not None:
        for p in sorted(pathset, reverse=True):
            for a in _ancestors(p):
                first_file[a] = p
    for rule in codeowners.rules if codeowners is not None else ():
        owned = _codeowners_dir(rule.pattern)
        if owned is None or not rule.owners or owned in candidates or excluded(owned):
            continue
        if owned in first_file:
            candidates[owned] = (first_file[owned], "codeowners")

    def owners(directory: str) -> tuple[str, ...]:
        if index is None:
            return ()
        origin = candidates[directory][0]
        return tuple(o for m in index.owners_for(origin) for o in m.owners)

    # Nesting: a package inside another candidate is part of it (one service); a project, a
    # component, or a directory CODEOWNERS gives other owners is its own service, and the
    # outer one keeps only what is left (disjoint path sets, so a starter config validates).
    kept: set[str] = set()
    for d in sorted(candidates, key=lambda x: (x.count("/"), x)):
        outer = next((a for a in _ancestors(d) if a in kept), None)  # the nearest one
        kind = candidates[d][1]
        if outer is not None and (
            kind == "package" or (kind == "codeowners" and owners(d) == owners(outer))
        ):
            continue
        kept.add(d)
    holds = {a for d in kept for a in _ancestors(d)}  # directories with a service below them
    tree = _children(pathset) if holds & kept else {}
    names = _names(kept)
    services = []
    for directory in sorted(kept):
        services.append(
            Service(
                name=names[directory],
                owner=owner_id(owners(directory)),
                paths=(
                    tuple(_carve(directory, kept, tree, holds)) if tree else (f"{directory}/**",)
                ),
                origin=Origin(candidates[directory][0]),
                source=INFERRED,
            )
        )
    return tuple(sorted(services, key=lambda s: s.name))


def _names(dirs: Iterable[str]) -> dict[str, str]:
    """Each directory's service name: its basename, kebab-cased; directories that share one
    are named by the shortest trailing part of their path that tells them apart
    (``libs-auth`` / ``apps-auth``, ``components-sensor`` / ``bedjet-sensor``)."""
    parts = {d: d.split("/") for d in dirs}
    depth = dict.fromkeys(parts, 1)
    while True:
        named = {d: _kebab("/".join(p[-depth[d] :])) for d, p in parts.items()}
        groups: dict[str, list[str]] = {}
        for d, name in named.items():
            groups.setdefault(name, []).append(d)
        clashes = [d for group in groups.values() if len(group) > 1 for d in group]
        grow = [d for d in clashes if depth[d] < len(parts[d])]
        if not grow:
            return named
        for d in grow:
            depth[d] += 1


def owner_id(owners: Sequence[str]) -> str | None:
    """The owner a service gets from its CODEOWNERS owners: the first team (its slug), else
    the first person as ``user:<login>``, lower-cased (a person who maps to no team)."""
    for o in owners:
        if o.startswith("@") and "/" in o:
            return o.rsplit("/", 1)[1]
    for o in owners:
        if o.startswith("@"):
            # GitHub logins are case-insensitive: @SenexCrenshaw and @senexcrenshaw are one
            return f"user:{o[1:].lower()}"
    return None


def infer_services(snapshot: Snapshot, *, roots: Sequence[str] = ()) -> tuple[Service, ...]:
    """Zero-config services of ``snapshot``, for ``load_catalog(..., inferred=...)``."""
    from guardrails.catalog.codeowners import load_codeowners

    codeowners, _ = load_codeowners(snapshot)
    return infer_services_from_paths(snapshot.paths(), roots=roots, codeowners=codeowners)


# --- guardrails init --------------------------------------------------------------------------


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _teams_from_codeowners(codeowners: CodeOwners | None) -> dict[str, str]:
    """Team name -> CODEOWNERS handle, for every ``@org/team`` handle (same rule as the loader)."""
    teams: dict[str, str] = {}
    for rule in codeowners.rules if codeowners else ():
        for owner in rule.owners:
            if owner.startswith("@") and "/" in owner:
                slug = owner.rsplit("/", 1)[1]
                teams.setdefault(slug, owner)
    return dict(sorted(teams.items()))


def _owner_of(
    service: Service, codeowners: CodeOwners | None, handles: Mapping[str, str]
) -> str | None:
    if codeowners is None or service.origin is None:
        return None
    from guardrails.catalog.codeowners import CodeOwnersIndex

    team_of = {h.lower(): t for t, h in handles.items()}
    owners = CodeOwnersIndex(codeowners).owners(service.origin.path)
    teams = sorted({team_of[o.lower()] for o in owners if o.lower() in team_of})
    return teams[0] if teams else None


def render_starter_config(
    services: Sequence[Service],
    *,
    codeowners: CodeOwners | None = None,
    dependencies: Mapping[tuple[str, str], Sequence[ImportEvidence]] | None = None,
) -> str:
    """A commented starter ``guardrails.yaml`` from what was inferred; it loads as is.

    ``dependencies`` is ``ImportGraph.service_edges(...)``: each becomes a ``depends_on``
    entry with the first import as evidence in a comment.
    """
    handles = _teams_from_codeowners(codeowners)
    deps: dict[str, list[tuple[str, Sequence[ImportEvidence]]]] = {}
    for (src, dst), evidence in sorted((dependencies or {}).items()):
        deps.setdefault(src, []).append((dst, evidence))
    names = {s.name for s in services}
    out = [
        "# guardrails.yaml: the catalog of services, teams and policies guardrails gates on.",
        "# Written by `guardrails init` from what it inferred in this repository: review it,",
        "# then commit it. Once this file exists, it (not inference) lists the services;",
        "# imports between them are still inferred unless inference.python_imports is false.",
        "# Reference: docs/config.md",
        "version: 1",
        "",
    ]
    if handles:
        out += [
            "# Teams, one per CODEOWNERS team handle. Add `members: [login, ...]` so approvals",
            "# and authorship can be matched to people.",
            "teams:",
        ]
        for team, handle in handles.items():
            out += [f"  {_q(team)}:", f"    handles: [{_q(handle)}]"]
    else:
        out += [
            "# Teams: none found in CODEOWNERS. Declare them as `name: {members: [...]}`.",
            "teams: {}",
        ]
    out.append("")
    if not services:
        out += [
            "# No services were inferred: no pyproject.toml projects or top-level packages.",
            "services: {}",
        ]
    else:
        out += [
            "# Services, inferred from pyproject.toml projects and top-level packages.",
            "# tier: 0 is the most critical; 2 is the default.",
            "services:",
        ]
    for service in services:
        why = service.origin.path if service.origin else "its directory"
        out += [f"  {_q(service.name)}:", f"    # inferred from {_comment(why)}"]
        owner = service.owner or _owner_of(service, codeowners, handles)
        if owner is not None:
            out.append(f"    owner: {_q(owner)}  # from CODEOWNERS")
        out += ["    tier: 2", f"    paths: [{', '.join(_q(p) for p in service.paths)}]"]
        mine = [(dst, ev) for dst, ev in deps.get(service.name, []) if dst in names]
        if mine:
            out.append("    depends_on:")
            for dst, evidence in mine:
                first = evidence[0]
                more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
                note = _comment(f"{first.location} `{first.statement}`{more}")
                out.append(f"      - {_q(dst)}  # {note}")
    out += [
        "",
        'policies: ["builtin:default"]',
        "",
        "inference:",
        "  python_imports: true  # service dependencies from Python imports",
        "  type_only: false      # `if TYPE_CHECKING:` imports do not count",
        "  weak: true            # `try: import x / except ImportError` imports do",
        "",
    ]
    return "\n".join(out)
