"""What the flag rules share: base/head pairs of every changed flag, and grading by reach."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from guardrails.catalog.model import DEFAULT_TIER, FileSource, StepLimits
from guardrails.changes import FileChange
from guardrails.findings import Related
from guardrails.rules._files import flag_changes, flag_map
from guardrails.rules.base import RuleContext

if TYPE_CHECKING:  # the parsers import PyYAML: loaded when a change has such a file
    from guardrails.semantic.flags import Flag


# A NamedTuple, not a dataclass: every check imports this module and few use the class
# (a frozen dataclass costs ~0.8 ms to create, a NamedTuple ~0.1 ms).
class FlagChange(NamedTuple):
    change: FileChange
    source: FileSource
    key: str
    old: Flag | None  # None: new in this file
    new: Flag | None  # None: deleted from this file

    @property
    def node(self) -> str:
        return f"flag:{self.key}"


def flag_pairs(ctx: RuleContext) -> Iterator[FlagChange]:
    """Every flag of every changed flag file whose two sides both parsed, by (path, key)."""
    for sides in flag_changes(ctx):
        if not sides.readable:
            continue
        old, new = flag_map(sides.old), flag_map(sides.new)
        for key in sorted(old.keys() | new.keys()):
            yield FlagChange(sides.change, sides.source, key, old.get(key), new.get(key))


def reach(ctx: RuleContext, key: str) -> int:
    tier = ctx.tier_reached(f"flag:{key}")
    return DEFAULT_TIER if tier is None else tier


def severity(ctx: RuleContext, key: str) -> str:
    """flags.* block when the flag reaches a tier-0/1 node, else warn."""
    return "block" if reach(ctx, key) <= 1 else "warn"


def readers(ctx: RuleContext, key: str) -> tuple[Related, ...]:
    return tuple(ctx.flag_readers(f"flag:{key}"))


def reached(ctx: RuleContext, key: str) -> str:
    """`read by service:ranker (services/ranker/rank.py:7)`, for messages."""
    sites = readers(ctx, key)
    tier = ctx.tier_reached(f"flag:{key}")
    if not sites:
        return "no code reads it" + (
            f"; its declared consumers reach tier {tier}" if tier is not None and tier <= 1 else ""
        )
    names = sorted({r.node for r in sites if r.node})
    where = f"{sites[0].path}:{sites[0].line}"
    more = f" and {len(sites) - 1} more" if len(sites) > 1 else ""
    return f"read by {', '.join(names)} ({where}{more}); it reaches tier {tier}"


def limits_for(ctx: RuleContext, key: str) -> StepLimits:
    return ctx.catalog.limits.for_service(None, reach(ctx, key))


def owner_of(ctx: RuleContext, fc: FlagChange) -> str | None:
    declared = ctx.catalog.resources.get(fc.node)
    if declared is not None and declared.owner:
        return declared.owner
    if fc.source.owner:
        return fc.source.owner
    if fc.new is not None and fc.new.owner:
        return fc.new.owner
    return ctx.node_owner(fc.node)


def show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
