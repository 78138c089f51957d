"""graph.private-import: a new import of another service's non-public module."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from guardrails.catalog.model import Service
from guardrails.changes import ADDED
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext, Site, is_python

_DEFAULT_PUBLIC = frozenset({"api", "client"})


def is_public_module(service: Service, module: str, path: str) -> bool:
    """``public`` patterns replace the default surface: the package ``__init__`` and the
    ``api``/``client`` modules (or packages) at its top level."""
    if service.public:
        return any(fnmatchcase(module, p) or fnmatchcase(path, p) for p in service.public)
    for pattern in service.paths:
        root = pattern.rstrip("*").rstrip("/")
        if root and "*" not in root and path.startswith(root + "/"):
            rel = path[len(root) + 1 :].split("/")
            return rel == ["__init__.py"] or rel[0].removesuffix(".py") in _DEFAULT_PUBLIC
    parts = path.split("/")
    return (
        parts[-1] == "__init__.py"
        or parts[-1].removesuffix(".py") in _DEFAULT_PUBLIC
        or (len(parts) > 1 and parts[-2] in _DEFAULT_PUBLIC)
    )


class GraphPrivateImport(Rule):
    id = "graph.private-import"
    default_severity = "warn"
    summary = "a new import of another service's non-public module"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change in ctx.changes.files:
            path = change.new_path
            if not is_python(path) or path is None:
                continue
            src = ctx.service(path)
            if src is None:
                continue
            everything = change.status == ADDED and not change.added_lines
            for site in ctx.imports.imports_of(path):
                if site.dst_path is None or not (everything or change.touches_line(site.line)):
                    continue
                dst = ctx.service(site.dst_path)
                svc = ctx.catalog.services.get(dst) if dst else None
                if svc is None or dst == src:
                    continue
                module = ctx.imports.module_of(site.dst_path) or site.module
                if is_public_module(svc, module, site.dst_path):
                    continue
                owner = f" (team {svc.owner})" if svc.owner else ""
                yield self.finding(
                    path,
                    site.line,
                    f"imports `{module}`, which is private to {dst}{owner}",
                    f"use {dst}'s public API (its package `__init__`, `api` or `client` "
                    f"modules, or what its `public:` list in guardrails.yaml names), or ask "
                    f"{svc.owner or dst} to add `{module}` to that list",
                )


_SRC = "services/feature_store/loader.py"
_INTERNAL = "services/event_bus/_internal/codec.py"
GraphPrivateImport.INVALID = (
    Case(
        "import os\n",
        "import os\nfrom services.event_bus._internal.codec import decode\n",
        path=_SRC,
        importers=(Site(_SRC, 2, "services.event_bus._internal.codec", ("decode",), _INTERNAL),),
        expect=(
            Expect(
                2,
                "warn",
                (
                    "imports `services.event_bus._internal.codec`",
                    "private to event-bus (team data-infra)",
                ),
            ),
        ),
    ),
    Case(
        "",
        "import services.event_bus.storage\n",
        path="apps/growth/jobs.py",
        importers=(
            Site(
                "apps/growth/jobs.py",
                1,
                "services.event_bus.storage",
                (),
                "services/event_bus/storage.py",
            ),
        ),
        expect=(Expect(1, "warn", ("`services.event_bus.storage`",)),),
    ),
    Case(
        "x = 1\n",
        "x = 1\nfrom services.ranker.api import score\n",
        path=_SRC.replace("feature_store", "event_bus"),
        importers=(
            Site(
                "services/event_bus/loader.py",
                2,
                "services.ranker.api",
                ("score",),
                "services/ranker/api.py",
            ),
        ),
        expect=(Expect(2, "warn", ("private to ranker",)),),
        note="ranker declares `public`, which replaces the default api/client surface",
    ),
)

GraphPrivateImport.VALID = (
    Case(
        "",
        "from services.event_bus.client import publish\nfrom services.event_bus import Event\n",
        path=_SRC,
        importers=(
            Site(
                _SRC, 1, "services.event_bus.client", ("publish",), "services/event_bus/client.py"
            ),
            Site(_SRC, 2, "services.event_bus", ("Event",), "services/event_bus/__init__.py"),
        ),
        note="public surface",
    ),
    Case(
        "from services.event_bus._internal.codec import decode\n",
        "from services.event_bus._internal.codec import decode\nx = 1\n",
        path=_SRC,
        importers=(Site(_SRC, 1, "services.event_bus._internal.codec", ("decode",), _INTERNAL),),
        note="pre-existing import",
    ),
    Case(
        "",
        "from services.event_bus._internal.codec import decode\n",
        path="services/event_bus/worker.py",
        importers=(
            Site(
                "services/event_bus/worker.py",
                1,
                "services.event_bus._internal.codec",
                ("decode",),
                _INTERNAL,
            ),
        ),
        note="own service",
    ),
    Case(
        "",
        "from services.ranker.handlers import h\n",
        path=_SRC,
        importers=(
            Site(_SRC, 1, "services.ranker.handlers", ("h",), "services/ranker/handlers.py"),
        ),
        note="declared public by the service",
    ),
    Case(
        "",
        "from services.event_bus._internal.codec import decode"
        "  # guardrails: ignore[graph.private-import] -- migration, EB-12\n",
        path=_SRC,
        importers=(Site(_SRC, 1, "services.event_bus._internal.codec", ("decode",), _INTERNAL),),
        note="suppressed with a reason",
    ),
)
