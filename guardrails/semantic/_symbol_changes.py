"""The symbol diff of two sides: modified, added, removed and renamed symbols, with what
changed about each (kind, signature, default, ...).
"""

from __future__ import annotations

from guardrails.semantic._module_names import _ast_names
from guardrails.semantic._segments import _Segment, _Side
from guardrails.semantic.facts import Symbol, SymbolChange


def _diff_symbols(
    old: _Side,
    new: _Side,
    old_syms: dict[str, Symbol],
    new_syms: dict[str, Symbol],
    old_segs: list[_Segment],
    new_segs: list[_Segment],
) -> tuple[SymbolChange, ...]:
    old_kept = _names_outside(old, old_segs)
    new_kept = _names_outside(new, new_segs)
    removed = [s for q, s in old_syms.items() if q not in new_syms and q not in new_kept]
    added = [s for q, s in new_syms.items() if q not in old_syms and q not in old_kept]
    out: list[SymbolChange] = []
    for q, before in old_syms.items():
        after = new_syms.get(q)
        if after is not None:
            details = _details(before, after)
            if details:
                out.append(SymbolChange("modified", before, after, details))
    out.extend(_pair_renames(removed, added))
    return tuple(sorted(out, key=_change_order))


def _change_order(c: SymbolChange) -> tuple[int, int, str, str]:
    # Head-side changes first in head order, then removals in base order.
    if c.new is not None:
        return (0, c.new.line, c.qualname, c.kind)
    assert c.old is not None
    return (1, c.old.line, c.qualname, c.kind)


def _details(a: Symbol, b: Symbol) -> tuple[str, ...]:
    out = []
    if a.kind != b.kind:
        out.append("kind")
    if a.signature != b.signature:
        if a.signature and b.signature and a.signature.is_async != b.signature.is_async:
            out.append("async")
        if not a.signature or not b.signature or a.signature.params != b.signature.params:
            out.append("signature")
        elif a.signature.returns != b.signature.returns:
            out.append("returns")
    for name in ("decorators", "bases", "value", "annotation", "target"):
        if getattr(a, name) != getattr(b, name):
            out.append(name)
    if a.default != b.default or a.has_default != b.has_default:
        out.append("default")
    return tuple(out)


def _pair_renames(removed: list[Symbol], added: list[Symbol]) -> list[SymbolChange]:
    out: list[SymbolChange] = []
    taken: set[str] = set()
    renamed_parents: dict[str, str] = {}
    for r in sorted(removed, key=lambda s: s.qualname.count(".")):
        parent = renamed_parents.get(r.parent or "", r.parent)
        candidates = [
            a
            for a in added
            if a.qualname not in taken
            and a.kind == r.kind
            and a.parent == parent
            and a.kind != "import"
            and (
                (r.body_digest is not None and a.body_digest == r.body_digest)
                or (r.signature is not None and a.signature == r.signature and r.signature.params)
                or (r.value is not None and a.value == r.value)
                or (r.kind == "field" and a.annotation == r.annotation and a.default == r.default)
            )
        ]
        if r.parent in renamed_parents and candidates:
            # Members of a renamed class move with it; pair by name first.
            same = [a for a in candidates if a.name == r.name]
            candidates = same or candidates
        if len(candidates) == 1 or (candidates and r.parent in renamed_parents):
            a = candidates[0]
            taken.add(a.qualname)
            if r.kind == "class":
                renamed_parents[r.qualname] = a.qualname
            if r.name == a.name:
                details = _details(r, a)
                if details:
                    out.append(SymbolChange("modified", r, a, details, best_effort=True))
                continue
            out.append(SymbolChange("renamed", r, a, _details(r, a), best_effort=True))
        else:
            out.append(SymbolChange("removed", r, None))
    out.extend(SymbolChange("added", None, a) for a in added if a.qualname not in taken)
    return out


def _names_outside(side: _Side, parsed: list[_Segment]) -> set[str]:
    """Qualified names defined in the segments that were not parsed (unchanged ones)."""
    if side.tree is None:
        return set()
    parsed_ids = {id(s) for s in parsed}
    names: dict[str, tuple[int, int]] = {}
    for seg in side.segments:
        if id(seg) in parsed_ids:
            continue
        if seg.names is not None:  # a skeleton: its names were read when it was parsed
            names.update(dict.fromkeys(seg.names, (0, 0)))
        else:
            _ast_names(seg.nodes, None, names)
    return set(names)
