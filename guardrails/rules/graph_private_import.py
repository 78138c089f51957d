"""graph.private-import: a new import of another service's non-public module."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from guardrails.catalog.infer import in_support_tree
from guardrails.catalog.model import Service
from guardrails.changes import ADDED
from guardrails.findings import Finding
from guardrails.rules.base import Case, Expect, Rule, RuleContext, Site, is_python


def is_public_module(service: Service, module: str, path: str) -> bool:
    """``public`` patterns, when the service declares them, name its whole public surface.
    Otherwise a module is private only when a part of its dotted name starts with ``_``
    (``pkg._internal.codec``, ``pkg._semconv``): libraries are imported module by module,
    and a narrower default calls every ordinary import private."""
    if service.public:
        return any(fnmatchcase(module, p) or fnmatchcase(path, p) for p in service.public)
    parts = module.split(".")
    if parts and parts[-1] == "__init__":
        parts.pop()
    return not any(p.startswith("_") and not p.startswith("__") for p in parts)


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
            if src is None or in_support_tree(path):
                continue  # a service's own tests and examples may reach into what they test
            everything = change.status == ADDED and not change.added_lines
            for site in ctx.imports.imports_of(path):
                if site.dst_path is None or not (everything or change.touches_line(site.line)):
                    continue
                dst = ctx.service(site.dst_path)
                svc = ctx.catalog.services.get(dst) if dst else None
                if svc is None or dst is None or dst == src:
                    continue
                module = ctx.imports.module_of(site.dst_path) or site.module
                if is_public_module(svc, module, site.dst_path):
                    continue
                if _already_shared(ctx, module, dst, site.dst_path):
                    continue
                owner = f" (team {svc.owner})" if svc.owner else ""
                yield self.finding(
                    path,
                    site.line,
                    f"imports `{module}`, which is private to {dst}{owner}",
                    f"use {dst}'s public API (modules without a leading underscore, or what its "
                    f"`public:` list in guardrails.yaml names), or ask {svc.owner or dst} to "
                    f"add `{module}` to that list",
                )


def _already_shared(ctx: RuleContext, module: str, dst: str, dst_path: str) -> bool:
    """Another service (not the owner, not test code) already imports the module in the base:
    the dependency exists, and this import is not a new one."""
    for site in ctx.imports.base_importers_of(module):
        if site.dst_path not in (None, dst_path) or in_support_tree(site.src_path):
            continue
        svc = ctx.service(site.src_path)
        if svc is not None and svc != dst:
            return True
    return False


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
        "import services.event_bus._storage\n",
        path="apps/growth/jobs.py",
        importers=(
            Site(
                "apps/growth/jobs.py",
                1,
                "services.event_bus._storage",
                (),
                "services/event_bus/_storage.py",
            ),
        ),
        expect=(Expect(1, "warn", ("`services.event_bus._storage`",)),),
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
        "import services.event_bus.storage\nfrom services.event_bus.menu.models import Menu\n",
        path="apps/growth/jobs.py",
        importers=(
            Site(
                "apps/growth/jobs.py",
                1,
                "services.event_bus.storage",
                (),
                "services/event_bus/storage.py",
            ),
            Site(
                "apps/growth/jobs.py",
                2,
                "services.event_bus.menu.models",
                ("Menu",),
                "services/event_bus/menu/models.py",
            ),
        ),
        note="no underscore on the module's path and no `public:` list: an ordinary module",
    ),
    Case(
        "",
        "from services.event_bus._internal.codec import decode\n",
        path="services/feature_store/tests/test_loader.py",
        importers=(
            Site(
                "services/feature_store/tests/test_loader.py",
                1,
                "services.event_bus._internal.codec",
                ("decode",),
                _INTERNAL,
            ),
        ),
        note="test code is not a consumer",
    ),
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
