"""api.breaking-change: a public name other code imports was removed, renamed or broken.

What counts as breaking lives in :mod:`guardrails.rules._api_breaks` (re-exported here);
this module is the rule: who imports the broken names, the severity, the finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from guardrails.catalog.infer import in_support_tree
from guardrails.changes import DELETED, RENAMED
from guardrails.findings import Finding, Related
from guardrails.rules._api_breaks import breaking_reasons, is_public, signature_breaks
from guardrails.rules.base import Case, Expect, ImportSite, Rule, RuleContext, Site
from guardrails.semantic.kinds import FIELD, IMPORT

if TYPE_CHECKING:
    from guardrails.semantic.facts import Symbol

__all__ = [
    "ApiBreakingChange",
    "breaking_reasons",
    "is_public",
    "signature_breaks",
]


class ApiBreakingChange(Rule):
    id = "api.breaking-change"
    default_severity = "block"
    summary = (
        "public function/class/method/constant removed, renamed or its signature broken, "
        "listing the import sites in other services"
    )

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        for change, diff in ctx.python_changes():
            old_module = ctx.imports.module_of(change.old_path) if change.old_path else None
            new_module = ctx.imports.module_of(change.new_path) if change.new_path else None
            own = ctx.service(change.old_path or change.new_path)
            # Deleted, or moved to a different module name (or to a path nobody imports yet,
            # which has no module name at all): every import of the old name breaks.
            if old_module and (
                change.status in (DELETED, RENAMED)
                and new_module != old_module
                or (new_module and new_module != old_module)
            ):
                yield from self._module_gone(
                    ctx, change.old_path or "", old_module, new_module, own
                )
                continue
            if not diff.comparable or old_module is None and new_module is None:
                continue
            module = old_module or new_module or ""
            # Members of a removed, renamed or brand-new class are covered by the class itself.
            gone_classes = {
                c.old.qualname for c in diff.changes if c.kind in ("removed", "renamed") and c.old
            } | diff.new_classes()
            # Fields of a class declared as a resource schema are data.schema-break's to report
            # (with the resource's consumers); one change, one finding.
            schema_classes = {
                r.schema_class
                for r in ctx.catalog.resources.values()
                if r.schema_class and r.schema_path in (change.old_path, change.new_path)
            }
            for sc in diff.changes:
                sym = sc.old if sc.old is not None else sc.new
                assert sym is not None
                all_names = diff.old_all if sc.old is not None else diff.new_all
                if not is_public(sym.qualname, all_names) or sym.parent in gone_classes:
                    continue
                if sym.parent in schema_classes and sym.kind == FIELD:
                    continue
                reasons = breaking_reasons(sc)
                if not reasons:
                    continue
                sites, unused = _sites(
                    ctx,
                    ctx.imports.importers_of(module),
                    module,
                    sym,
                    precise_only=sym.kind == IMPORT,
                )
                if sym.kind == IMPORT and not sites:
                    continue  # an import nobody re-imports from here is not API
                if sc.kind == "removed":
                    assert sc.old is not None
                    path, line = change.old_path or change.path, sc.old.line
                else:
                    assert sc.new is not None
                    path, line = change.path, sc.new.line
                finding = self._report(ctx, path, line, module, sym, reasons, sites, own, unused)
                yield ctx.at_base(finding) if sc.kind == "removed" else finding

    def _module_gone(
        self, ctx: RuleContext, path: str, module: str, new_module: str | None, own: str | None
    ) -> Iterator[Finding]:
        sites = [
            s
            for s in ctx.imports.importers_of(module)
            if s.module == module or module.startswith(f"{s.module}.")
        ]
        external = _external(ctx, sites, own)
        if not external:
            return
        what = f"module `{module}` " + (f"renamed to `{new_module}`" if new_module else "deleted")
        severity, teams = _severity(ctx, external, own)
        services = _names(ctx, external)
        until = f"until {services} {_verb(services)}"
        fix = (
            f"keep a `{module}` shim that re-exports from `{new_module}` {until}"
            if new_module
            else f"keep `{module}` (deprecated) {until}, or migrate them here"
        )
        yield ctx.at_base(
            self.finding(
                path,
                1,
                f"{what}; {_where(ctx, external)}{teams}",
                fix,
                severity=severity,
                related=_related(ctx, external),
            )
        )

    def _report(
        self,
        ctx: RuleContext,
        path: str,
        line: int,
        module: str,
        sym: Symbol,
        reasons: list[str],
        sites: list[ImportSite],
        own: str | None,
        unused: int = 0,
    ) -> Finding:
        external = _external(ctx, sites, own)
        what = f"{sym.kind} `{sym.qualname}` in `{module}`: {'; '.join(reasons)}"
        if not external:
            used = (
                f"no other service uses it ({unused} import site{'s' if unused != 1 else ''} "
                f"of `{module}` never name{'s' if unused == 1 else ''} `{sym.qualname}`)"
                if unused
                else "no other service imports it"
            )
            return self.finding(
                path,
                line,
                f"{what}; {used}",
                f"no other service imports `{sym.qualname}`; update callers in "
                f"{own or 'this repository'} in the same change",
                severity="info",
            )
        severity, teams = _severity(ctx, external, own)
        services = _names(ctx, external)
        if reasons == ["removed"] or reasons[0].startswith("removed"):
            fix = f"keep `{sym.qualname}` as a deprecated alias until {services} {_verb(services)}"
        else:
            fix = (
                f"keep the old signature of `{sym.qualname}` working (new parameters with "
                f"defaults, or a deprecated wrapper) until {services} {_verb(services)}"
            )
        return self.finding(
            path,
            line,
            f"{what}; {_where(ctx, external)}{teams}",
            fix,
            severity=severity,
            related=_related(ctx, external),
        )


def _sites(
    ctx: RuleContext,
    sites: Iterable[ImportSite],
    module: str,
    sym: Symbol,
    *,
    precise_only: bool,
) -> tuple[list[ImportSite], int]:
    """The import sites that use ``sym``, and how many import ``module`` without naming it.

    A site counts when it names the symbol: ``from m import name``, a star import, or — for
    a site that imports the module object (``import pkg.m``, ``from pkg import m``) — a use of
    ``m.name`` / ``pkg.m.name`` / ``getattr(m, "name")`` in that file. A field of a record
    class counts only where the importer reads it (``x.field``, ``x["field"]``, ``field=``).
    A file that cannot be read counts: not knowing is not evidence of no use.
    """
    top = sym.qualname.split(".", 1)[0]
    leaf = module.rpartition(".")[2]
    member = sym.qualname.split(".", 1)[1] if "." in sym.qualname else None
    out = []
    unused = 0
    for s in sites:
        names = tuple(s.names)
        # `import pkg.mod`, and `from pkg import mod` (recorded either as module "pkg" with
        # name "mod" or as module "pkg.mod" with name "mod"): the module object is imported,
        # and the file says which of its attributes it uses.
        whole = not names or s.module != module or (names == (leaf,) and top != leaf)
        if not ((s.module == module and (top in names or "*" in names)) or whole):
            continue
        if precise_only and (whole or "*" in names):
            continue
        if whole and "*" not in names and ctx.uses.names(s.src_path, module, top) is False:
            unused += 1
            continue
        field = member.rsplit(".", 1)[-1] if member is not None else None
        if (
            field
            and sym.kind == FIELD
            and ctx.uses.reads_field(s.src_path, field, sym.parent) is False
        ):
            unused += 1
            continue
        out.append(s)
    return out, unused


def _external(ctx: RuleContext, sites: Iterable[ImportSite], own: str | None) -> list[ImportSite]:
    """Sites in other services' code: test, docs, example and template trees are their own
    project's tests, not consumers of this one."""
    out = []
    for s in sites:
        if in_support_tree(s.src_path):
            continue
        svc = ctx.service(s.src_path)
        if svc is not None and svc != own:
            out.append(s)
    return sorted(out, key=lambda s: (s.src_path, s.line))


def _severity(ctx: RuleContext, external: list[ImportSite], own: str | None) -> tuple[str, str]:
    own_team = ctx.owner(own)
    teams = sorted({ctx.owner(ctx.service(s.src_path)) or "?" for s in external})
    other = [t for t in teams if own_team is None or t != own_team]
    if other:
        return "block", f" (teams: {', '.join(teams)})"
    return "info", f" (same team: {own_team})"


def _names(ctx: RuleContext, external: list[ImportSite]) -> str:
    names = sorted({ctx.service(s.src_path) or "?" for s in external})
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def _where(ctx: RuleContext, external: list[ImportSite]) -> str:
    services = sorted({ctx.service(s.src_path) or "?" for s in external})
    sites = ", ".join(f"{s.src_path}:{s.line} ({ctx.service(s.src_path)})" for s in external)
    n = len(external)
    return (
        f"imported by {n} site{'s' if n != 1 else ''} in {len(services)} other "
        f"service{'s' if len(services) != 1 else ''}: {sites}"
    )


def _related(ctx: RuleContext, external: list[ImportSite]) -> list[Related]:
    return [Related(s.src_path, s.line, f"service:{ctx.service(s.src_path)}") for s in external]


_MOD = "services.event_bus.client"


_RANKER = Site("services/ranker/app.py", 3, _MOD, ("publish",))


_GROWTH = Site("apps/growth/main.py", 7, _MOD, ("publish", "Event"))


_ARCHIVE = Site("services/event_archive/sink.py", 2, _MOD, ("publish",))


_PUBLISH = "def publish(topic, payload):\n    return send(topic, payload)\n"


_GROWTH_USE = (
    "from services.event_bus.client import publish, Event\n\n"
    "def f(e: Event):\n    return publish(e.id, Event(id='x'))\n"
)


_DC = "from dataclasses import dataclass\n\n@dataclass\nclass Event:\n    id: str\n"


ApiBreakingChange.INVALID = (
    Case(
        _DC + "    ts: int = 0\n",
        _DC,
        importers=(_GROWTH,),
        sources=(("apps/growth/main.py", "from x import y\n" * 6 + _GROWTH_USE),),
        expect=(
            Expect(
                6,
                "info",
                ("field `Event.ts`", "no other service uses it (1 import site", "never names"),
            ),
        ),
        note="a removed field that no importer reads (only `id` is read): not a break for them",
    ),
    Case(
        "TIMEOUT = 10\nRETRIES = 3\n",
        "TIMEOUT = 10\n",
        importers=(Site("services/ranker/app.py", 1, "services.event_bus", ("client",)),),
        sources=(
            ("services/ranker/app.py", "from services.event_bus import client\nclient.TIMEOUT\n"),
        ),
        expect=(
            Expect(
                2,
                "info",
                ("`RETRIES`", "no other service uses it"),
            ),
        ),
        note="the module object is imported, but the file never names `RETRIES`",
    ),
    Case(
        _DC_TS := "from dataclasses import dataclass\n\n@dataclass\nclass Event:\n"
        "    id: str\n    ts: int = 0\n",
        _DC_TS.replace("    ts: int = 0\n", ""),
        importers=(_GROWTH,),
        sources=(("apps/growth/main.py", "from x import y\n" * 6 + _GROWTH_USE + "e.ts\n"),),
        expect=(Expect(6, "block", ("field `Event.ts`", "removed", "apps/growth/main.py:7")),),
        note="the importer reads the removed field",
    ),
    Case(
        "import json\n\n" + _PUBLISH,
        "import json\n",
        importers=(_RANKER, _GROWTH, Site("services/event_bus/worker.py", 1, _MOD, ("publish",))),
        expect=(
            Expect(
                3,
                "block",
                (
                    "function `publish` in `services.event_bus.client`: removed",
                    "imported by 2 sites in 2 other services: apps/growth/main.py:7 (growth-app), "
                    "services/ranker/app.py:3 (ranker)",
                    "teams: growth, ranking",
                ),
                related=("apps/growth/main.py:7", "services/ranker/app.py:3"),
            ),
        ),
        note="removed function imported by two other services; the own-service site is not listed",
    ),
    Case(
        _PUBLISH,
        "def publish(topic, payload, key):\n    return send(topic, payload)\n",
        importers=(_RANKER,),
        expect=(Expect(1, "block", ("new required parameter `key`", "services/ranker/app.py:3")),),
    ),
    Case(
        _PUBLISH,
        "def publish(payload, topic):\n    return send(topic, payload)\n",
        importers=(_ARCHIVE,),
        expect=(
            Expect(
                1,
                "info",
                (
                    "positional order changed from (topic, payload) to (payload, topic)",
                    "same team: data-infra",
                ),
            ),
        ),
        note="only a service of the same team imports it: reported, not blocking",
    ),
    Case(
        "def publish(topic, *args, **kwargs):\n    pass\n",
        "def publish(topic, *args):\n    pass\n",
        expect=(Expect(1, "info", ("**kwargs removed", "no other service imports it")),),
    ),
    Case(
        "x = 1\n" + _PUBLISH,
        "x = 1\ndef emit(topic, payload):\n    return send(topic, payload)\n",
        importers=(_GROWTH,),
        expect=(
            Expect(2, "block", ("`publish`", "removed (looks renamed to `emit`; best effort)")),
        ),
    ),
    Case(
        "class Event:\n    def to_json(self, indent):\n        return {}\n",
        "class Event:\n    def to_json(self, *, indent):\n        return {}\n",
        importers=(_GROWTH,),
        expect=(Expect(2, "block", ("method `Event.to_json`", "`indent` became keyword-only")),),
    ),
    Case(
        "from dataclasses import dataclass\n\n@dataclass\nclass Event:\n    id: str\n",
        "from dataclasses import dataclass\n\n@dataclass\nclass Event:\n    id: str\n    ts: int\n",
        importers=(_GROWTH,),
        expect=(Expect(6, "block", ("field `Event.ts`", "new required field `ts`")),),
    ),
    Case(
        _PUBLISH,
        None,
        importers=(
            _RANKER,
            Site("services/feature_store/io.py", 4, "services.event_bus", ("client",)),
        ),
        expect=(
            Expect(
                1,
                "block",
                (
                    "module `services.event_bus.client` deleted",
                    "services/feature_store/io.py:4 (feature-store)",
                ),
            ),
        ),
    ),
)


ApiBreakingChange.VALID = (
    Case(
        "import os\n",
        "import os\nfrom dataclasses import dataclass\n\n@dataclass\nclass Event:\n    id: str\n",
        importers=(_GROWTH,),
        note="a new record class: its required fields break nobody",
    ),
    Case(
        "def _helper(x):\n    return x\n\n" + _PUBLISH,
        _PUBLISH,
        importers=(_RANKER,),
        note="private function removed",
    ),
    Case(
        _PUBLISH,
        "def publish(topic, payload, key=None, *, retries=3):\n    return send(topic, payload)\n",
        importers=(_RANKER,),
        note="parameters added with defaults",
    ),
    Case(
        _PUBLISH,
        "def publish(topic: str, payload: bytes) -> None:\n    send(topic, payload, retry=True)\n",
        importers=(_RANKER,),
        note="annotations and body only",
    ),
    Case(
        _PUBLISH,
        "def publish(topic, payload, *args, **kwargs):\n    return send(topic, payload)\n",
        importers=(_RANKER,),
        note="variadics added",
    ),
    Case(
        "class Event:\n    def _encode(self, a):\n        pass\n",
        "class Event:\n    def _encode(self, b, a):\n        pass\n",
        importers=(_GROWTH,),
        note="private method of a public class",
    ),
    Case(
        _PUBLISH,
        "def publish(topic, payload, key):"
        "  # guardrails: ignore[api.breaking-change] -- callers migrate in this PR\n"
        "    return send(topic, payload)\n",
        importers=(_RANKER,),
        note="suppressed with a reason",
    ),
)


def _verb(services: str) -> str:
    """'until ranker migrates' / 'until ranker and growth-app migrate'."""
    return "migrate" if " and " in services or "," in services else "migrates"
