"""What breaks a public Python API: which names are public (``__all__``, underscores) and
which symbol changes (removal, rename, a signature callers can no longer satisfy) break
the code written against them. Pure functions of the semantic diff's facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from guardrails.semantic.kinds import (
    FIELD,
    KEYWORD_ONLY,
    POSITIONAL,
    POSITIONAL_ONLY,
    VAR_KEYWORD,
    VAR_POSITIONAL,
)

if TYPE_CHECKING:
    from guardrails.semantic.facts import Signature, SymbolChange

_BINDING_DECORATORS = frozenset({"property", "cached_property", "staticmethod", "classmethod"})


def is_public(qualname: str, dunder_all: Sequence[str] | None) -> bool:
    top, *rest = qualname.split(".")
    if dunder_all is not None and top in dunder_all:
        return all(_public_part(p) for p in rest)
    return all(_public_part(p) for p in (top, *rest))


def _public_part(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def signature_breaks(old: Signature, new: Signature) -> list[str]:
    """Why callers written against ``old`` fail against ``new`` (empty: they do not)."""
    reasons: list[str] = []
    o = {p.name: p for p in old.params}
    n = {p.name: p for p in new.params}
    kinds_n = {p.kind for p in new.params}
    pos_o = [p.name for p in old.params if p.kind in (POSITIONAL_ONLY, POSITIONAL)]
    pos_n = [p.name for p in new.params if p.kind in (POSITIONAL_ONLY, POSITIONAL)]
    renamed_to: set[str] = set()
    if old.is_async != new.is_async:
        reasons.append("became async" if new.is_async else "is no longer async")
    for i, p in enumerate(old.params):
        if p.kind in (VAR_POSITIONAL, VAR_KEYWORD) or p.name in n:
            continue
        slot = pos_n[i] if p.kind in (POSITIONAL_ONLY, POSITIONAL) and i < len(pos_n) else None
        if slot is not None and slot not in o:
            renamed_to.add(slot)
            if not (p.kind == POSITIONAL_ONLY and n[slot].kind == POSITIONAL_ONLY):
                reasons.append(f"parameter `{p.name}` renamed to `{slot}`")
            continue
        swallowed = {
            POSITIONAL_ONLY: VAR_POSITIONAL in kinds_n,
            KEYWORD_ONLY: VAR_KEYWORD in kinds_n,
            POSITIONAL: VAR_POSITIONAL in kinds_n and VAR_KEYWORD in kinds_n,
        }[p.kind]
        if not swallowed:
            reasons.append(f"parameter `{p.name}` removed")
    common_o = [name for name in pos_o if name in pos_n]
    common_n = [name for name in pos_n if name in pos_o]
    if common_o != common_n:
        reasons.append(
            f"positional order changed from ({', '.join(common_o)}) to ({', '.join(common_n)})"
        )
    for name, p in n.items():
        before = o.get(name)
        if before is None:
            if p.required and name not in renamed_to:
                reasons.append(f"new required parameter `{name}`")
            continue
        if before.kind == POSITIONAL and p.kind == POSITIONAL_ONLY:
            reasons.append(f"`{name}` became positional-only")
        elif before.kind in (POSITIONAL_ONLY, POSITIONAL) and p.kind == KEYWORD_ONLY:
            reasons.append(f"`{name}` became keyword-only")
        if not before.required and p.required:
            reasons.append(f"`{name}` no longer has a default")
    for kind in (VAR_POSITIONAL, VAR_KEYWORD):
        if any(p.kind == kind for p in old.params) and kind not in kinds_n:
            reasons.append(f"{kind} removed")
    return reasons


def breaking_reasons(change: SymbolChange) -> list[str]:
    old, new = change.old, change.new
    if change.kind == "added":
        assert new is not None
        if new.kind == FIELD and new.record and not new.has_default:
            return [f"new required field `{new.name}`"]
        return []
    assert old is not None
    if change.kind == "removed":
        return ["removed"]
    assert new is not None
    if change.kind == "renamed":
        return [f"removed (looks renamed to `{new.qualname}`; best effort)"]
    reasons: list[str] = []
    if old.signature is not None and new.signature is not None:
        reasons.extend(signature_breaks(old.signature, new.signature))
    bind_o = {d.rsplit(".", 1)[-1] for d in old.decorators} & _BINDING_DECORATORS
    bind_n = {d.rsplit(".", 1)[-1] for d in new.decorators} & _BINDING_DECORATORS
    for d in sorted(bind_o - bind_n):
        reasons.append(f"@{d} removed")
    for d in sorted(bind_n - bind_o):
        reasons.append(f"@{d} added")
    if old.kind == FIELD and old.record and old.has_default and not new.has_default:
        reasons.append("field no longer has a default")
    return reasons
