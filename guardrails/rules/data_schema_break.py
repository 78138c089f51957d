"""data.schema-break: a declared resource schema class loses, renames or retypes a field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from msgspec.structs import replace

from guardrails.catalog.model import Resource
from guardrails.findings import Finding, Related
from guardrails.rules.base import Case, Expect, Rule, RuleContext, Site
from guardrails.semantic.kinds import CLASS, FIELD

if TYPE_CHECKING:
    from guardrails.semantic.facts import SymbolChange

_CONSUMING = frozenset({"consumes", "consumes_api", "depends_on"})


def _what(sc: SymbolChange, cls: str) -> str | None:
    sym = sc.old if sc.old is not None else sc.new
    assert sym is not None
    if sym.qualname == cls and sym.kind == CLASS:
        if sc.kind == "removed":
            return f"schema class `{cls}` removed"
        if sc.kind == "renamed" and sc.new is not None:
            return f"schema class `{cls}` renamed to `{sc.new.qualname}` (best effort)"
        return None
    if sym.parent != cls or sym.kind != FIELD:
        return None
    if sc.kind == "removed":
        return f"field `{sym.name}` removed"
    if sc.kind == "renamed" and sc.new is not None:
        return f"field `{sym.name}` renamed to `{sc.new.name}` (best effort)"
    if sc.kind == "added":
        return None if sym.has_default else f"new field `{sym.name}` has no default"
    assert sc.old is not None and sc.new is not None
    parts = []
    if "annotation" in sc.details:
        parts.append(
            f"type of `{sym.name}` changed from `{sc.old.annotation}` to `{sc.new.annotation}`"
        )
    if sc.old.has_default and not sc.new.has_default:
        parts.append(f"field `{sym.name}` no longer has a default")
    return "; ".join(parts) or None


class DataSchemaBreak(Rule):
    id = "data.schema-break"
    default_severity = "block"
    summary = "field removed, renamed or retyped, or a required field added, in a resource schema"

    def check(self, ctx: RuleContext) -> Iterator[Finding]:
        schemas = [r for r in ctx.catalog.resources.values() if r.schema_path and r.schema_class]
        if not schemas:
            return
        for change, diff in ctx.python_changes():
            if not diff.comparable:
                continue  # parse.error says why
            for res in schemas:
                if res.schema_path not in (change.old_path, change.new_path):
                    continue
                cls = res.schema_class or ""
                consumers = self._consumers(ctx, res)
                if cls in diff.new_classes():
                    continue  # newly declared here: nothing consumed it before
                for sc in diff.changes:
                    what = _what(sc, cls)
                    if what is None:
                        continue
                    if sc.new is not None:
                        path, line, base = change.path, sc.new.line, False
                    else:
                        assert sc.old is not None
                        path, line, base = change.old_path or change.path, sc.old.line, True
                    f = self._finding(res, cls, what, path, line, consumers, ctx)
                    if sc.kind in ("removed", "renamed") and sc.old is not None:
                        f = self._unread(ctx, f, res, cls, sc.old.name, consumers)
                    yield ctx.at_base(f) if base else f

    def _unread(
        self,
        ctx: RuleContext,
        finding: Finding,
        res: Resource,
        cls: str,
        name: str,
        consumers: list[Related],
    ) -> Finding:
        """A removed field that no other code reads (``x.field``, ``x["field"]``,
        ``field=``) or builds by position (``Cls(a, b)``) breaks nobody: say so, and do not
        block. Only when every declared consumer imports the schema class: a consumer that
        does not (another language, raw JSON) may read the field unseen, and still blocks."""
        if name == cls or not consumers or res.schema_path is None:
            return finding
        module = ctx.imports.module_of(res.schema_path)
        if module is None:
            return finding
        own = ctx.service(res.schema_path)
        wanted = {r.node.removeprefix("service:") for r in consumers if r.node}
        seen: set[str] = set()
        sites = 0
        for s in ctx.imports.importers_of(module):
            svc = ctx.service(s.src_path)
            if svc is None or svc == own or not (cls in s.names or "*" in s.names or not s.names):
                continue
            if ctx.uses.reads_field(s.src_path, name, cls) is not False:
                return finding
            seen.add(svc)
            sites += 1
        if not wanted <= seen:
            return finding
        return replace(
            finding,
            severity="warn",
            message=f"{finding.message} (no other service reads `{name}`: {sites} import "
            f"site{'s' if sites != 1 else ''} of `{cls}`, none reads it)",
        )

    def _consumers(self, ctx: RuleContext, res: Resource) -> list[Related]:
        out = []
        for svc in ctx.catalog.services.values():
            if any(d.target == res.id and d.kind in _CONSUMING for d in svc.dependencies):
                origin = svc.origin
                path = origin.path if origin else (ctx.catalog.config_path or "guardrails.yaml")
                out.append(Related(path, origin.line if origin else None, svc.id))
        return sorted(out, key=lambda r: r.node or "")

    def _finding(
        self,
        res: Resource,
        cls: str,
        what: str,
        path: str,
        line: int,
        consumers: list[Related],
        ctx: RuleContext,
    ) -> Finding:
        names = [r.node.split(":", 1)[1] for r in consumers if r.node]
        who = ", ".join(names) if names else "no declared consumers"
        return self.finding(
            path,
            line,
            f"{res.id} schema `{cls}`: {what}; consumers: {who}",
            (
                f"keep `{cls}` compatible (add fields with defaults, deprecate rather than remove) "
                f"or publish a new version, and get sign-off from {who}"
            ),
            related=consumers,
        )


_P = "services/event_bus/schemas.py"
_BASE = (
    "from dataclasses import dataclass, field\n\n@dataclass\nclass UserEvent:\n"
    "    user_id: str\n    kind: str\n    tags: list[str] = msgspec.field(default_factory=list)\n"
)
DataSchemaBreak.INVALID = (
    Case(
        _BASE,
        _BASE.replace("    kind: str\n", ""),
        path=_P,
        expect=(
            Expect(
                6,
                "block",
                (
                    "topic:user-events schema `UserEvent`: field `kind` removed",
                    "consumers: feature-store, ranker",
                ),
                related=("guardrails.yaml:None", "guardrails.yaml:None"),
            ),
        ),
    ),
    Case(
        _BASE,
        _BASE.replace("user_id: str", "user_id: int"),
        path=_P,
        expect=(Expect(5, "block", ("type of `user_id` changed from `str` to `int`",)),),
    ),
    Case(
        _BASE,
        _BASE + "    session: str\n",
        path=_P,
        expect=(Expect(8, "block", ("new field `session` has no default",)),),
    ),
    Case(
        _BASE,
        _BASE.replace("class UserEvent", "class UserEventV2"),
        path=_P,
        expect=(Expect(4, "block", ("schema class `UserEvent` renamed to `UserEventV2`",)),),
    ),
)

_CONSUMER = "services/ranker/consume.py"
_FS = "services/feature_store/ingest.py"
_SCHEMA_SITES = (
    Site(_CONSUMER, 1, "services.event_bus.schemas", ("UserEvent",)),
    Site(_FS, 1, "services.event_bus.schemas", ("UserEvent",)),
)
_READS_USER_ID = (
    "from services.event_bus.schemas import UserEvent\n\ndef f(e):\n    return e.user_id\n"
)
DataSchemaBreak.INVALID += (
    Case(
        _BASE,
        _BASE.replace("    kind: str\n", ""),
        path=_P,
        importers=_SCHEMA_SITES,
        sources=((_CONSUMER, _READS_USER_ID), (_FS, _READS_USER_ID)),
        expect=(
            Expect(
                6,
                "warn",
                ("field `kind` removed", "no other service reads `kind`: 2 import sites"),
            ),
        ),
        note="both consumers import the schema and read only `user_id`",
    ),
    Case(
        _BASE,
        _BASE.replace("    kind: str\n", ""),
        path=_P,
        importers=_SCHEMA_SITES,
        sources=((_CONSUMER, _READS_USER_ID), (_FS, _READS_USER_ID + "x = UserEvent(kind=1)\n")),
        expect=(Expect(6, "block", ("field `kind` removed",)),),
        note="one consumer constructs it with `kind=`",
    ),
    Case(
        _BASE,
        _BASE.replace("    kind: str\n", ""),
        path=_P,
        importers=(
            *_SCHEMA_SITES,
            Site("apps/growth/emit.py", 1, "services.event_bus.schemas", ("UserEvent",)),
        ),
        sources=(
            (_CONSUMER, _READS_USER_ID),
            (_FS, _READS_USER_ID),
            (
                "apps/growth/emit.py",
                "from services.event_bus.schemas import UserEvent\ne = UserEvent('u1', 'view')\n",
            ),
        ),
        expect=(Expect(6, "block", ("field `kind` removed",)),),
        note="a producer builds the record by position: every field counts (the acme demo)",
    ),
)

DataSchemaBreak.VALID = (
    Case(None, _BASE, path=_P, note="the schema file is new"),
    Case(
        _BASE, _BASE + "    session: str | None = None\n", path=_P, note="new field with a default"
    ),
    Case(
        _BASE,
        _BASE.replace("user_id: str", "user_id:    str  # who acted").replace(
            "field(default_factory=list)", "field(default_factory=lambda: ['new'])"
        ),
        path=_P,
        note="reformatted annotation, comment and a new default value",
    ),
    Case(
        _BASE + "\n@dataclass\nclass Internal:\n    x: int\n",
        _BASE + "\n@dataclass\nclass Internal:\n    y: str\n",
        path=_P,
        note="a class that is not a declared schema",
    ),
    Case(
        _BASE,
        _BASE.replace("    kind: str\n", ""),
        path="services/event_bus/other.py",
        note="not the schema file",
    ),
    Case(
        _BASE,
        _BASE.replace(
            "user_id: str",
            "user_id: int  # guardrails: ignore[data.schema-break] -- no consumer reads it yet",
        ),
        path=_P,
        note="suppressed with a reason",
    ),
)
