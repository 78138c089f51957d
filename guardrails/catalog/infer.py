"""Zero-config services, and the starter ``guardrails.yaml`` that ``guardrails init`` writes.

With no ``guardrails.yaml``, a service is (DESIGN §4):

- a directory with its own ``pyproject.toml`` (not the repository root: that is the project
  itself), named after the directory;
- a top-level regular package (a directory with ``__init__.py`` whose parent has none) that
  no such project directory already holds, named after the package.

Names are kebab-case (``event_bus`` -> ``event-bus``); two candidates with one name are both
named by their whole path instead (``libs-auth``, ``services-auth``). Test, docs and example
packages and vendored or virtualenv trees are not services. Owners are not inferred here:
CODEOWNERS is read by the catalog loader and the graph.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from guardrails.catalog.model import CodeOwners, Origin, Service
from guardrails.changes import Snapshot

if TYPE_CHECKING:
    from guardrails.imports import ImportEdge

INFERRED = "inferred"
_NOT_SERVICES = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example"})
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


def infer_services_from_paths(
    paths: Iterable[str], *, roots: Sequence[str] = ()
) -> tuple[Service, ...]:
    """Services inferred from a tree's file list (see the module docstring), sorted by name.

    ``roots``: the configured ``inference.roots``; packages are looked for under them only.
    """
    pathset = set(paths)
    projects = sorted(
        posixpath.dirname(p)
        for p in pathset
        if posixpath.basename(p) == "pyproject.toml"
        and posixpath.dirname(p)
        and not _skipped(posixpath.dirname(p))
    )
    candidates: dict[str, str] = {d: f"{d}/pyproject.toml" for d in projects}
    for p in sorted(pathset):
        if posixpath.basename(p) != "__init__.py":
            continue
        pkg = posixpath.dirname(p)
        parent = posixpath.dirname(pkg)
        if (
            not pkg
            or f"{parent}/__init__.py" in pathset
            or (not parent and "__init__.py" in pathset)
            or posixpath.basename(pkg) in _NOT_SERVICES
            or _skipped(pkg)
            or any(_under(pkg, d) for d in projects)
            or (roots and not any(_under(pkg, r.strip("/")) for r in roots))
        ):
            continue
        candidates[pkg] = p
    by_name: dict[str, list[str]] = {}
    for directory in candidates:
        by_name.setdefault(_kebab(posixpath.basename(directory)), []).append(directory)
    services = []
    for name, dirs in by_name.items():
        for directory in dirs:
            unique = name if len(dirs) == 1 else _kebab(directory)
            services.append(
                Service(
                    name=unique,
                    paths=(f"{directory}/**",),
                    origin=Origin(candidates[directory]),
                    source=INFERRED,
                )
            )
    return tuple(sorted(services, key=lambda s: s.name))


def infer_services(snapshot: Snapshot, *, roots: Sequence[str] = ()) -> tuple[Service, ...]:
    """Zero-config services of ``snapshot``, for ``load_catalog(..., inferred=...)``."""
    return infer_services_from_paths(snapshot.paths(), roots=roots)


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
    dependencies: Mapping[tuple[str, str], Sequence[ImportEdge]] | None = None,
) -> str:
    """A commented starter ``guardrails.yaml`` from what was inferred; it loads as is.

    ``dependencies`` is ``ImportGraph.service_edges(...)``: each becomes a ``depends_on``
    entry with the first import as evidence in a comment.
    """
    handles = _teams_from_codeowners(codeowners)
    deps: dict[str, list[tuple[str, Sequence[ImportEdge]]]] = {}
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
        owner = _owner_of(service, codeowners, handles)
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


def starter_config(snapshot: Snapshot, *, cache_dir: Path | None = None) -> str:
    """Everything ``guardrails init`` writes, from one snapshot (usually the work tree)."""
    from guardrails.catalog.codeowners import load_codeowners
    from guardrails.catalog.model import Catalog
    from guardrails.imports import build_import_graph

    services = infer_services(snapshot)
    codeowners, _ = load_codeowners(snapshot)
    catalog = Catalog(services={s.name: s for s in services}, codeowners=codeowners)
    dirs = sorted(((s.paths[0][:-3], s.name) for s in services), key=lambda x: -len(x[0]))

    def service_of(path: str) -> str | None:
        for directory, name in dirs:  # most specific first: nested projects win
            if path.startswith(directory + "/"):
                return name
        return None

    graph = build_import_graph(snapshot, catalog, cache_dir=cache_dir, service_of=service_of)
    return render_starter_config(
        services, codeowners=codeowners, dependencies=graph.service_edges()
    )
