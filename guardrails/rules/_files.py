"""The rollout and flag files of a change, parsed once and shared by the rules that read them.

A file is a rollout (or flag) file when a ``rollouts:`` (``flags:``) entry of the catalog
matches its path; the entry's ``kind`` picks the parser. Both sides of the change are read:
the base side is what the change is judged against (only what the change does is judged).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from guardrails.catalog.model import FileSource
from guardrails.changes import FileChange
from guardrails.filemap import glob_match
from guardrails.findings import Related
from guardrails.rules.base import RuleContext

if TYPE_CHECKING:
    # The parsers import PyYAML: loaded when a change has a flag or rollout file, not for
    # every pre-commit run.
    from guardrails.semantic.flags import Flag
    from guardrails.semantic.rollouts import Rollout
    from guardrails.semantic.structured import Malformed

ROLLOUT, FLAG = "rollout", "flag"
# The parse.error rule reports these formats; Python flag modules are Python files, and the
# Python parser already reports them.
STRUCTURED_FLAG_KINDS = ("flagd", "yaml")


T = TypeVar("T")


# A NamedTuple, not a dataclass: every check imports this module and few use the class
# (a frozen dataclass costs ~0.8 ms to create, a NamedTuple ~0.1 ms).
class Sides(NamedTuple, Generic[T]):
    """One changed file's parsed base and head. ``None``: the side does not exist."""

    change: FileChange
    source: FileSource
    old: T | Malformed | None
    new: T | Malformed | None

    @property
    def readable(self) -> bool:
        """Both existing sides parsed: only then can base and head be compared."""
        from guardrails.semantic.structured import Malformed

        return not isinstance(self.old, Malformed) and not isinstance(self.new, Malformed)


def source_for(path: str | None, sources: tuple[FileSource, ...]) -> FileSource | None:
    if path is None:
        return None
    return next((s for s in sources if glob_match(s.path, path)), None)


def _text(ctx: RuleContext, data: bytes | None) -> str | None:
    from guardrails.changes import decode, is_binary

    if data is None or is_binary(data) or len(data) > ctx.max_file_bytes:
        return None
    return decode(data)


def rollout_changes(ctx: RuleContext) -> Iterator[Sides[list[Rollout]]]:
    yield from _changes(ctx, ROLLOUT, ctx.catalog.rollouts, _read_rollouts)


def flag_changes(ctx: RuleContext) -> Iterator[Sides[dict[str, Flag]]]:
    yield from _changes(ctx, FLAG, ctx.catalog.flags, _read_flags)


def _changes(
    ctx: RuleContext,
    kind: str,
    sources: tuple[FileSource, ...],
    read: Callable[[RuleContext, FileSource, str | None, bytes | None], object],
) -> Iterator[Sides[Any]]:
    """Both sides of every changed file ``sources`` claims, parsed once per check (the
    rules that read the same file share the parse through ``ctx.memo``)."""
    for change in ctx.changes.files:
        source = source_for(change.new_path or change.old_path, sources)
        if source is None:
            continue
        key = (kind, id(change))
        if key not in ctx.memo:
            ctx.memo[key] = Sides(
                change,
                source,
                read(ctx, source, change.old_path, change.old_data),
                read(ctx, source, change.new_path, change.new_data),
            )
        found = ctx.memo[key]
        assert isinstance(found, Sides)
        yield found


def rollout_pairs(ctx: RuleContext) -> Iterator[tuple[str, Rollout | None, Rollout]]:
    """(path, the base's rollout object or None, the head's) for every readable rollout file
    the change touches and keeps: objects are paired by kind, namespace and name."""
    for sides in rollout_changes(ctx):
        if not sides.readable or sides.new is None:
            continue
        old = by_key(sides.old)
        for new in by_key(sides.new).values():
            yield sides.change.path, old.get(new.key), new


def _read_rollouts(
    ctx: RuleContext, source: FileSource, path: str | None, data: bytes | None
) -> list[Rollout] | Malformed | None:
    from guardrails.semantic.rollouts import read_rollouts

    text = _text(ctx, data)
    if path is None or text is None:
        return None
    return read_rollouts(source.kind, path, text)


def _read_flags(
    ctx: RuleContext, source: FileSource, path: str | None, data: bytes | None
) -> dict[str, Flag] | Malformed | None:
    from guardrails.semantic.flags import read_flags

    text = _text(ctx, data)
    if path is None or text is None:
        return None
    return read_flags(source.kind, path, text)


def rollout_service(ctx: RuleContext, path: str, rollout: Rollout) -> str | None:
    """The service a rollout object belongs to: a guardrails file's `service:`, else the
    service whose paths cover the file, else a catalog service named like the object."""
    if rollout.format == "guardrails" and rollout.name in ctx.catalog.services:
        return rollout.name
    return ctx.service(path) or (rollout.name if rollout.name in ctx.catalog.services else None)


def service_related(ctx: RuleContext, path: str, rollout: Rollout) -> tuple[Related, ...]:
    """The rolled-out service as the finding's related node (policies key approvals on it)."""
    service = rollout_service(ctx, path, rollout)
    return (Related(path, rollout.line, f"service:{service}"),) if service else ()


def by_key(side: list[Rollout] | Malformed | None) -> dict[str, Rollout]:
    from guardrails.semantic.structured import Malformed

    return {} if side is None or isinstance(side, Malformed) else {r.key: r for r in side}


def flag_map(side: dict[str, Flag] | Malformed | None) -> dict[str, Flag]:
    from guardrails.semantic.structured import Malformed

    return {} if side is None or isinstance(side, Malformed) else side
