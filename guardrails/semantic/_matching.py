"""Which segments and statements changed between the two sides: segments matched by text,
then by ast shape (a reformat changes nothing), and head statements whose own meaning no
changed base statement had (what git's line marks miss).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping

from guardrails.changes import LineRange
from guardrails.semantic._segments import Parsed, _Segment, _Side, flesh_out

# Fields that hold nested statements: a statement's own meaning is everything else.
_BLOCKS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_Block = (ast.stmt, ast.excepthandler, ast.match_case)


def _own_key(node: ast.AST) -> str:
    """What a statement says, without its nested statements or its position."""
    parts = [type(node).__name__]
    for name in node._fields:
        if name in _BLOCKS:
            continue
        value = getattr(node, name, None)
        if isinstance(value, list):
            parts.append(
                ",".join(ast.dump(v) if isinstance(v, ast.AST) else repr(v) for v in value)
            )
        else:
            parts.append(ast.dump(value) if isinstance(value, ast.AST) else repr(value))
    return "\0".join(parts)


def _walk_statements(nodes: Iterable[ast.AST]) -> Iterable[ast.AST]:
    stack = list(nodes)[::-1]
    while stack:
        node = stack.pop()
        yield node
        children = [
            c for f in _BLOCKS for c in (getattr(node, f, None) or ()) if isinstance(c, _Block)
        ]
        stack.extend(reversed(children))


def _span(node: ast.AST) -> tuple[int, int]:
    where = node.pattern if isinstance(node, ast.match_case) else node  # a case has no lines
    start, end = getattr(where, "lineno", 1), getattr(where, "end_lineno", None)
    return start, end or start


def _header(node: ast.AST, offset: int) -> LineRange:
    """The lines of a statement itself: decorators and header, not the nested blocks."""
    start, end = _span(node)
    start = min([start, *(_span(d)[0] for d in getattr(node, "decorator_list", ()))])
    inner = [c for f in _BLOCKS for c in (getattr(node, f, None) or ()) if isinstance(c, _Block)]
    if inner:
        end = max(start, min(_span(c)[0] for c in inner) - 1)
    return LineRange(start + offset, end + offset)


def _meaning_changed(
    old: _Side, old_segs: list[_Segment], new_segs: list[_Segment]
) -> list[LineRange]:
    """Head statements that say something no changed base statement said.

    git marks lines, not meaning: deleting the two \"\"\" lines around a docstring turns the
    text between them into code without touching its lines, and a bare CR or a rename can
    hide lines too. Every statement of a changed head segment whose own text (nested blocks
    and positions aside) appears in no changed base segment is judged as added.
    """
    if not new_segs:
        return []
    if not old.present:
        return []
    if any(not seg.nodes for seg in old_segs):  # the base did not parse: nothing to compare
        return [LineRange(seg.start, seg.end) for seg in new_segs]
    known = {_hidden_key(seg, n) for seg in old_segs for n in _walk_statements(seg.nodes)}
    out: list[LineRange] = []
    for seg in new_segs:
        if not seg.nodes:
            out.append(LineRange(seg.start, seg.end))
            continue
        for node in _walk_statements(seg.nodes):
            if _hidden_key(seg, node) not in known:
                out.append(_header(node, seg.offset))
    return out


def _hidden_key(seg: _Segment, node: ast.AST) -> str:
    """_own_key, with what blanking 3.12 type parameters hid from it: ``class A[T]:`` and
    ``type X = int`` read as ``class A:`` and ``X = int``, and say something else."""
    hidden = seg.hidden.get(id(node))
    return _own_key(node) if hidden is None else _own_key(node) + "\0" + hidden.text


def _unmatched(
    old: _Side,
    new: _Side,
    old_keys: Mapping[int, Hashable] | None = None,
    parsed: Parsed | None = None,
) -> tuple[list[_Segment], list[_Segment]]:
    """The segments of each side with no equal on the other: same text, or failing that the
    same ast (positions, comments and formatting aside: ``ast.dump`` leaves them out).

    Why the ast: a formatter's run over 400 files changes every line it touches and no
    statement's meaning; comparing the trees lets the cost follow the changed statements
    instead of sending every reformatted statement to libcst (32 s on localstack's reformat),
    and lets a reformat report nothing it did not change.

    ``old_keys`` (segment id -> its :func:`_tree_key`) stands in for the old side's ast when
    the caller already let it go (a large file, see ``python._let_go``). A skeleton left
    without an equal by text is parsed here (into ``parsed``): from here on it is read as
    statements.
    """
    old_segs, new_segs = _pick_common(old.segments, new.segments, lambda s: s.text)
    flesh_out(old_segs, {} if parsed is None else parsed)
    flesh_out(new_segs, {} if parsed is None else parsed)
    if old_segs and new_segs:
        key = _tree_key if old_keys is None else _known_or_tree_key(old_keys)
        old_segs, new_segs = _pick_common(old_segs, new_segs, key)
    return old_segs, new_segs


def _known_or_tree_key(known: Mapping[int, Hashable]) -> Callable[[_Segment], Hashable]:
    def key(seg: _Segment) -> Hashable:
        found = known.get(id(seg))
        return found if found is not None else _tree_key(seg)

    return key


def _tree_key(seg: _Segment) -> tuple[object, ...]:
    """The statements' shape, positions left out: node types and field values in preorder.

    What ``ast.dump`` compares, at 2.5x its speed (no repr, no string building). Values carry
    their type (``1`` is not ``True``) and floats their repr (``0.0`` is not ``-0.0``). A
    segment without statements (a side ast could not read) only ever equals itself.
    """
    if not seg.nodes or seg.hidden:
        # (with type parameters blanked, the tree alone does not say what the text says)
        return ("text", seg.text)
    out: list[object] = []
    push = out.append
    stack: list[object] = list(reversed(seg.nodes))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.AST):
            push(n.__class__)
            for name in n._fields:
                stack.append(getattr(n, name, None))
        elif isinstance(n, list):
            push(len(n))
            stack.extend(n)
        elif isinstance(n, (float, complex)):
            push(repr(n))
        else:
            push(type(n))
            push(n)
    return tuple(out)


def _pick_common(
    olds: list[_Segment], news: list[_Segment], key: Callable[[_Segment], Hashable]
) -> tuple[list[_Segment], list[_Segment]]:
    old_keys, new_keys = [key(s) for s in olds], [key(s) for s in news]
    common = Counter(old_keys) & Counter(new_keys)

    def pick(segments: list[_Segment], keys: list[Hashable]) -> list[_Segment]:
        left = Counter(common)
        out = []
        for s, k in zip(segments, keys, strict=True):
            if left[k] > 0:
                left[k] -= 1
            else:
                out.append(s)
        return out

    return pick(olds, old_keys), pick(news, new_keys)
